#include "engine/element_census.h"

#include <gst/gst.h>

#include <memory>
#include <mutex>

namespace engine {
namespace {

struct GwaCensusTracer {
  GstTracer parent;
};
struct GwaCensusTracerClass {
  GstTracerClass parent_class;
};
G_DEFINE_TYPE(GwaCensusTracer, gwa_census_tracer, GST_TYPE_TRACER)
void gwa_census_tracer_class_init(GwaCensusTracerClass*) {}
void gwa_census_tracer_init(GwaCensusTracer*) {}

std::mutex& Mutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, int>& Alive() {
  static std::map<std::string, int> alive;
  return alive;
}

void OnGone(gpointer type_name, GObject*) {
  std::unique_ptr<std::string> type(static_cast<std::string*>(type_name));
  std::lock_guard<std::mutex> lock(Mutex());
  if (--Alive()[*type] == 0) Alive().erase(*type);
}

void OnNew(GstTracer*, guint64, GstElement* element) {
  std::string type = G_OBJECT_TYPE_NAME(element);
  {
    std::lock_guard<std::mutex> lock(Mutex());
    ++Alive()[type];
  }
  g_object_weak_ref(G_OBJECT(element), &OnGone, new std::string(std::move(type)));
}

}  // namespace

void InstallElementCensus() {
  static std::once_flag once;
  std::call_once(once, [] {
    // The tracer lives as long as the process: hooks cannot be removed.
    GstTracer* tracer = GST_TRACER(g_object_new(gwa_census_tracer_get_type(), nullptr));
    gst_tracing_register_hook(tracer, "element-new", G_CALLBACK(&OnNew));
  });
}

std::map<std::string, int> LiveElements() {
  std::lock_guard<std::mutex> lock(Mutex());
  return Alive();
}

int LiveElementCount() {
  std::lock_guard<std::mutex> lock(Mutex());
  int total = 0;
  for (const auto& [type, n] : Alive()) total += n;
  return total;
}

}  // namespace engine
