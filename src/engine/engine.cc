#include "engine/engine.h"

#include <gst/gst.h>

#include <memory>

#include "engine/pacer_element.h"

namespace engine {

Engine::Engine() {
  gst_init(nullptr, nullptr);
  RegisterPacerElement();  // the sessions' pipelines name it
  context_ = g_main_context_new();
  loop_ = g_main_loop_new(context_, FALSE);
  auto started = std::make_shared<std::promise<std::thread::id>>();
  auto id = started->get_future();
  thread_ = std::thread([this, started] {
    // Bus watches and timeouts created on this thread attach to our context.
    g_main_context_push_thread_default(context_);
    // Report "started" from inside the running loop: a quit issued before
    // g_main_loop_run() would otherwise be lost and the join would hang.
    GSource* idle = g_idle_source_new();
    g_source_set_callback(
        idle,
        [](gpointer data) -> gboolean {
          static_cast<std::promise<std::thread::id>*>(data)->set_value(std::this_thread::get_id());
          return G_SOURCE_REMOVE;
        },
        started.get(), nullptr);
    g_source_attach(idle, context_);
    g_source_unref(idle);
    g_main_loop_run(loop_);
    g_main_context_pop_thread_default(context_);
  });
  thread_id_ = id.get();
}

Engine::~Engine() {
  g_main_loop_quit(loop_);
  thread_.join();
  // Run what was posted after quit so closures (and what they own) are freed.
  while (g_main_context_iteration(context_, FALSE)) {
  }
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);
}

void Engine::PreloadPlugins() {
  Call([] {
    for (const char* factory :
         {"webrtcbin", "x264enc", "vp8enc", "vp9enc", "rtph264pay", "rtpvp8pay", "rtpvp9pay",
          "videotestsrc", "videoconvert", "videoscale", "videorate", "appsrc", "appsink", "nicesrc",
          "nicesink", "dtlssrtpenc", "dtlsdec"}) {
      if (GstElement* e = gst_element_factory_make(factory, nullptr)) gst_object_unref(e);
    }
  });
}

bool Engine::IsEngineThread() const { return std::this_thread::get_id() == thread_id_; }

void Engine::Post(std::function<void()> fn) {
  auto* heap = new std::function<void()>(std::move(fn));
  g_main_context_invoke_full(
      context_, G_PRIORITY_DEFAULT,
      [](gpointer data) -> gboolean {
        (*static_cast<std::function<void()>*>(data))();
        return G_SOURCE_REMOVE;
      },
      heap, [](gpointer data) { delete static_cast<std::function<void()>*>(data); });
}

}  // namespace engine
