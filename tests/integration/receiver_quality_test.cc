// What the viewer actually gets, per codec: the engine streams into a real
// receiving webrtcbin that decodes, and the picture size, frame rate and
// bitrate are measured there — at 640x360 and 1280x720 and after each live
// SetQuality change (bitrate, framerate, resolution) in the same session,
// without a new offer/answer.
//
// Bounds (issue 3): decoded width/height exact, decoded fps within ±20 % and
// received media bitrate within ±30 % of the target, measured after 3 s of
// settling.
//
// Bitrate is counted as RTP payload bytes leaving the receiving webrtcbin
// (a pad probe on its src pads, see WebrtcReceiver::State): that is the
// encoded stream exactly as it arrived — after SRTP and the jitter buffer,
// without RTP headers — so it compares directly with the encoder's target,
// and the probe counts every packet the moment it passes, whereas get-stats'
// inbound-rtp bytesReceived needs an asynchronous promise round trip per
// reading and leaves open what its byte count includes.
//
// The engine is driven directly (Feed::SetQuality is what the gRPC SetQuality
// calls through StreamRegistry): the media path measured is the same, and
// the test stays at about 22 s per codec without an agent and director.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "engine/engine.h"
#include "engine/feed.h"
#include "feed_driver.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
using testing_support::WebrtcReceiver;

// The source: videotestsrc's smpte. Rate control can only be judged on a
// picture that costs more than the target, yet not more than the encoder can
// squeeze into it. smpte's bottom-right patch (1/16 of the picture) is fresh
// noise in every frame, so the encoder always has detail to spend its budget
// on, while the static bars keep the cost at the coarsest quantizer below the
// targets. Measured offline at 640x360@20, 1000 kbps: ball (a small ball on
// black) gives x264 107 kbps and VP8 129 kbps — any target is undershot and
// proves nothing; snow (noise everywhere) cannot go below 4.9 Mbps with VP8
// and 11 Mbps with VP9 even at their largest quantizer; smpte gives 1046,
// 979 and 986 kbps (H264, VP8, VP9), and at 1280x720@20 1500 kbps 1575, 1467
// and 1484.
constexpr char kSource[] = "test://smpte";

// The issue's settling time, then a window of two seconds: with automatic
// keyframes (one every two seconds of frames) every window holds the same
// number of keyframes, so the bitrate reading does not depend on where the
// window falls.
constexpr auto kSettle = 3s;
constexpr auto kWindow = 2s;

struct Target {
  uint32_t width, height, fps, kbps;
};

struct Measured {
  int width_start, height_start, width_end, height_end;
  double fps, kbps;
};

// Sleeps are the settling time and the measurement window themselves, not a
// wait for some state.
Measured Measure(WebrtcReceiver& receiver) {
  std::this_thread::sleep_for(kSettle);
  const WebrtcReceiver::State a = receiver.state();
  std::this_thread::sleep_for(kWindow);
  const WebrtcReceiver::State b = receiver.state();
  const double seconds = std::chrono::duration<double>(b.at - a.at).count();
  return {a.width,
          a.height,
          b.width,
          b.height,
          static_cast<double>(b.frames - a.frames) / seconds,
          static_cast<double>(b.rtp_payload_bytes - a.rtp_payload_bytes) * 8 / 1000 / seconds};
}

void ExpectWithinBounds(const std::string& codec, const std::string& step, const Measured& m,
                        const Target& t) {
  // The figures go to the log so runs can be compared (and reported).
  std::cout << "[receiver] " << codec << " " << step << ": target " << t.width << "x" << t.height
            << "@" << t.fps << " " << t.kbps << " kbps; received " << m.width_end << "x"
            << m.height_end << " " << m.fps << " fps " << m.kbps << " kbps ("
            << 100.0 * (m.kbps - t.kbps) / t.kbps << " %)" << std::endl;
  SCOPED_TRACE(codec + " " + step);
  // The size holds over the whole window, not only at its end.
  EXPECT_EQ(m.width_start, static_cast<int>(t.width));
  EXPECT_EQ(m.height_start, static_cast<int>(t.height));
  EXPECT_EQ(m.width_end, static_cast<int>(t.width));
  EXPECT_EQ(m.height_end, static_cast<int>(t.height));
  EXPECT_NEAR(m.fps, t.fps, 0.2 * t.fps);
  EXPECT_NEAR(m.kbps, t.kbps, 0.3 * t.kbps);
}

