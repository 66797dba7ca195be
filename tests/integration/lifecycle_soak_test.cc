// 200 viewer stop/play cycles in one process: every cycle builds a pipeline
// with webrtcbin, streams to a real receiver, and frees it. After a warm-up
// of 20 cycles, open file descriptors and threads may not grow at all, and
// no GStreamer element a session builds may outlive it (ElementCensus), and
// RSS may grow by at most 10 % (the bound). The process caps its
// malloc arenas as the agent does (engine/heap.h): with glibc's defaults RSS
// wandered from +1.6 % to +30 % between runs; capped, it measured +1.8 % and
// +2.0 %, but freed heap the arenas kept still swung single samples by
// ±3 MB (+10.5 % once in CI), so each sample first hands free heap back
// (malloc_trim): then +2.7 %. The encoder leak this test once found grew it
// by +50 %.
#include <dirent.h>
#include <glib.h>
#include <gtest/gtest.h>
#include <malloc.h>
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

#include "engine/element_census.h"
#include "engine/engine.h"
#include "engine/feed.h"
#include "engine/heap.h"
#include "feed_driver.h"
#include "metrics/process_collector.h"

namespace {

using namespace std::chrono_literals;

struct Usage {
  long rss_kib = 0;
  int fds = 0;
  unsigned quarks = 0;               // GLib quarks so far: interned for good, never freed
  std::vector<std::string> threads;  // names, for the failure message
};

std::string Join(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

// The agent's threads. The test's own receiver (a webrtcbin named "recv")
// joins its ICE thread "recv:ice" when its last reference goes, which can
// be just after the receiver object is destroyed: that thread made the count
// 15 against 14 in some samples. A leaked receiver would still fail the
// census check at the end.
std::vector<std::string> AgentThreads() {
  std::vector<std::string> names;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
      std::string name;
      std::getline(comm, name);
      if (name.rfind("recv:", 0) != 0) names.push_back(name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// GLib numbers quarks in order, so a string never seen before gets the next
// number: the count so far (including this probe's own).
unsigned QuarkCount() {
  static int probe = 0;
  return g_quark_from_string(("gwa-quark-probe-" + std::to_string(++probe)).c_str());
}

Usage Measure() {
  // GLib keeps finished streaming threads parked in its thread pool for
  // reuse (they exit after 15 s idle): count only threads that still work.
  g_thread_pool_stop_unused_threads();
  malloc_trim(0);
  Usage u;
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  u.rss_kib = resident * (sysconf(_SC_PAGESIZE) / 1024);
  u.fds = metrics::CountOpenFds();
  u.threads = AgentThreads();
  u.quarks = QuarkCount();
  return u;
}

// The census of live GstElements (engine/element_census.h), narrowed to the
// types a session creates.
std::vector<std::string> AliveSessionElements() {
  static const std::set<std::string> kSessionTypes = {
      "GstPipeline", "GstWebRTCBin", "GstX264Enc",      "GstAppSrc",
      "GstAppSink",  "GstNiceSrc",   "GstVideoTestSrc", "GstNiceSink"};
  std::vector<std::string> live;
  for (const auto& [type, n] : engine::LiveElements()) {
    if (kSessionTypes.count(type) && n > 0) live.push_back(type + " x" + std::to_string(n));
  }
  return live;
}

struct NullListener : engine::Feed::Listener {
  void OnFeedState(const engine::FeedSnapshot&) override {}
  void OnFeedStats(const engine::FeedStats&) override {}
};

TEST(LifecycleSoakTest, TwoHundredStopPlayCyclesDoNotLeak) {
  engine::ConfigureHeap();  // as the agent's main does, before any thread
  engine::Engine engine;    // initialises GStreamer, and with it the tracers
  engine::InstallElementCensus();
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
      std::vector<std::string> running = AliveSessionElements();
      EXPECT_NE(std::find(running.begin(), running.end(), "GstX264Enc x1"), running.end())
          << "the census does not see the running encoder";
    }
    testing_support::StopViewer(**feed);
    ASSERT_FALSE((*feed)->Snapshot().pipeline_running) << "cycle " << cycle;
    receiver.reset();
    if (cycle == kWarmup) baseline = Measure();
    if (cycle > kWarmup && cycle % 20 == 0) {
      std::cout << "cycle " << cycle << ": RSS " << Measure().rss_kib << " KiB" << std::endl;
    }
  }
  Usage end = Measure();
  std::cout << "after " << kWarmup << " cycles: RSS " << baseline.rss_kib << " KiB, "
            << baseline.fds << " fds, " << baseline.threads.size() << " threads, "
            << baseline.quarks << " quarks\n"
            << "after " << kCycles << " cycles: RSS " << end.rss_kib << " KiB, " << end.fds
            << " fds, " << end.threads.size() << " threads, " << end.quarks << " quarks\n";
  EXPECT_LE(end.rss_kib, baseline.rss_kib * 110 / 100) << "RSS grew more than 10 %";
  EXPECT_LE(end.fds, baseline.fds);
  EXPECT_LE(end.threads.size(), baseline.threads.size())
      << "after " << kWarmup << ": " << Join(baseline.threads) << "\nafter " << kCycles << ": "
      << Join(end.threads);
  EXPECT_EQ((*feed)->Snapshot().viewer_sessions, static_cast<uint32_t>(kCycles));
  (*feed)->Shutdown();

  std::vector<std::string> live = AliveSessionElements();
  EXPECT_TRUE(live.empty()) << "elements outlived their session, e.g. "
                            << (live.empty() ? "" : live.front());
}

}  // namespace
