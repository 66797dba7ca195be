// Live controls against a real receiving webrtcbin: payloader MTU measured on
// the RTP packets that arrive, encoder speed read back from the encoder,
// NACK/RTX seen in the answer SDP and on the transceiver, and every change
// that cannot apply to a running session refused with FAILED_PRECONDITION
// (nothing of that request applied).
#include <gtest/gtest.h>

#include <atomic>

#include "engine/engine.h"
#include "engine/feed.h"
#include "feed_driver.h"
#include "feed_state_log.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
using testing_support::WebrtcReceiver;

class LiveControlsTest : public ::testing::Test {
 protected:
  // A feed of `codec` at `quality` (unset fields default).
  std::shared_ptr<engine::Feed> MakeFeed(engine::Codec codec, engine::Quality quality = {}) {
    engine::FeedConfig config;
    config.source_uri = "test://ball";
    config.codec = codec;
    config.quality = quality;
    auto feed = engine::Feed::Create(&engine_, config, &log_);
    EXPECT_TRUE(feed.ok()) << feed.status();
    return feed.ok() ? *feed : nullptr;
  }
  // Plays `feed` into `receiver` and waits for decoded frames.
  void PlayAndWait(engine::Feed& feed, WebrtcReceiver& receiver) {
    absl::Status played = testing_support::PlayInto(feed, receiver);
    ASSERT_TRUE(played.ok()) << played;
    ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 10; }, 15s));
  }

  engine::Engine engine_;
  testing_support::FeedStateLog log_;
};

// Largest RTP packet seen since the last Reset, and how many.
struct PacketSizes {
  std::atomic<size_t> max{0};
  std::atomic<uint64_t> count{0};
  void Reset() {
    max = 0;
    count = 0;
  }
  void See(GstBuffer* buffer) {
    size_t size = gst_buffer_get_size(buffer);
    size_t seen = max.load();
    while (size > seen && !max.compare_exchange_weak(seen, size)) {
    }
    ++count;
  }
};

TEST_F(LiveControlsTest, PayloaderMtuChangesLiveAndBoundsEveryPacket) {
  engine::Quality q;
  q.bitrate_kbps = 3000;  // big frames: every keyframe fills packets to the MTU
  auto feed = MakeFeed(engine::Codec::kH264, q);
  ASSERT_NE(feed, nullptr);
  PacketSizes sizes;
  WebrtcReceiver receiver("H264");
  receiver.SetRtpHook([&](GstBuffer* b) { sizes.See(b); });
  ASSERT_NO_FATAL_FAILURE(PlayAndWait(*feed, receiver));
  // Before: packets larger than the MTU about to be set (so the check below
  // can fail).
  std::printf("[ figures ] largest RTP packet at the default mtu=1400: %zu bytes\n",
              sizes.max.load());
  ASSERT_GT(sizes.max.load(), 700u);
  ASSERT_LE(sizes.max.load(), 1400u);

  engine::Quality change;
  change.mtu = 600;
  auto applied = feed->SetQuality(change, /*force_keyframe=*/true);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied->mtu, 600u);
  auto settings = feed->SessionSettingsNow();
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->mtu, 600u) << "payloader mtu read back";

  // Packets cut before the change may still be in flight: let a few frames
  // pass, then measure over at least two seconds of video with a keyframe.
  uint64_t frames = receiver.frames();
  ASSERT_TRUE(receiver.WaitFor([&](auto& s) { return s.frames >= frames + 10; }, 10s));
  sizes.Reset();
  ASSERT_TRUE(feed->SetQuality({}, /*force_keyframe=*/true).ok());
  frames = receiver.frames();
  ASSERT_TRUE(receiver.WaitFor([&](auto& s) { return s.frames >= frames + 60; }, 15s));
  std::printf("[ figures ] %llu RTP packets after mtu=600, largest %zu bytes\n",
              static_cast<unsigned long long>(sizes.count.load()), sizes.max.load());
  EXPECT_GT(sizes.count.load(), 100u);
  EXPECT_LE(sizes.max.load(), 600u);
  EXPECT_GT(sizes.max.load(), 500u) << "packets fill up to the new MTU";
  EXPECT_EQ(feed->Snapshot().viewer_sessions, 1u) << "no renegotiation";
  feed->Shutdown();
}

