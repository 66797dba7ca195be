// 200 viewer stop/play cycles in one process: every cycle builds a pipeline
// with webrtcbin, streams to a real receiver, and frees it. After a warm-up
// of 20 cycles, open file descriptors and threads may not grow at all, and
// no GStreamer element a session builds may outlive it (GLib instance counts).
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

// Live instances of the element types a session creates. GLib counts them
// only when GOBJECT_DEBUG=instance-count is set before the type system
// starts: CTest sets it for this binary (tests/CMakeLists.txt).
std::vector<std::string> LiveSessionElements() {
  std::vector<std::string> live;
  for (const char* type_name : {"GstPipeline", "GstWebRTCBin", "GstX264Enc", "GstAppSrc",
                                "GstAppSink", "GstNiceSrc", "GstNiceSink", "GstVideoTestSrc"}) {
    GType type = g_type_from_name(type_name);
    if (type == 0) continue;  // plugin never loaded: nothing alive
    if (int n = g_type_get_instance_count(type); n > 0) {
      live.push_back(std::string(type_name) + " x" + std::to_string(n));
    }
  }
  return live;
}

bool InstanceCountingOn() {
  const char* debug = getenv("GOBJECT_DEBUG");
  return debug && std::string(debug).find("instance-count") != std::string::npos;
}

struct NullListener : engine::Feed::Listener {
  void OnFeedState(const engine::FeedSnapshot&) override {}
  void OnFeedStats(const engine::FeedStats&) override {}
};

TEST(LifecycleSoakTest, TwoHundredStopPlayCyclesDoNotLeak) {
  ASSERT_TRUE(InstanceCountingOn()) << "run with GOBJECT_DEBUG=instance-count (CTest does)";
  engine::Engine engine;
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
    if (cycle == 1) {
      // The counter works: the agent's encoder is seen while it runs (only
      // the agent encodes here), so "nothing alive" at the end means freed.
      GType x264 = g_type_from_name("GstX264Enc");
      ASSERT_NE(x264, 0u);
      EXPECT_EQ(g_type_get_instance_count(x264), 1)
          << "instance counting does not see a live element";
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
  EXPECT_LE(end.fds, baseline.fds);
  EXPECT_LE(end.threads, baseline.threads);
  EXPECT_EQ((*feed)->Snapshot().viewer_sessions, static_cast<uint32_t>(kCycles));
  (*feed)->Shutdown();

  std::vector<std::string> live = LiveSessionElements();
  EXPECT_TRUE(live.empty()) << "elements outlived their session, e.g. "
                            << (live.empty() ? "" : live.front());
}

}  // namespace
