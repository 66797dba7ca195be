// Source URI and option validation, and what each option does to the source
// pipeline description.
#include <gtest/gtest.h>

#include "engine/passthrough.h"
#include "engine/pipeline_description.h"
#include "engine/source_options.h"

namespace engine {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SourceOptionsTest, RtspTransportSetsRtspsrcProtocols) {
  const std::string uri = "rtsp://127.0.0.1:8554/cam";
  auto udp = SourceDescription(uri, {RtspTransport::kUdp, false});
  auto tcp = SourceDescription(uri, {RtspTransport::kTcp, false});
  auto automatic = SourceDescription(uri, {});
  ASSERT_TRUE(udp.ok() && tcp.ok() && automatic.ok());
  EXPECT_TRUE(Contains(*udp, "protocols=udp ")) << *udp;
  EXPECT_TRUE(Contains(*tcp, "protocols=tcp ")) << *tcp;
  EXPECT_TRUE(Contains(*automatic, "protocols=udp+tcp ")) << *automatic;
  EXPECT_TRUE(Contains(*automatic, "timeout=3000000")) << "UDP gives up after 3 s";
}

TEST(SourceOptionsTest, ParsesTransportNames) {
  EXPECT_EQ(*ParseRtspTransport("TCP"), RtspTransport::kTcp);
  EXPECT_EQ(*ParseRtspTransport("udp"), RtspTransport::kUdp);
  EXPECT_EQ(*ParseRtspTransport("auto"), RtspTransport::kAuto);
  auto bad = ParseRtspTransport("http");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(std::string(bad.status().message()), "auto, udp, tcp"));
}

TEST(SourceOptionsTest, OptionsMustFitTheScheme) {
  absl::Status rtsp_on_file = ValidateSource("file:///tmp/a.mp4", {RtspTransport::kTcp, false});
  EXPECT_EQ(rtsp_on_file.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(std::string(rtsp_on_file.message()), "rtsp_transport")) << rtsp_on_file;
  absl::Status loop_on_rtsp = ValidateSource("rtsp://h/cam", {RtspTransport::kAuto, true});
  EXPECT_EQ(loop_on_rtsp.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(std::string(loop_on_rtsp.message()), "loop")) << loop_on_rtsp;
  EXPECT_TRUE(ValidateSource("file:///tmp/a.mp4", {RtspTransport::kAuto, true}).ok());
  EXPECT_TRUE(ValidateSource("rtsps://h/cam", {RtspTransport::kTcp, false}).ok());
}