TEST_F(LiveControlsTest, Vp8SpeedPresetChangesLive) {
  auto feed = MakeFeed(engine::Codec::kVP8);
  ASSERT_NE(feed, nullptr);
  WebrtcReceiver receiver("VP8");
  ASSERT_NO_FATAL_FAILURE(PlayAndWait(*feed, receiver));
  ASSERT_EQ(feed->SessionSettingsNow()->speed, 16) << "default cpu-used: VP8's fastest";

  engine::Quality change;
  change.speed_preset = 4;
  auto applied = feed->SetQuality(change);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied->speed_preset, 4u);
  EXPECT_EQ(*feed->Snapshot().quality.speed_preset, 4u) << "reported in the quality in force";
  EXPECT_EQ(feed->SessionSettingsNow()->speed, 4) << "vp8enc cpu-used read back";
  uint64_t frames = receiver.frames();
  EXPECT_TRUE(receiver.WaitFor([&](auto& s) { return s.frames >= frames + 30; }, 10s))
      << "the encoder keeps going after the change";
  feed->Shutdown();
}

// openh264enc has no speed setting and a template's encoder keeps its
// author's: asking for one is refused, at Start and live, not ignored.
TEST_F(LiveControlsTest, SpeedPresetIsRefusedWhereTheEncoderHasNone) {
  engine::FeedConfig config;
  config.source_uri = "test://ball";
  config.codec = engine::Codec::kH264;
  config.encoder = "openh264";
  config.quality.speed_preset = 3;
  auto refused = engine::Feed::Create(&engine_, config, &log_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("openh264"), std::string::npos) << refused.status();

  config.quality.speed_preset.reset();
  auto feed = engine::Feed::Create(&engine_, config, &log_);
  ASSERT_TRUE(feed.ok()) << feed.status();
  engine::Quality change;
  change.speed_preset = 3;
  auto applied = (*feed)->SetQuality(change);
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kInvalidArgument) << applied.status();
  (*feed)->Shutdown();
}

// x264enc reads speed-preset only when it starts: the session replaces the
// encoder behind a blocked pad, with no new offer/answer.
TEST_F(LiveControlsTest, X264SpeedPresetChangesLiveByReplacingTheEncoder) {
  auto feed = MakeFeed(engine::Codec::kH264);
  ASSERT_NE(feed, nullptr);
  WebrtcReceiver receiver("H264");
  ASSERT_NO_FATAL_FAILURE(PlayAndWait(*feed, receiver));
  ASSERT_EQ(feed->SessionSettingsNow()->speed, 1) << "x264enc ultrafast";

  engine::Quality change;
  change.speed_preset = 3;
  auto applied = feed->SetQuality(change);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied->speed_preset, 3u);
  // The swap happens at the next frame into the encoder; 30 frames later it
  // is long done, and frames flowing prove the new encoder feeds the viewer.
  uint64_t frames = receiver.frames();
  ASSERT_TRUE(receiver.WaitFor([&](auto& s) { return s.frames >= frames + 30; }, 15s))
      << "frames stayed at " << receiver.frames();
  EXPECT_EQ(feed->SessionSettingsNow()->speed, 3) << "the encoder now runs veryfast";
  EXPECT_EQ(feed->Snapshot().viewer_sessions, 1u) << "no renegotiation";
  EXPECT_NE(feed->Snapshot().state, engine::FeedState::kFailed) << feed->Snapshot().last_error;

  // A refused field refuses the whole request: the MTU beside it stays.
  engine::Quality mixed;
  mixed.nack = false;
  mixed.mtu = 1000;
  auto refused = feed->SetQuality(mixed);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_NE(refused.status().message().find("cannot change while a viewer is watching"),
            std::string::npos)
      << refused.status();
  EXPECT_EQ(*feed->Snapshot().quality.mtu, 1400u);
  EXPECT_EQ(feed->SessionSettingsNow()->mtu, 1400u);
  feed->Shutdown();
}

