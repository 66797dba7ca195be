// RTSP pass-through: a real camera (gst-rtsp-server in a child process)
// whose H264 or H265 reaches a real receiving webrtcbin without being decoded
// and re-encoded. The proof that nothing re-encodes: the receiver decodes the
// camera's own 320x240 (H265: parsed, see WebrtcReceiver::SetParseOnly) although the agent's
// default picture is 1280x720, the frames arrive at the camera's 30 fps and its keyframe rhythm
// (every 15th frame) is what the sender counts. Live changes only an encoder could make are
// refused; the camera dying and coming back resumes the same viewer.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "child_process.h"
#include "engine/engine.h"
#include "engine/feed.h"
#include "feed_driver.h"
#include "feed_state_log.h"
#include "test_camera.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
using testing_support::ChildProcess;
using testing_support::WebrtcReceiver;

// Keeps the feed's latest stats sample beside its states.
class FeedLog : public testing_support::FeedStateLog {
 public:
  void OnFeedStats(const engine::FeedStats& stats) override {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.push_back(stats);
    cv_.notify_all();
  }
  // Waits for a sample after the first `from` that satisfies `predicate`.
  bool WaitForStats(size_t from, std::function<bool(const engine::FeedStats&)> predicate,
                    std::chrono::milliseconds timeout, engine::FeedStats* seen) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (size_t i = from; i < stats_.size(); ++i) {
        if (predicate(stats_[i])) {
          *seen = stats_[i];
          return true;
        }
      }
      return false;
    });
  }
  size_t stats_size() {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<engine::FeedStats> stats_;
};

std::string StartCamera(ChildProcess* camera, const std::string& port, const std::string& codec) {
  return testing_support::StartTestCamera(camera, port, {"--codec", codec});
}

engine::FeedConfig PassthroughFeed(const std::string& port, engine::Codec codec) {
  engine::FeedConfig config;
  config.name = "passthrough";
  config.source_uri = "rtsp://127.0.0.1:" + port + "/cam";
  config.codec = codec;
  config.source_options.passthrough = true;
  config.stats_interval = 250ms;
  config.source_stall_timeout = 2s;
  return config;
}

struct Case {
  const char* camera_codec;  // test_rtsp_server --codec
  engine::Codec codec;
  const char* encoding;  // the receiver's
  bool parse_only;       // count parsed access units, not decoded frames
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.camera_codec; }

class PassthroughTest : public ::testing::TestWithParam<Case> {};

TEST_P(PassthroughTest, TheCamerasOwnStreamReachesTheViewer) {
  const Case c = GetParam();
  ChildProcess camera;
  const std::string port = StartCamera(&camera, "0", c.camera_codec);
  ASSERT_FALSE(port.empty());
  engine::Engine engine;
  FeedLog log;
  auto feed = engine::Feed::Create(&engine, PassthroughFeed(port, c.codec), &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  // The quality in force holds only what pass-through applies.
  const engine::Quality quality = (*feed)->Snapshot().quality;
  EXPECT_FALSE(quality.width || quality.bitrate_kbps || quality.framerate) << quality.ToString();
  EXPECT_EQ(quality.mtu.value_or(0), 1400u);

  WebrtcReceiver receiver(c.encoding);
  if (c.parse_only) receiver.SetParseOnly();
  absl::Status played = testing_support::PlayInto(**feed, receiver);
  ASSERT_TRUE(played.ok()) << played;
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 30; }, 15s))
      << "frames: " << receiver.frames() << ", RTP payload bytes "
      << receiver.state().rtp_payload_bytes;
  // The camera's picture, not the agent's 1280x720 default: nothing scaled,
  // so nothing re-encoded.
  EXPECT_EQ(receiver.state().width, 320);
  EXPECT_EQ(receiver.state().height, 240);

  // Frames sent at the camera's rate, keyframes at its GOP of 15.
  const size_t from = log.stats_size();
  engine::FeedStats stats;
  ASSERT_TRUE(log.WaitForStats(
      from, [](const engine::FeedStats& s) { return s.frames_encoded >= 90; }, 10s, &stats));
  EXPECT_NEAR(stats.encode_fps, 30.0, 6.0);
  const double frames_per_keyframe =
      static_cast<double>(stats.frames_encoded) / static_cast<double>(stats.keyframes_encoded);
  EXPECT_NEAR(frames_per_keyframe, 15.0, 3.0)
      << stats.frames_encoded << " frames, " << stats.keyframes_encoded << " keyframes";
  EXPECT_GT(stats.send_bitrate_kbps, 0.0);

  // What an encoder would do is refused; the payloader's MTU changes live.
  engine::Quality bitrate;
  bitrate.bitrate_kbps = 500;
  auto refused = (*feed)->SetQuality(bitrate, false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_NE(refused.status().message().find("pass-through"), std::string::npos);
  auto keyframe = (*feed)->SetQuality({}, true);
  EXPECT_EQ(keyframe.status().code(), absl::StatusCode::kFailedPrecondition) << keyframe.status();
  engine::Quality mtu;
  mtu.mtu = 800;
  auto applied = (*feed)->SetQuality(mtu, false);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->mtu.value_or(0), 800u);
  auto settings = (*feed)->SessionSettingsNow();
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->mtu, 800u);
  const uint64_t before = receiver.frames();
  EXPECT_TRUE(receiver.WaitFor([&](auto& s) { return s.frames >= before + 30; }, 10s))
      << "frames stopped at " << receiver.frames() << " after the MTU change";
  (*feed)->Shutdown();
}

