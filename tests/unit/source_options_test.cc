// Source URI and option validation, and what each option does to the source
// pipeline description.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace engine