TEST(SourceOptionsTest, V4l2NamesADeviceUnderDev) {
  auto d = SourceDescription("v4l2:///dev/video3");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(Contains(*d, "v4l2src name=source device=\"/dev/video3\"")) << *d;
  for (const char* bad : {"v4l2://", "v4l2:///dev/", "v4l2:///etc/passwd", "v4l2://video0"}) {
    EXPECT_EQ(ValidateSource(bad, {}).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(SourceOptionsTest, RefusesCharactersThatBreakThePipelineDescription) {
  for (const char* bad : {"file:///tmp/a\" ! fakesink", "rtsp://h/cam\\x", "file:///tmp/a b.mp4",
                          "rtsp://h/\ncam", "file:///tmp/it's.mp4"}) {
    absl::Status s = ValidateSource(bad, {});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(Contains(std::string(s.message()), "source_uri")) << s;
  }
}

TEST(SourceOptionsTest, ErrorsQuoteAtMost200CharactersOfTheUri) {
  const std::string long_uri = "ftp://" + std::string(3000, 'a');
  absl::Status s = ValidateSource(long_uri, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(std::string(s.message()), "unsupported scheme"))
      << s.message().substr(0, 80);
  EXPECT_LT(s.message().size(), 400u);
  EXPECT_TRUE(Contains(std::string(s.message()), "(3006 characters)"));

  const std::string too_long = "file:///" + std::string(5000, 'b');
  absl::Status t = ValidateSource(too_long, {});
  EXPECT_EQ(t.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(t.message().size(), 400u);
  EXPECT_EQ(Abbreviate("short"), "short");
}

TEST(SourceOptionsTest, UnknownSchemeListsTheKnownOnes) {
  absl::Status s = ValidateSource("srt://h:9000", {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(std::string(s.message()), "v4l2://")) << s;
  EXPECT_EQ(ValidateSource("", {}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(PipelineDescriptionTest, SpeedPresetAndMtuReachTheElements) {
  Quality q = Quality::Defaults(Codec::kH264);
  q.speed_preset = 3;
  q.mtu = 900;
  std::string h264 = SendPipelineDescription(Codec::kH264, q, 102, 1);
  EXPECT_TRUE(Contains(h264, "speed-preset=3")) << h264;
  EXPECT_TRUE(Contains(h264, " mtu=900")) << h264;
  q.speed_preset = 5;
  std::string vp8 = SendPipelineDescription(Codec::kVP8, q, 96, 1);
  EXPECT_TRUE(Contains(vp8, "cpu-used=5")) << vp8;
  // Unset fields take the codec's defaults.
  std::string vp9 = SendPipelineDescription(Codec::kVP9, Quality(), 98, 1);
  EXPECT_TRUE(Contains(vp9, "cpu-used=8")) << vp9;
  EXPECT_TRUE(Contains(vp9, " mtu=1400")) << vp9;
}

TEST(PassthroughTest, OnlyRtspSourcesPassThrough) {
  SourceOptions options;
  options.passthrough = true;
  EXPECT_TRUE(ValidateSource("rtsp://cam.local/stream", options).ok());
  EXPECT_TRUE(ValidateSource("rtsps://cam.local/stream", options).ok());
  absl::Status s = ValidateSource("file:///tmp/a.mp4", options);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(std::string(s.message()), "passthrough")) << s;
}

TEST(PassthroughTest, PipelinesForwardTheCodedStreamWithoutAnEncoder) {
  SourceOptions options;
  options.passthrough = true;
  auto source = PassthroughSourcePipeline("rtsp://cam.local/s", Codec::kH264, options);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_TRUE(Contains(*source, "rtph264depay ! video/x-h264,stream-format=avc")) << *source;
  EXPECT_TRUE(Contains(*source, "drop=false")) << "coded frames are never dropped";
  EXPECT_FALSE(Contains(*source, "decodebin")) << *source;
  auto h265 = PassthroughSourcePipeline("rtsp://cam.local/s", Codec::kH265, options);
  ASSERT_TRUE(h265.ok());
  EXPECT_TRUE(Contains(*h265, "rtph265depay")) << *h265;
  EXPECT_FALSE(PassthroughSourcePipeline("rtsp://cam.local/s", Codec::kVP8, options).ok());

  std::string send = PassthroughSendPipeline(Codec::kH264, 102, 7, 1000);
  EXPECT_FALSE(Contains(send, "x264enc")) << send;
  EXPECT_TRUE(Contains(send, "rtph264pay name=payloader")) << send;
  EXPECT_TRUE(Contains(send, "pt=102 ssrc=7 mtu=1000")) << send;
}

TEST(PassthroughTest, OnlyWireSettingsChangeLive) {
  Quality mtu;
  mtu.mtu = 1000;
  mtu.fec_percentage = 10;
  EXPECT_TRUE(CheckPassthroughChange(mtu, false).ok());
  Quality size;
  size.width = 640;
  size.preset = "low";
  absl::Status s = CheckPassthroughChange(size, false);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(std::string(s.message()), "preset, width")) << s;
  EXPECT_EQ(CheckPassthroughChange({}, true).code(), absl::StatusCode::kFailedPrecondition);
  Quality full = Quality::Defaults(Codec::kH264);
  Quality reduced = PassthroughQuality(full);
  EXPECT_FALSE(reduced.width || reduced.bitrate_kbps || reduced.speed_preset);
  EXPECT_EQ(reduced.mtu, full.mtu);
  EXPECT_EQ(reduced.nack, full.nack);
}

}  // namespace
}  // namespace engine
