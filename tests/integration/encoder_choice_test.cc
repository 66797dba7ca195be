// Codec and encoder chosen over real gRPC (H265 with x265, H264 with
// openh264), played through a real director into a webrtcbin receiver, and
// reported back in Stream.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "agent_harness.h"
#include "director_viewer.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;

class EncoderChoiceTest : public testing_support::AgentWithDirectorTest<
                              ::testing::TestWithParam<std::tuple<pb::Codec, std::string>>> {};

TEST_P(EncoderChoiceTest, PlaysAtAReceiverAndIsReported) {
  const auto& [codec, encoder] = GetParam();
  pb::StartRequest req;
  req.set_stream_id("enc");
  req.set_source_uri("test://ball");
  req.set_codec(codec);
  req.set_encoder(encoder);
  req.mutable_quality()->set_width(640);
  req.mutable_quality()->set_height(360);
  req.mutable_ahoy()->set_director_url(testing_support::DirectorFeedsUrl(director_port_));
  pb::Stream stream;
  {
    grpc::ClientContext ctx;
    grpc::Status s = harness_.stub().Start(&ctx, req, &stream);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(stream.codec(), codec);
  EXPECT_EQ(stream.encoder(), encoder);
  EXPECT_EQ(stream.pipeline_template(), "");

  testing_support::DirectorViewer viewer;
  ASSERT_TRUE(viewer.Connect(director_port_, 5s).ok());
  testing_support::WebrtcReceiver receiver(pb::Codec_Name(codec));
  auto answer = viewer.Play("enc", receiver.CreateOffer(), 15s);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_NE(answer->find(pb::Codec_Name(codec) + "/90000"), std::string::npos) << *answer;
  std::string error;
  ASSERT_TRUE(receiver.SetAnswer(*answer, &error)) << error;
  EXPECT_TRUE(receiver.WaitFor(
      [](const auto& s) { return s.frames >= 10 && s.width == 640 && s.height == 360; }, 15s))
      << "frames " << receiver.frames();

  // Live bitrate over gRPC: accepted and in force.
  pb::SetQualityRequest set;
  set.set_stream_id("enc");
  set.mutable_quality()->set_bitrate_kbps(600);
  grpc::ClientContext ctx;
  grpc::Status s = harness_.stub().SetQuality(&ctx, set, &stream);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(stream.quality().bitrate_kbps(), 600u);
  EXPECT_EQ(stream.viewer_sessions(), 1u) << "no renegotiation";
}

INSTANTIATE_TEST_SUITE_P(Encoders, EncoderChoiceTest,
                         ::testing::Values(std::make_tuple(pb::H265, std::string("x265")),
                                           std::make_tuple(pb::H264, std::string("openh264"))),
                         [](const auto& info) { return std::get<1>(info.param); });

TEST(EncoderChoiceRefusalTest, AViewerWithoutH265GetsAnErrorAnswer) {
  testing_support::ChildProcess director;
  std::string error;
  int port = testing_support::StartDirector(director, 0, {}, &error);
  ASSERT_NE(port, 0) << error;
  testing_support::AgentHarness harness;
  ASSERT_TRUE(harness.Start().ok());
  pb::StartRequest req;
  req.set_stream_id("hevc");
  req.set_source_uri("test://ball");
  req.set_codec(pb::H265);
  req.mutable_ahoy()->set_director_url(testing_support::DirectorFeedsUrl(port));
  pb::Stream stream;
  grpc::ClientContext ctx;
  ASSERT_TRUE(harness.stub().Start(&ctx, req, &stream).ok());
  EXPECT_EQ(stream.encoder(), "x265") << "the codec's default encoder is reported";

  // Like Chromium without hardware HEVC: only H264 offered.
  testing_support::DirectorViewer viewer;
  ASSERT_TRUE(viewer.Connect(port, 5s).ok());
  testing_support::WebrtcReceiver receiver("H264");
  auto answer = viewer.Play("hevc", receiver.CreateOffer(), 15s);
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.status().message().find("H265"), std::string::npos) << answer.status();
}

}  // namespace
