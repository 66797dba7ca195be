// 200 viewer stop/play cycles in one process: every cycle builds a pipeline
// with webrtcbin, streams to a real receiver, and frees it. After a warm-up
// of 20 cycles, open file descriptors and threads may not grow at all, and
// no GStreamer element a session builds may outlive it (ElementCensus), and
// RSS may grow by at most 10 % (the bound). The process caps its
// malloc arenas as the agent does (engine/heap.h): with glibc's defaults RSS
// wandered from +1.6 % to +30 % between runs; capped, it measured +1.8 % and
// +2.0 %. The encoder leak this test once found grew it by +50 %.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/feed.h"
#include "engine/heap.h"
#include "feed_driver.h"

namespace {

using namespace std::chrono_literals;

struct Usage {
  long rss_kib = 0;
  int fds = 0;
  int threads = 0;
};

int CountEntries(const char* dir) {
  int n = 0;
  if (DIR* d = opendir(dir)) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

Usage Measure() {
  Usage u;
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  u.rss_kib = resident * (sysconf(_SC_PAGESIZE) / 1024);
  u.fds = CountEntries("/proc/self/fd") - 1;  // opendir's own descriptor
  u.threads = CountEntries("/proc/self/task");
  return u;
}

// Counts live GstElements of the types a session creates: a tracer hook
// sees every element made, a weak reference sees it disposed. (GLib's
// GOBJECT_DEBUG=instance-count counts only in debug builds of GLib, and the
// leaks tracer's get-live-objects races with elements being disposed on
// streaming threads in GStreamer 1.22 and crashed the process.)
struct GwaCensusTracer {
  GstTracer parent;
};
struct GwaCensusTracerClass {
  GstTracerClass parent_class;
};
G_DEFINE_TYPE(GwaCensusTracer, gwa_census_tracer, GST_TYPE_TRACER)
void gwa_census_tracer_class_init(GwaCensusTracerClass*) {}
void gwa_census_tracer_init(GwaCensusTracer*) {}

class ElementCensus {
 public:
  ElementCensus() {
    tracer_ = GST_TRACER(g_object_new(gwa_census_tracer_get_type(), nullptr));
    gst_tracing_register_hook(tracer_, "element-new", G_CALLBACK(&ElementCensus::OnNew));
    instance_ = this;
  }
  // The tracer stays registered for the process (GStreamer offers no way
  // to remove a hook); it stops counting once this object is gone.
  ~ElementCensus() {
    std::lock_guard<std::mutex> lock(mu_);
    instance_ = nullptr;
  }

  std::vector<std::string> Alive() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> live;
    for (const auto& [type, n] : alive_) {
      if (n > 0) live.push_back(type + " x" + std::to_string(n));
    }
    return live;
  }

 private:
  static bool Counted(const std::string& type) {
    static const std::set<std::string> kSessionTypes = {
        "GstPipeline", "GstWebRTCBin", "GstX264Enc",      "GstAppSrc",
        "GstAppSink",  "GstNiceSrc",   "GstVideoTestSrc", "GstNiceSink"};
    return kSessionTypes.count(type) > 0;
  }
  static void OnNew(GstTracer*, guint64, GstElement* element) {
    const std::string type = G_OBJECT_TYPE_NAME(element);
    if (!Counted(type)) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (!instance_) return;
    ++instance_->alive_[type];
    g_object_weak_ref(G_OBJECT(element), &ElementCensus::OnGone,
                      new std::string(type));  // freed in OnGone
  }
  static void OnGone(gpointer type_name, GObject*) {
    std::unique_ptr<std::string> type(static_cast<std::string*>(type_name));
    std::lock_guard<std::mutex> lock(mu_);
    if (instance_) --instance_->alive_[*type];
  }

  static inline std::mutex mu_;
  static inline ElementCensus* instance_ = nullptr;
  GstTracer* tracer_ = nullptr;
  std::map<std::string, int> alive_;
};

struct NullListener : engine::Feed::Listener {
  void OnFeedState(const engine::FeedSnapshot&) override {}
  void OnFeedStats(const engine::FeedStats&) override {}
};

TEST(LifecycleSoakTest, TwoHundredStopPlayCyclesDoNotLeak) {
  engine::CapMallocArenas();  // as the agent's main does, before any thread
  engine::Engine engine;      // initialises GStreamer, and with it the tracers
  ElementCensus census;
  NullListener listener;
  engine::FeedConfig config;
  config.source_uri = "test://ball";
  config.quality.width = 320;
  config.quality.height = 240;
  auto feed = engine::Feed::Create(&engine, config, &listener);
  ASSERT_TRUE(feed.ok()) << feed.status();

  constexpr int kWarmup = 20;
  // GWA_SOAK_CYCLES shortens a local run; CI runs all 200.
  const int kCycles =
      getenv("GWA_SOAK_CYCLES") ? std::max(kWarmup + 1, atoi(getenv("GWA_SOAK_CYCLES"))) : 200;
  Usage baseline;
  for (int cycle = 1; cycle <= kCycles; ++cycle) {
    std::string error;
    auto receiver = testing_support::Play(**feed, "H264", &error);
    ASSERT_TRUE(receiver) << "cycle " << cycle << ": " << error;
    ASSERT_TRUE(receiver->WaitFor([](const auto& s) { return s.frames >= 3; }, 10s))
        << "cycle " << cycle << ": no frames";
    if (cycle == 1) {
      // The check below can fail: while a session runs, the tracer sees its
      // encoder (only the agent encodes here) and webrtcbins (both peers).
      std::vector<std::string> running = census.Alive();
      EXPECT_NE(std::find(running.begin(), running.end(), "GstX264Enc x1"), running.end())
          << "the census does not see the running encoder";
    }
    testing_support::StopViewer(**feed);
    ASSERT_FALSE((*feed)->Snapshot().pipeline_running) << "cycle " << cycle;
    receiver.reset();
    if (cycle == kWarmup) baseline = Measure();
  }
  Usage end = Measure();
  std::cout << "after " << kWarmup << " cycles: RSS " << baseline.rss_kib << " KiB, "
            << baseline.fds << " fds, " << baseline.threads << " threads\n"
            << "after " << kCycles << " cycles: RSS " << end.rss_kib << " KiB, " << end.fds
            << " fds, " << end.threads << " threads\n";
  EXPECT_LE(end.rss_kib, baseline.rss_kib * 110 / 100) << "RSS grew more than 10 %";
  EXPECT_LE(end.fds, baseline.fds);
  EXPECT_LE(end.threads, baseline.threads);
  EXPECT_EQ((*feed)->Snapshot().viewer_sessions, static_cast<uint32_t>(kCycles));
  (*feed)->Shutdown();

  std::vector<std::string> live = census.Alive();
  EXPECT_TRUE(live.empty()) << "elements outlived their session, e.g. "
                            << (live.empty() ? "" : live.front());
}

}  // namespace