INSTANTIATE_TEST_SUITE_P(Codecs, PassthroughTest,
                         ::testing::Values(Case{"h264", engine::Codec::kH264, "H264", false},
                                           Case{"h265", engine::Codec::kH265, "H265", true}),
                         [](const auto& info) { return std::string(info.param.camera_codec); });

TEST(PassthroughRestartTest, CameraDiesAndComesBackToTheSameViewer) {
  auto camera = std::make_unique<ChildProcess>();
  const std::string port = StartCamera(camera.get(), "0", "h264");
  ASSERT_FALSE(port.empty());
  engine::Engine engine;
  FeedLog log;
  auto feed = engine::Feed::Create(&engine, PassthroughFeed(port, engine::Codec::kH264), &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver("H264");
  ASSERT_TRUE(testing_support::PlayInto(**feed, receiver).ok());
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 15; }, 15s));

  const size_t before_outage = log.size();
  camera->Stop();
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kReconnectingSource, before_outage, 15s));
  const uint64_t frames_at_outage = receiver.frames();

  const size_t before_recovery = log.size();
  camera = std::make_unique<ChildProcess>();
  ASSERT_EQ(StartCamera(camera.get(), port, "h264"), port);
  ASSERT_TRUE(receiver.WaitFor([&](auto& s) { return s.frames >= frames_at_outage + 30; }, 15s))
      << "frames stayed at " << receiver.frames() << " (outage at " << frames_at_outage << ")";
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kStreaming, before_recovery, 5s));
  EXPECT_EQ((*feed)->Snapshot().viewer_sessions, 1u) << "no new offer/answer";
  (*feed)->Shutdown();
}

TEST(PassthroughRestartTest, ACameraWithAnotherCodecFailsTheSourceWithThatReason) {
  ChildProcess camera;
  const std::string port = StartCamera(&camera, "0", "h264");
  ASSERT_FALSE(port.empty());
  engine::Engine engine;
  FeedLog log;
  auto feed = engine::Feed::Create(&engine, PassthroughFeed(port, engine::Codec::kH265), &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver("H265");
  receiver.SetParseOnly();
  ASSERT_TRUE(testing_support::PlayInto(**feed, receiver).ok());
  engine::FeedSnapshot down;
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kReconnectingSource, 0, 15s, &down));
  EXPECT_NE(down.last_error.find("sends no H265"), std::string::npos) << down.last_error;
  EXPECT_EQ(receiver.frames(), 0u);
  (*feed)->Shutdown();
}

TEST(PassthroughConfigTest, WhatCannotPassThroughIsRefusedAtStart) {
  engine::Engine engine;
  testing_support::FeedStateLog log;
  auto refused = [&](engine::FeedConfig config) {
    auto feed = engine::Feed::Create(&engine, config, &log);
    EXPECT_FALSE(feed.ok());
    return feed.ok() ? absl::OkStatus() : feed.status();
  };
  engine::FeedConfig base = PassthroughFeed("8554", engine::Codec::kH264);

  engine::FeedConfig vp8 = base;
  vp8.codec = engine::Codec::kVP8;
  absl::Status s = refused(vp8);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("VP8 needs re-encoding"), std::string::npos) << s;

  engine::FeedConfig test_source = base;
  test_source.source_uri = "test://ball";
  s = refused(test_source);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("rtsp:// and rtsps:// sources only"), std::string::npos) << s;

  engine::FeedConfig sized = base;
  sized.quality.width = 640;
  sized.quality.bitrate_kbps = 800;
  s = refused(sized);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("quality.bitrate_kbps, quality.width"), std::string::npos) << s;

  engine::FeedConfig encoder = base;
  encoder.encoder = "openh264";
  s = refused(encoder);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("no encoder"), std::string::npos) << s;

  // What still applies is taken.
  engine::FeedConfig wire = base;
  wire.quality.mtu = 1000;
  wire.quality.fec_percentage = 20;
  auto feed = engine::Feed::Create(&engine, wire, &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  EXPECT_EQ((*feed)->Snapshot().quality.fec_percentage.value_or(0), 20u);
  (*feed)->Shutdown();
}

}  // namespace
