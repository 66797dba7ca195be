// The degradation ladder's gate with a real viewer (issue 13): an operator
// who asks 300 kbps at 1280x720@30 (0.011 bits per pixel, far under the
// ladder's 0.05 line) on a link that carries it gets 1280x720@30, because
// the target is the operator's ceiling, not the link's limit. In-process
// engine, a webrtcbin viewer offering transport-wide congestion control on
// loopback (nothing congested: the target stays at the ceiling).
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/engine.h"
#include "engine/feed.h"
#include "feed_driver.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
using testing_support::Offer;
using testing_support::StartViewer;
using testing_support::WebrtcReceiver;

struct StatsLog : engine::Feed::Listener {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<engine::FeedStats> stats;
  void OnFeedState(const engine::FeedSnapshot&) override {}
  void OnFeedStats(const engine::FeedStats& s) override {
    std::lock_guard<std::mutex> lock(mu);
    stats.push_back(s);
    cv.notify_all();
  }
  // The first sample whose first viewer passes `pred`.
  template <typename Pred>
  std::optional<engine::FeedStats> WaitFor(Pred pred, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu);
    std::optional<engine::FeedStats> found;
    cv.wait_for(lock, timeout, [&] {
      if (stats.empty() || stats.back().viewers.empty()) return false;
      if (!stats.back().viewers.front().congestion || !pred(stats.back())) return false;
      found = stats.back();
      return true;
    });
    return found;
  }
};

TEST(DegradationGateTest, AnOperatorsLowBitrateAtTheCeilingKeepsTheOperatorsPicture) {
  engine::Engine engine;
  StatsLog log;
  engine::FeedConfig config;
  config.source_uri = "test://ball";
  config.codec = engine::Codec::kH264;
  config.quality.width = 1280;
  config.quality.height = 720;
  config.quality.framerate = 30;
  config.quality.bitrate_kbps = 300;
  config.stats_interval = 250ms;
  auto feed = engine::Feed::Create(&engine, config, &log);
  ASSERT_TRUE(feed.ok()) << feed.status();

  WebrtcReceiver receiver("H264");
  receiver.SetDoNack(true);
  receiver.SetTransportCc(5);
  ASSERT_TRUE(StartViewer(**feed).ok());
  auto answer = Offer(**feed, receiver.CreateOffer());
  ASSERT_TRUE(answer.ok()) << answer.status();
  std::string error;
  ASSERT_TRUE(receiver.SetAnswer(*answer, &error)) << error;
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 30; }, 15s));

  auto fed = log.WaitFor(
      [](const engine::FeedStats& s) {
        return s.viewers.front().congestion->feedback_events >= 10 &&
               s.viewers.front().congestion->adaptive;
      },
      15s);
  ASSERT_TRUE(fed) << "no TWCC feedback reached the session";
  // Three seconds of feedback: twice what a shortage must last before the
  // ladder steps down.
  const auto since = fed->timestamp;
  auto later =
      log.WaitFor([&](const engine::FeedStats& s) { return s.timestamp >= since + 3s; }, 10s);
  ASSERT_TRUE(later);
  const engine::ViewerStats& v = later->viewers.front();
  EXPECT_EQ(v.congestion->estimate.target_bps, 300000) << "the link does not limit";
  EXPECT_EQ(*v.quality.width, 1280u);
  EXPECT_EQ(*v.quality.height, 720u);
  EXPECT_EQ(*v.quality.framerate, 30u);
  EXPECT_EQ(v.congestion->quality_reason, "");
  EXPECT_EQ(v.congestion->quality_changed_at.time_since_epoch().count(), 0) << "never resized";
  EXPECT_EQ(receiver.state().width, 1280) << "the viewer decodes the operator's size";
  (*feed)->Shutdown();
}

}  // namespace
