// Transport-wide congestion control against a real webrtcbin viewer that
// offers it (as browsers do): the answer carries the header extension and
// the transport-cc feedback next to NACK, the packets carry the extension,
// the viewer's feedback reaches the viewer session's estimator, and the
// operator's bounds hold the target.
#include <gst/rtp/gstrtpbuffer.h>
#include <gtest/gtest.h>

#include <atomic>

#include "engine/engine.h"
#include "engine/feed.h"
#include "feed_driver.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
using testing_support::Offer;
using testing_support::StartViewer;
using testing_support::WebrtcReceiver;

constexpr int kTwccId = 5;
constexpr char kTwccUri[] =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

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
  // Waits for a sample whose first viewer's congestion state passes `pred`.
  template <typename Pred>
  std::optional<engine::ViewerStats> WaitForViewer(Pred pred, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu);
    std::optional<engine::ViewerStats> found;
    cv.wait_for(lock, timeout, [&] {
      if (stats.empty() || stats.back().viewers.empty()) return false;
      const engine::ViewerStats& v = stats.back().viewers.front();
      if (!v.congestion || !pred(v)) return false;
      found = v;
      return true;
    });
    return found;
  }
};

class CongestionControlTest : public ::testing::TestWithParam<engine::Codec> {
 protected:
  engine::Engine engine_;
  StatsLog log_;
};

TEST_P(CongestionControlTest, NegotiatesTransportCcAndFeedsTheEstimator) {
  const engine::Codec codec = GetParam();
  const std::string encoding = engine::CodecName(codec);
  engine::FeedConfig config;
  config.source_uri = "test://ball";
  config.codec = codec;
  config.quality.width = 320;
  config.quality.height = 240;
  config.quality.framerate = 30;
  config.quality.bitrate_kbps = 1000;
  config.stats_interval = 300ms;
  auto feed = engine::Feed::Create(&engine_, config, &log_);
  ASSERT_TRUE(feed.ok()) << feed.status();

  WebrtcReceiver receiver(encoding);
  if (codec == engine::Codec::kH265) receiver.SetParseOnly();
  receiver.SetDoNack(true);
  receiver.SetTransportCc(kTwccId);
  std::atomic<uint64_t> with_extension{0}, packets{0};
  receiver.SetRtpHook([&](GstBuffer* buffer) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return;
    gpointer data = nullptr;
    guint size = 0;
    ++packets;
    if (gst_rtp_buffer_get_extension_onebyte_header(&rtp, kTwccId, 0, &data, &size) && size == 2) {
      ++with_extension;
    }
    gst_rtp_buffer_unmap(&rtp);
  });
  const std::string offer = receiver.CreateOffer();
  ASSERT_NE(offer.find(kTwccUri), std::string::npos) << offer;

  ASSERT_TRUE(StartViewer(**feed).ok());
  auto answer = Offer(**feed, offer);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_NE(answer->find("a=extmap:" + std::to_string(kTwccId) + " " + kTwccUri), std::string::npos)
      << *answer;
  EXPECT_NE(answer->find(" transport-cc"), std::string::npos) << *answer;
  EXPECT_NE(answer->find(" nack\r\n"), std::string::npos) << "NACK stays on: " << *answer;
  std::string error;
  ASSERT_TRUE(receiver.SetAnswer(*answer, &error)) << error;
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 30; }, 15s))
      << "frames " << receiver.frames();
  EXPECT_GT(packets.load(), 0u);
  EXPECT_EQ(with_extension.load(), packets.load()) << "every packet carries the sequence number";

  // The viewer's feedback reaches the estimator; on loopback nothing is
  // congested, so the target stays at the ceiling.
  auto fed = log_.WaitForViewer(
      [](const engine::ViewerStats& v) {
        return v.congestion->feedback_events >= 10 && v.congestion->estimate.acked_bps > 0;
      },
      15s);
  ASSERT_TRUE(fed) << "no TWCC feedback reached the session";
  EXPECT_TRUE(fed->congestion->adaptive);
  EXPECT_GE(fed->congestion->estimate.target_bps, 150000);
  EXPECT_LE(fed->congestion->estimate.target_bps, 1000000);
  EXPECT_EQ(*fed->quality.bitrate_kbps, fed->congestion->estimate.target_bps / 1000);

  // The operator lowers the ceiling: the target follows at once, reason
  // "operator", and the quality in force says so.
  engine::Quality change;
  change.bitrate_kbps = 400;
  ASSERT_TRUE((*feed)->SetQuality(change).ok());
  auto bounded = log_.WaitForViewer(
      [](const engine::ViewerStats& v) { return v.congestion->estimate.target_bps <= 400000; }, 5s);
  ASSERT_TRUE(bounded);
  EXPECT_LE(*bounded->quality.bitrate_kbps, 400u);
  auto snapshot = (*feed)->Snapshot();
  ASSERT_EQ(snapshot.viewers.size(), 1u);
  ASSERT_TRUE(snapshot.viewers[0].congestion);
  EXPECT_LE(snapshot.viewers[0].congestion->estimate.target_bps, 400000);
  EXPECT_EQ(*snapshot.quality.bitrate_kbps, 400u) << "the operator's quality is the ceiling";

  // adaptive off: the encoder gets bitrate_kbps exactly, as before this
  // feature; the estimate goes on being reported.
  engine::Quality off;
  off.adaptive = false;
  off.bitrate_kbps = 700;
  ASSERT_TRUE((*feed)->SetQuality(off).ok());
  auto fixed =
      log_.WaitForViewer([](const engine::ViewerStats& v) { return !v.congestion->adaptive; }, 5s);
  ASSERT_TRUE(fixed);
  EXPECT_EQ(*fixed->quality.bitrate_kbps, 700u);
  (*feed)->Shutdown();
}

TEST_P(CongestionControlTest, WithoutTransportCcInTheOfferNothingChanges) {
  const engine::Codec codec = GetParam();
  engine::FeedConfig config;
  config.source_uri = "test://ball";
  config.codec = codec;
  config.quality.width = 320;
  config.quality.height = 240;
  config.stats_interval = 300ms;
  auto feed = engine::Feed::Create(&engine_, config, &log_);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver(engine::CodecName(codec));
  if (codec == engine::Codec::kH265) receiver.SetParseOnly();
  ASSERT_TRUE(StartViewer(**feed).ok());
  auto answer = Offer(**feed, receiver.CreateOffer());
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->find(kTwccUri), std::string::npos) << *answer;
  std::string error;
  ASSERT_TRUE(receiver.SetAnswer(*answer, &error)) << error;
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 15; }, 15s));
  auto snapshot = (*feed)->Snapshot();
  ASSERT_EQ(snapshot.viewers.size(), 1u);
  EXPECT_FALSE(snapshot.viewers[0].congestion);
  EXPECT_EQ(*snapshot.viewers[0].quality.bitrate_kbps, 2000u);
  (*feed)->Shutdown();
}

INSTANTIATE_TEST_SUITE_P(Codecs, CongestionControlTest,
                         ::testing::Values(engine::Codec::kH264, engine::Codec::kVP8,
                                           engine::Codec::kVP9, engine::Codec::kH265),
                         [](const auto& info) {
                           return std::string(engine::CodecName(info.param));
                         });

}  // namespace