struct NullListener : engine::Feed::Listener {
  void OnFeedState(const engine::FeedSnapshot&) override {}
  void OnFeedStats(const engine::FeedStats&) override {}
};

class ReceiverQualityTest : public ::testing::TestWithParam<engine::Codec> {
 protected:
  engine::Engine engine_;
  NullListener listener_;
};

// One session per codec walks through both sizes: start at the `medium`
// preset (640x360@20, 1000 kbps), halve the bitrate, halve the framerate,
// then switch to the `high` preset (1280x720@20, 1500 kbps) — a resolution
// change — each step measured at the receiver.
TEST_P(ReceiverQualityTest, SizeFramerateAndBitrateHoldAtTheReceiverThroughLiveChanges) {
  const std::string codec = engine::CodecName(GetParam());
  engine::FeedConfig config;
  config.source_uri = kSource;
  config.codec = GetParam();
  config.quality.preset = "medium";
  auto feed = engine::Feed::Create(&engine_, config, &listener_);
  ASSERT_TRUE(feed.ok()) << feed.status();

  std::string error;
  auto receiver = testing_support::Play(**feed, codec, &error);
  ASSERT_TRUE(receiver) << error;
  ASSERT_TRUE(receiver->WaitFor([](auto& s) { return s.frames >= 1; }, 10s)) << "no decoded frame";
  Target target{640, 360, 20, 1000};
  ExpectWithinBounds(codec, "medium preset", Measure(*receiver), target);

  // Bitrate alone: half the target, well outside ±30 % of the old one.
  engine::Quality change;
  change.bitrate_kbps = 500;
  ASSERT_TRUE((*feed)->SetQuality(change).ok());
  target.kbps = 500;
  ExpectWithinBounds(codec, "bitrate 500 kbps", Measure(*receiver), target);

  // Framerate alone: 10 fps, the old 20 twice the target. Not upwards: at
  // 640x360@30 this picture cannot go below ~580 kbps with VP8 even at its
  // largest quantizer (measured offline with targets of 300 and 500 kbps),
  // so a 500 kbps check there would measure the content, not the setting.
  change = {};
  change.framerate = 10;
  ASSERT_TRUE((*feed)->SetQuality(change).ok());
  target.fps = 10;
  ExpectWithinBounds(codec, "framerate 10", Measure(*receiver), target);

  // Resolution (with the preset's framerate and bitrate): 1280x720@20 1500.
  change = {};
  change.preset = "high";
  auto applied = (*feed)->SetQuality(change);
  ASSERT_TRUE(applied.ok()) << applied.status();
  target = {1280, 720, 20, 1500};
  ASSERT_EQ(*applied->width, target.width);
  ASSERT_EQ(*applied->bitrate_kbps, target.kbps);
  // Settling counts from the moment the new size reaches the receiver.
  ASSERT_TRUE(receiver->WaitFor([](auto& s) { return s.width == 1280 && s.height == 720; }, 5s))
      << "receiver still at " << receiver->state().width << "x" << receiver->state().height;
  ExpectWithinBounds(codec, "high preset", Measure(*receiver), target);

  // All of it in the session the first offer/answer made.
  EXPECT_EQ((*feed)->Snapshot().viewer_sessions, 1u);
  EXPECT_EQ((*feed)->Snapshot().state, engine::FeedState::kStreaming);
  (*feed)->Shutdown();
}

INSTANTIATE_TEST_SUITE_P(Codecs, ReceiverQualityTest,
                         ::testing::Values(engine::Codec::kH264, engine::Codec::kVP8,
                                           engine::Codec::kVP9),
                         [](const auto& info) { return engine::CodecName(info.param); });

}  // namespace
