#include "engine/sdp_offer.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include "engine/pipeline_description.h"

namespace engine {
namespace {

// Shaped like Chromium's recvonly offer: several H264 profiles, only some
// with packetization-mode=1, plus VP8 and RTX.
const char* kChromeLikeOffer =
    "v=0\r\n"
    "o=- 1 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 106\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\n"
    "a=recvonly\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
    "a=rtpmap:103 H264/90000\r\n"
    "a=fmtp:103 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f\r\n"
    "a=rtpmap:104 H264/90000\r\n"
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:106 H264/90000\r\n"
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n";

class SdpOfferTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

TEST_F(SdpOfferTest, PicksConstrainedBaselinePacketizationMode1ForH264) {
  auto offered = FindOfferedVideo(kChromeLikeOffer, Codec::kH264);
  ASSERT_TRUE(offered.ok()) << offered.status();
  EXPECT_EQ(offered->payload_type, 104);
  EXPECT_EQ(offered->mline_index, 0);
}

TEST_F(SdpOfferTest, ReadsTransportWideCongestionControl) {
  std::string offer =
      std::string(kChromeLikeOffer) +
      "a=extmap:2 urn:ietf:params:rtp-hdrext:toffset\r\n"
      "a=extmap:3/recvonly "
      "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
      "a=rtcp-fb:104 transport-cc\r\n"
      "a=rtcp-fb:96 nack\r\n";
  auto offered = FindOfferedVideo(offer, Codec::kH264);
  ASSERT_TRUE(offered.ok()) << offered.status();
  EXPECT_EQ(offered->twcc_extension_id, 3);
  EXPECT_TRUE(offered->transport_cc);
  auto vp8 = FindOfferedVideo(offer, Codec::kVP8);
  ASSERT_TRUE(vp8.ok());
  EXPECT_EQ(vp8->twcc_extension_id, 3);
  EXPECT_FALSE(vp8->transport_cc) << "the feedback is per payload type";

  auto plain = FindOfferedVideo(kChromeLikeOffer, Codec::kH264);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->twcc_extension_id, 0);
  EXPECT_FALSE(plain->transport_cc);
}

TEST_F(SdpOfferTest, PicksVp8) {
  auto offered = FindOfferedVideo(kChromeLikeOffer, Codec::kVP8);
  ASSERT_TRUE(offered.ok());
  EXPECT_EQ(offered->payload_type, 96);
}

TEST_F(SdpOfferTest, RejectsOfferWithoutUsableH264) {
  std::string offer =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
      "a=rtpmap:102 H264/90000\r\n"
      "a=fmtp:102 packetization-mode=0;profile-level-id=42001f\r\n";
  auto offered = FindOfferedVideo(offer, Codec::kH264);
  EXPECT_EQ(offered.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(offered.status().message()).find("packetization-mode=1"),
            std::string::npos);
}

TEST_F(SdpOfferTest, RejectsAudioOnlyAndGarbage) {
  std::string audio =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";
  auto offered = FindOfferedVideo(audio, Codec::kH264);
  EXPECT_EQ(offered.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(offered.status().message()).find("no video"), std::string::npos);
  EXPECT_EQ(FindOfferedVideo("", Codec::kH264).status().code(), absl::StatusCode::kInvalidArgument);
}

// Caught by tests/fuzz/sdp_offer_fuzz.cc's property: an rtpmap payload type outside
// RTP's 7 bits was taken and would have reached the payloader's pt.
TEST_F(SdpOfferTest, IgnoresPayloadTypesOutsideRtpRange) {
  const std::string head =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 999 96\r\n";
  auto only_bad = FindOfferedVideo(head + "a=rtpmap:999 VP8/90000\r\n", Codec::kVP8);
  EXPECT_EQ(only_bad.status().code(), absl::StatusCode::kInvalidArgument) << only_bad.status();
  auto negative = FindOfferedVideo(head + "a=rtpmap:-5 VP8/90000\r\n", Codec::kVP8);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  auto mixed =
      FindOfferedVideo(head + "a=rtpmap:999 VP8/90000\r\na=rtpmap:96 VP8/90000\r\n", Codec::kVP8);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_EQ(mixed->payload_type, 96);
}

TEST_F(SdpOfferTest, PicksVP9Profile0) {
  const std::string offer =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 98 100\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"
      "a=rtpmap:98 VP9/90000\r\na=fmtp:98 profile-id=2\r\n"
      "a=rtpmap:100 VP9/90000\r\na=fmtp:100 profile-id=0\r\n";
  auto offered = FindOfferedVideo(offer, Codec::kVP9);
  ASSERT_TRUE(offered.ok()) << offered.status();
  EXPECT_EQ(offered->payload_type, 100);
  const std::string only_profile2 =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 98\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"
      "a=rtpmap:98 VP9/90000\r\na=fmtp:98 profile-id=2\r\n";
  EXPECT_EQ(FindOfferedVideo(only_profile2, Codec::kVP9).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto description =
      PipelineDescription("test://ball", Codec::kVP9, Quality::Defaults(Codec::kVP9), 100, 1);
  ASSERT_TRUE(description.ok());
  for (const char* part : {"vp9enc name=encoder", "deadline=1", "cpu-used=8", "row-mt=1",
                           "lag-in-frames=0", "rtpvp9pay", "encoding-name=(string)VP9"}) {
    EXPECT_NE(description->send.find(part), std::string::npos) << part;
  }
}

TEST(PipelineDescriptionTest, NamesTheElementsQualityControlNeeds) {
  auto d = PipelineDescription("test://ball", Codec::kH264, Quality::Defaults(), 104, 3735928559u);
  ASSERT_TRUE(d.ok());
  // The SSRC is pinned on the payloader and in the caps webrtcbin reads for
  // the answer's a=ssrc line.
  EXPECT_NE(d->send.find(" ssrc=3735928559 "), std::string::npos) << d->send;
  EXPECT_NE(d->send.find("ssrc=(uint)3735928559"), std::string::npos) << d->send;
  for (const char* name : {"name=source", "name=raw_capsfilter", "name=source_sink",
                           "width=1280,height=720,framerate=30/1"}) {
    EXPECT_NE(d->source.find(name), std::string::npos) << name << " missing in " << d->source;
  }
  for (const char* name :
       {"name=feeder", "is-live=true", "do-timestamp=true", "name=encoder", "name=payloader",
        "name=pay_capsfilter", "gwapacer name=pacer", "name=webrtc", "tune=zerolatency",
        "config-interval=-1", "payload=(int)104"}) {
    EXPECT_NE(d->send.find(name), std::string::npos) << name << " missing in " << d->send;
  }
  // The source never reaches into the sending pipeline and vice versa.
  EXPECT_EQ(d->send.find("videotestsrc"), std::string::npos);
  EXPECT_EQ(d->source.find("webrtcbin"), std::string::npos);
  // Pinning profile-level-id breaks negotiation with x264's output.
  EXPECT_EQ(d->send.find("profile-level-id"), std::string::npos);
}

TEST(PipelineDescriptionTest, RejectsUnsupportedSources) {
  EXPECT_EQ(SourceDescription("ftp://x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SourceDescription("test://nope").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(SourceDescription("rtsp://127.0.0.1:8554/cam").ok());
  EXPECT_TRUE(SourceDescription("file:///tmp/a.mp4").ok());
}

}  // namespace
}  // namespace engine

namespace engine {
namespace {

const char* kH265Offer =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 49 50\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:49 H265/90000\r\na=fmtp:49 level-id=93;profile-id=2;tier-flag=0;tx-mode=SRST\r\n"
    "a=rtpmap:50 H265/90000\r\na=fmtp:50 level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST\r\n";

TEST(SdpOfferH265Test, PicksTheMainProfilePayloadType) {
  auto offered = FindOfferedVideo(kH265Offer, Codec::kH265);
  ASSERT_TRUE(offered.ok()) << offered.status();
  EXPECT_EQ(offered->payload_type, 50);
  // An H265 format without fmtp is taken too (GStreamer receivers send none).
  const std::string bare =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"
      "a=rtpmap:97 H265/90000\r\n";
  auto plain = FindOfferedVideo(bare, Codec::kH265);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->payload_type, 97);
}

TEST(SdpOfferH265Test, RefusesAnOfferWithOnlyMain10OrNoH265) {
  const std::string main10 =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 49\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"
      "a=rtpmap:49 H265/90000\r\na=fmtp:49 profile-id=2\r\n";
  auto refused = FindOfferedVideo(main10, Codec::kH265);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("profile-id=1"), std::string::npos) << refused.status();
  // Chromium without hardware H265 decoding offers no H265 at all.
  EXPECT_EQ(FindOfferedVideo(kChromeLikeOffer, Codec::kH265).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PipelineDescriptionTest, H265IsLowLatencyX265WithRepeatedHeaders) {
  auto d = PipelineDescription("test://ball", Codec::kH265, Quality::Defaults(), 50, 7);
  ASSERT_TRUE(d.ok());
  for (const char* part :
       {"x265enc name=encoder", "tune=zerolatency", "speed-preset=1", "bframes=0",
        "repeat-headers=1", "bitrate=2000", "video/x-h265,profile=main",
        "rtph265pay name=payloader config-interval=-1", "encoding-name=(string)H265"}) {
    EXPECT_NE(d->send.find(part), std::string::npos) << part << " missing in " << d->send;
  }
}

TEST(PipelineDescriptionTest, EncoderChoiceFitsTheCodec) {
  auto open = EncoderFor(Codec::kH264, "OpenH264");
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_STREQ((*open)->encoder_factory, "openh264enc");
  EXPECT_EQ((*open)->bitrate_scale, 1000u) << "openh264enc takes bit/s";
  const std::string send = EncodeDescription(**open, Quality::Defaults(), 102, 9);
  EXPECT_NE(send.find("openh264enc name=encoder"), std::string::npos) << send;
  EXPECT_NE(send.find("bitrate=2000000"), std::string::npos) << send;
  EXPECT_NE(send.find("complexity=low"), std::string::npos) << send;
  EXPECT_STREQ((*EncoderFor(Codec::kH264, ""))->encoder_factory, "x264enc");
  EXPECT_STREQ((*EncoderFor(Codec::kH265, ""))->encoder_factory, "x265enc");

  auto wrong = EncoderFor(Codec::kVP8, "openh264");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("vp8"), std::string::npos) << wrong.status();
  EXPECT_EQ(EncoderFor(Codec::kH265, "x264").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace engine
