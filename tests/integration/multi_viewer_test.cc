// Several viewers per feed: one source (one camera connection, one decode)
// feeding every viewer session, each with its own encoder by default or one
// shared encoder. Real receiving webrtcbins, a real RTSP test camera that
// counts (and can limit) its clients.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "child_process.h"
#include "engine/engine.h"
#include "engine/feed.h"
#include "feed_driver.h"
#include "feed_state_log.h"
#include "test_camera.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing_support::ChildProcess;
using testing_support::WebrtcReceiver;

// Records the feed's states and its latest stats sample.
class Recorder : public testing_support::FeedStateLog {
 public:
  void OnFeedStats(const engine::FeedStats& stats) override {
    std::lock_guard<std::mutex> lock(mu_);
    last_ = stats;
    cv_.notify_all();
  }
  bool WaitForStats(const std::function<bool(const engine::FeedStats&)>& predicate,
                    std::chrono::milliseconds timeout, engine::FeedStats* out) {
    std::unique_lock<std::mutex> lock(mu_);
    bool ok = cv_.wait_for(lock, timeout, [&] { return predicate(last_); });
    *out = last_;
    return ok;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  engine::FeedStats last_;
};

// A receiver that remembers when each decoded frame arrived.
struct TimedViewer {
  explicit TimedViewer(std::string id) : session(std::move(id)) {
    receiver.SetFrameHook([this](GstPad*, GstBuffer*) {
      std::lock_guard<std::mutex> lock(mu);
      arrivals.push_back(Clock::now());
    });
  }
  // Longest time between two frames that arrived inside [from, to].
  std::chrono::milliseconds LongestGap(Clock::time_point from, Clock::time_point to) {
    std::lock_guard<std::mutex> lock(mu);
    Clock::duration longest{};
    Clock::time_point previous = from;
    for (auto at : arrivals) {
      if (at < from) continue;
      if (at > to) break;
      longest = std::max(longest, at - previous);
      previous = at;
    }
    longest = std::max(longest, to - previous);
    return std::chrono::duration_cast<std::chrono::milliseconds>(longest);
  }
  size_t FramesBetween(Clock::time_point from, Clock::time_point to) {
    std::lock_guard<std::mutex> lock(mu);
    return std::count_if(arrivals.begin(), arrivals.end(),
                         [&](auto at) { return at >= from && at <= to; });
  }

  std::string session;
  WebrtcReceiver receiver{"H264"};
  std::mutex mu;
  std::vector<Clock::time_point> arrivals;
};

class MultiViewerTest : public ::testing::Test {
 protected:
  std::shared_ptr<engine::Feed> MakeFeed(engine::FeedConfig config) {
    auto feed = engine::Feed::Create(&engine_, std::move(config), &recorder_);
    EXPECT_TRUE(feed.ok()) << feed.status();
    return feed.ok() ? *feed : nullptr;
  }
  void PlayAll(engine::Feed& feed, std::vector<std::unique_ptr<TimedViewer>>& viewers) {
    for (auto& v : viewers) {
      absl::Status played = testing_support::PlayInto(feed, v->receiver, v->session);
      ASSERT_TRUE(played.ok()) << v->session << ": " << played;
    }
    for (auto& v : viewers) {
      ASSERT_TRUE(v->receiver.WaitFor([](auto& s) { return s.frames >= 15; }, 20s))
          << v->session << " decoded " << v->receiver.frames();
    }
  }