bool HasNackLine(const std::string& sdp) {
  // "a=rtcp-fb:<pt> nack" alone; "nack pli" (keyframe requests) is always there.
  size_t at = 0;
  while ((at = sdp.find(" nack", at)) != std::string::npos) {
    at += 5;
    if (at < sdp.size() && (sdp[at] == '\r' || sdp[at] == '\n')) return true;
  }
  return false;
}

// The answer to a browser-like offer (NACK and RTX offered).
std::string AnswerTo(engine::Feed& feed, WebrtcReceiver& receiver) {
  receiver.SetDoNack(true);
  EXPECT_TRUE(testing_support::StartViewer(feed).ok());
  auto answer = testing_support::Offer(feed, receiver.CreateOffer());
  EXPECT_TRUE(answer.ok()) << answer.status();
  if (!answer.ok()) return "";
  std::string error;
  EXPECT_TRUE(receiver.SetAnswer(*answer, &error)) << error;
  return *answer;
}

TEST_F(LiveControlsTest, NackIsNegotiatedAndRefusedLive) {
  auto with_nack = MakeFeed(engine::Codec::kH264);
  ASSERT_NE(with_nack, nullptr);
  WebrtcReceiver first("H264");
  std::string answer = AnswerTo(*with_nack, first);
  EXPECT_TRUE(HasNackLine(answer)) << answer;
  EXPECT_NE(answer.find("rtx/90000"), std::string::npos) << "RTX answered\n" << answer;
  EXPECT_TRUE(with_nack->SessionSettingsNow()->do_nack);
  with_nack->Shutdown();

  engine::Quality off;
  off.nack = false;
  auto without = MakeFeed(engine::Codec::kH264, off);
  ASSERT_NE(without, nullptr);
  WebrtcReceiver second("H264");
  answer = AnswerTo(*without, second);
  EXPECT_FALSE(HasNackLine(answer)) << answer;
  EXPECT_EQ(answer.find("rtx/90000"), std::string::npos) << answer;
  EXPECT_FALSE(without->SessionSettingsNow()->do_nack);

  engine::Quality on;
  on.nack = true;
  auto refused = without->SetQuality(on);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_EQ(without->Snapshot().quality.nack, std::optional<bool>(false));
  EXPECT_TRUE(without->SetQuality(off).ok()) << "the value in force is not a change";
  testing_support::StopViewer(*without);
  EXPECT_TRUE(without->SetQuality(on).ok()) << "taken for the next session";
  EXPECT_EQ(without->Snapshot().quality.nack, std::optional<bool>(true));
  without->Shutdown();
}

TEST_F(LiveControlsTest, FecChangesLiveOnlyInASessionNegotiatedWithFec) {
  auto plain = MakeFeed(engine::Codec::kH264);
  ASSERT_NE(plain, nullptr);
  WebrtcReceiver first("H264");
  ASSERT_NO_FATAL_FAILURE(PlayAndWait(*plain, first));
  engine::Quality fec;
  fec.fec_percentage = 20;
  auto refused = plain->SetQuality(fec);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_EQ(*plain->Snapshot().quality.fec_percentage, 0u);
  plain->Shutdown();

  engine::Quality start;
  start.fec_percentage = 10;
  auto protected_feed = MakeFeed(engine::Codec::kH264, start);
  ASSERT_NE(protected_feed, nullptr);
  WebrtcReceiver second("H264");
  ASSERT_NO_FATAL_FAILURE(PlayAndWait(*protected_feed, second));
  fec.fec_percentage = 30;
  ASSERT_TRUE(protected_feed->SetQuality(fec).ok());
  EXPECT_EQ(protected_feed->SessionSettingsNow()->fec_percentage, 30u);
  protected_feed->Shutdown();
}

}  // namespace
