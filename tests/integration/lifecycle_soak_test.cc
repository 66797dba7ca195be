// 200 viewer stop/play cycles in one process: every cycle builds a pipeline
// with webrtcbin, streams to a real receiver, and frees it. After a warm-up
// of 20 cycles, open file descriptors and threads may not grow at all, and
// no GStreamer element may outlive its session (GStreamer's leaks tracer).
// RSS is printed, not asserted: it is a memory figure (see BENCHMARKS.md),
// and part of its growth is inside GStreamer 1.22's DTLS/libnice code.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/feed.h"
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

// The leaks tracer, when this process was started with it (see below).
GstTracer* LeaksTracer() {
  GstTracer* found = nullptr;
  GList* tracers = gst_tracing_get_active_tracers();
  for (GList* t = tracers; t; t = t->next) {
    if (!found && g_str_has_prefix(G_OBJECT_TYPE_NAME(t->data), "GstLeaks")) {
      found = GST_TRACER(gst_object_ref(t->data));
    }
  }
  g_list_free_full(tracers, gst_object_unref);
  return found;
}

// Names of the GStreamer elements alive right now.
std::vector<std::string> LiveElements(GstTracer* leaks) {
  std::vector<std::string> names;
  GstStructure* info = nullptr;
  g_signal_emit_by_name(leaks, "get-live-objects", &info);
  if (!info) return names;
  const GValue* list = gst_structure_get_value(info, "live-objects-list");
  for (guint i = 0; list && i < gst_value_list_get_size(list); ++i) {
    const GstStructure* entry = gst_value_get_structure(gst_value_list_get_value(list, i));
    const GValue* object = gst_structure_get_value(entry, "object");
    if (object && G_VALUE_HOLDS(object, GST_TYPE_OBJECT)) {
      GstObject* o = GST_OBJECT(g_value_get_object(object));
      names.push_back(std::string(G_OBJECT_TYPE_NAME(o)) + ":" + GST_OBJECT_NAME(o));
    }
  }
  gst_structure_free(info);
  return names;
}

struct NullListener : engine::Feed::Listener {
  void OnFeedState(const engine::FeedSnapshot&) override {}
  void OnFeedStats(const engine::FeedStats&) override {}
};

TEST(LifecycleSoakTest, TwoHundredStopPlayCyclesDoNotLeak) {
  // Tracks every element from gst_init on; CTest runs each test in its own
  // process, so this is set before GStreamer starts.
  setenv("GST_TRACERS", "leaks(filters=GstElement)", 0);
  engine::Engine engine;
  GstTracer* leaks = LeaksTracer();
  ASSERT_NE(leaks, nullptr) << "GStreamer was initialised before the test could add its tracer";
  NullListener listener;
  engine::FeedConfig config;
  config.source_uri = "test://ball";
  config.quality.width = 320;
  config.quality.height = 240;
  auto feed = engine::Feed::Create(&engine, config, &listener);
  ASSERT_TRUE(feed.ok()) << feed.status();

  constexpr int kWarmup = 20;
  constexpr int kCycles = 200;
  Usage baseline;
  for (int cycle = 1; cycle <= kCycles; ++cycle) {
    std::string error;
    auto receiver = testing_support::Play(**feed, "H264", &error);
    ASSERT_TRUE(receiver) << "cycle " << cycle << ": " << error;
    ASSERT_TRUE(receiver->WaitFor([](const auto& s) { return s.frames >= 3; }, 10s))
        << "cycle " << cycle << ": no frames";
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
  EXPECT_LE(end.fds, baseline.fds);
  EXPECT_LE(end.threads, baseline.threads);
  EXPECT_EQ((*feed)->Snapshot().viewer_sessions, static_cast<uint32_t>(kCycles));
  (*feed)->Shutdown();

  std::vector<std::string> live = LiveElements(leaks);
  EXPECT_TRUE(live.empty()) << live.size() << " elements outlived their session, e.g. "
                            << (live.empty() ? "" : live.front());
  gst_object_unref(leaks);
}

}  // namespace