  engine::Engine engine_;
  Recorder recorder_;
};

TEST_F(MultiViewerTest, FourViewersShareOneCameraConnectionAndALeaverDisturbsNoOne) {
  // A camera that serves one client: a second connection would be dropped.
  ChildProcess camera;
  const std::string port = testing_support::StartTestCamera(&camera, "0", {"--max-clients", "1"});
  ASSERT_FALSE(port.empty());
  engine::FeedConfig config;
  config.source_uri = "rtsp://127.0.0.1:" + port + "/cam";
  config.quality.width = 320;
  config.quality.height = 240;
  config.quality.framerate = 30;
  config.quality.bitrate_kbps = 400;
  config.stats_interval = 500ms;
  auto feed = MakeFeed(config);
  ASSERT_NE(feed, nullptr);

  std::vector<std::unique_ptr<TimedViewer>> viewers;
  for (const char* id : {"v1", "v2", "v3", "v4"}) {
    viewers.push_back(std::make_unique<TimedViewer>(id));
  }
  ASSERT_NO_FATAL_FAILURE(PlayAll(*feed, viewers));
  EXPECT_EQ(camera.CountInOutput("connected"), 1) << camera.Output();
  EXPECT_EQ(camera.CountInOutput("refused"), 0) << camera.Output();

  // Each viewer decodes at the camera's full framerate (30 fps, 80 % margin).
  const auto window_start = Clock::now();
  ASSERT_TRUE(
      viewers[0]->receiver.WaitFor([&](auto&) { return Clock::now() - window_start >= 3s; }, 10s));
  for (auto& v : viewers) {
    const double fps = v->FramesBetween(window_start, Clock::now()) / 3.0;
    std::printf("[ figures ] %s decodes %.1f fps\n", v->session.c_str(), fps);
    EXPECT_GE(fps, 24.0) << v->session;
  }

  // Per-viewer stats: four distinct sessions, each sending its own stream.
  engine::FeedStats stats;
  ASSERT_TRUE(recorder_.WaitForStats(
      [](const engine::FeedStats& s) {
        return s.viewers.size() == 4 &&
               std::all_of(s.viewers.begin(), s.viewers.end(),
                           [](const auto& v) { return v.rtp.bytes_sent > 0; });
      },
      10s, &stats))
      << "viewers in the last sample: " << stats.viewers.size();
  std::set<std::string> ids;
  uint64_t sum = 0;
  for (const auto& v : stats.viewers) {
    ids.insert(v.session_id);
    sum += v.rtp.bytes_sent;
  }
  EXPECT_EQ(ids, (std::set<std::string>{"v1", "v2", "v3", "v4"}));
  EXPECT_EQ(stats.rtp.bytes_sent, sum) << "the feed's total is the viewers' sum";
  EXPECT_EQ(feed->Snapshot().viewers.size(), 4u);

  // Viewer 2 leaves: the others see no gap (< 100 ms between frames).
  const auto before = Clock::now();
  ASSERT_TRUE(viewers[0]->receiver.WaitFor([&](auto&) { return Clock::now() - before >= 1s; }, 5s));
  const auto left_at = Clock::now();
  testing_support::StopViewer(*feed, std::string("v2"));
  ASSERT_TRUE(
      viewers[0]->receiver.WaitFor([&](auto&) { return Clock::now() - left_at >= 2s; }, 5s));
  const auto after = Clock::now();
  for (size_t i : {0u, 2u, 3u}) {
    auto gap = viewers[i]->LongestGap(before, after);
    std::printf("[ figures ] %s longest frame gap around the leave: %lld ms\n",
                viewers[i]->session.c_str(), static_cast<long long>(gap.count()));
    EXPECT_LT(gap, 100ms) << viewers[i]->session;
  }
  auto snapshot = feed->Snapshot();
  ASSERT_EQ(snapshot.viewers.size(), 3u);
  EXPECT_EQ(snapshot.state, engine::FeedState::kStreaming);
  EXPECT_EQ(camera.CountInOutput("connected"), 1) << "the leave must not reconnect the camera";

  // The last viewers leaving free every pipeline, the source included.
  testing_support::StopViewer(*feed, std::nullopt);
  snapshot = feed->Snapshot();
  EXPECT_TRUE(snapshot.viewers.empty());
  EXPECT_FALSE(snapshot.pipeline_running);
  EXPECT_EQ(snapshot.state, engine::FeedState::kWaitingForViewer);
  feed->Shutdown();
}

TEST_F(MultiViewerTest, ALimitReachedIsRefusedWithTheReasonAndTheOthersPlayOn) {
  engine::FeedConfig config;
  config.source_uri = "test://ball";
  config.quality.width = 320;
  config.quality.height = 240;
  config.max_viewers = 2;
  auto feed = MakeFeed(config);
  ASSERT_NE(feed, nullptr);
  std::vector<std::unique_ptr<TimedViewer>> viewers;
  viewers.push_back(std::make_unique<TimedViewer>("a"));
  viewers.push_back(std::make_unique<TimedViewer>("b"));
  ASSERT_NO_FATAL_FAILURE(PlayAll(*feed, viewers));

  absl::Status third = testing_support::StartViewer(*feed, "c");
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted) << third;
  EXPECT_NE(third.message().find("maximum of 2"), std::string::npos) << third;
  // A retried start of a session that plays is refused too, with its name.
  absl::Status again = testing_support::StartViewer(*feed, "a");
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition) << again;

  const uint64_t a = viewers[0]->receiver.frames(), b = viewers[1]->receiver.frames();
  EXPECT_TRUE(viewers[0]->receiver.WaitFor([&](auto& s) { return s.frames >= a + 15; }, 10s));
  EXPECT_TRUE(viewers[1]->receiver.WaitFor([&](auto& s) { return s.frames >= b + 15; }, 10s));
  EXPECT_EQ(feed->Snapshot().viewers.size(), 2u);

  // The operator drops one viewer; an unknown session is NOT_FOUND.
  EXPECT_EQ(feed->Disconnect("nobody").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(feed->Disconnect("a").ok());
  EXPECT_EQ(feed->Snapshot().viewers.size(), 1u);
  const uint64_t b2 = viewers[1]->receiver.frames();
  EXPECT_TRUE(viewers[1]->receiver.WaitFor([&](auto& s) { return s.frames >= b2 + 15; }, 10s));
  // Room again: a new viewer plays.
  viewers.push_back(std::make_unique<TimedViewer>("c"));
  ASSERT_TRUE(testing_support::PlayInto(*feed, viewers.back()->receiver, "c").ok());
  EXPECT_TRUE(viewers.back()->receiver.WaitFor([](auto& s) { return s.frames >= 10; }, 15s));
  feed->Shutdown();
}

// One encoder for everybody: each viewer still decodes, every viewer gets a
// keyframe at once when it joins, and a quality change reaches all of them.
TEST_F(MultiViewerTest, SharedEncoderServesEveryViewerAndResizesThemAll) {
  engine::FeedConfig config;
  config.source_uri = "test://ball";
  config.quality.width = 640;
  config.quality.height = 360;
  config.shared_encode = true;
  config.stats_interval = 500ms;
  auto feed = MakeFeed(config);
  ASSERT_NE(feed, nullptr);
  std::vector<std::unique_ptr<TimedViewer>> viewers;
  for (const char* id : {"s1", "s2", "s3"}) viewers.push_back(std::make_unique<TimedViewer>(id));
  ASSERT_NO_FATAL_FAILURE(PlayAll(*feed, viewers));
  for (auto& v : viewers) {
    EXPECT_EQ(v->receiver.state().width, 640) << v->session;
    EXPECT_EQ(v->receiver.state().height, 360) << v->session;
  }
  engine::Quality change;
  change.width = 320;
  change.height = 180;
  ASSERT_TRUE(feed->SetQuality(change).ok());
  for (auto& v : viewers) {
    EXPECT_TRUE(v->receiver.WaitFor([](auto& s) { return s.width == 320 && s.height == 180; }, 10s))
        << v->session << " still " << v->receiver.state().width << "x"
        << v->receiver.state().height;
  }
  engine::FeedStats stats;
  EXPECT_TRUE(
      recorder_.WaitForStats([](const auto& s) { return s.viewers.size() == 3; }, 10s, &stats));
  feed->Shutdown();
}

}  // namespace
