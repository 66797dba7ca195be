// Operator pipeline templates end to end: the agent binary with a config file
// that defines templates, streams started over real gRPC (and from the file)
// with a template, played through a real director into a webrtcbin receiver.
// A videoflip in the encode part turns 640x360 into 360x640 at the receiver:
// the picture proves the template's elements are in the pipeline. (It uses
// video-direction=90r: videoflip's `method` property leaves the caps
// unrotated in GStreamer 1.22.)
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "agent_harness.h"
#include "agent_process.h"
#include "child_process.h"
#include "director_viewer.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"
#include "temp_file.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;
using testing_support::TempFile;

const std::string kAgent = testing_support::AgentBinary();

const char kTemplates[] = R"(
pipeline_templates:
  portrait:
    codec: H264
    encode: >-
      videoflip video-direction=90r
      ! x264enc name=encoder tune=zerolatency speed-preset=ultrafast
      ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream
      ! rtph264pay name=payloader config-interval=-1 aggregate-mode=zero-latency
  ball-vp8:
    codec: VP8
    source: videotestsrc name=source is-live=true pattern=ball
    encode: vp8enc name=encoder deadline=1 cpu-used=8 ! rtpvp8pay name=payloader
streams:
  - stream_id: from-file
    pipeline_template: ball-vp8
    quality: {width: 320, height: 240, framerate: 15}
)";

class PipelineTemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    director_port_ = testing_support::StartDirector(director_, 0, {}, &error);
    ASSERT_NE(director_port_, 0) << error;
    config_ = std::make_unique<TempFile>("director_url: ws://127.0.0.1:" +
                                         std::to_string(director_port_) + "/feeds/\n" + kTemplates);
    std::string port =
        agent_.Start(kAgent, {"--config", config_->path(), "--grpc-listen=127.0.0.1:0"},
                     R"(gRPC on port (\d+))", 30s, &error);
    ASSERT_FALSE(port.empty()) << error << agent_.Output();
    stub_ = pb::StreamControl::NewStub(
        grpc::CreateChannel("127.0.0.1:" + port, grpc::InsecureChannelCredentials()));
  }

  grpc::Status Start(pb::StartRequest req, pb::Stream* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    return stub_->Start(&ctx, req, out);
  }

  // Plays `feed` through the director; the receiver once frames arrive.
  std::unique_ptr<testing_support::WebrtcReceiver> Play(const std::string& feed,
                                                        const std::string& encoding) {
    auto receiver = std::make_unique<testing_support::WebrtcReceiver>(encoding);
    EXPECT_TRUE(viewer_.Connect(director_port_, 5s).ok());
    auto answer = viewer_.Play(feed, receiver->CreateOffer(), 15s);
    EXPECT_TRUE(answer.ok()) << answer.status();
    if (!answer.ok()) return nullptr;
    std::string error;
    EXPECT_TRUE(receiver->SetAnswer(*answer, &error)) << error;
    return receiver;
  }

  testing_support::ChildProcess director_;
  int director_port_ = 0;
  std::unique_ptr<TempFile> config_;
  testing_support::ChildProcess agent_;
  std::unique_ptr<pb::StreamControl::Stub> stub_;
  testing_support::DirectorViewer viewer_;
};

TEST_F(PipelineTemplateTest, StreamStartedByTemplateNamePlaysWithTheTemplatesElements) {
  pb::StartRequest req;
  req.set_stream_id("flipped");
  req.set_source_uri("test://ball");
  req.set_pipeline_template("portrait");
  req.mutable_quality()->set_width(640);
  req.mutable_quality()->set_height(360);
  pb::Stream stream;
  grpc::Status s = Start(req, &stream);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(stream.pipeline_template(), "portrait");
  EXPECT_EQ(stream.codec(), pb::H264) << "the template's codec is taken";
  EXPECT_EQ(stream.encoder(), "x264");

  auto receiver = Play("flipped", "H264");
  ASSERT_TRUE(receiver);
  EXPECT_TRUE(receiver->WaitFor(
      [](const auto& st) { return st.frames >= 10 && st.width == 360 && st.height == 640; }, 20s))
      << "frames " << receiver->frames() << " at " << receiver->state().width << "x"
      << receiver->state().height << " (360x640 expected: videoflip video-direction=90r)";
}

TEST_F(PipelineTemplateTest, TemplateWithASourcePartFromTheConfigFilePlays) {
  pb::Stream stream;
  {
    grpc::ClientContext ctx;
    pb::GetStreamRequest req;
    req.set_stream_id("from-file");
    ASSERT_TRUE(stub_->GetStream(&ctx, req, &stream).ok());
  }
  EXPECT_EQ(stream.pipeline_template(), "ball-vp8");
  EXPECT_EQ(stream.codec(), pb::VP8);
  EXPECT_EQ(stream.encoder(), "vp8");
  EXPECT_EQ(stream.source_uri(), "") << "the template's source part replaces it";

  auto receiver = Play("from-file", "VP8");
  ASSERT_TRUE(receiver);
  EXPECT_TRUE(receiver->WaitFor(
      [](const auto& st) { return st.frames >= 10 && st.width == 320 && st.height == 240; }, 20s))
      << "frames " << receiver->frames();
}

TEST_F(PipelineTemplateTest, RefusesUnknownNamesAndMismatchedChoices) {
  pb::StartRequest req;
  req.set_stream_id("x");
  req.set_source_uri("test://ball");
  pb::Stream stream;

  req.set_pipeline_template("no-such-template");
  grpc::Status s = Start(req, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("ball-vp8, portrait"), std::string::npos) << s.error_message();

  req.set_pipeline_template("portrait");
  req.set_codec(pb::VP8);
  s = Start(req, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("produces H264"), std::string::npos) << s.error_message();

  req.set_codec(pb::H264);
  req.set_encoder("openh264");
  s = Start(req, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("template"), std::string::npos) << s.error_message();

  // Without a template, an encoder of another codec.
  req.clear_pipeline_template();
  req.set_codec(pb::VP9);
  req.set_encoder("x264");
  s = Start(req, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("vp9"), std::string::npos) << s.error_message();
}

TEST(PipelineTemplateStartupTest, ABadTemplateStopsTheAgentNamingIt) {
  struct Case {
    const char* text;
    const char* reason;
  } cases[] = {
      {"pipeline_templates:\n  broken: {codec: H264, encode: 'x264enc name=encoder ! "
       "no_such_element_xyz'}\n",
       "pipeline template 'broken': encode does not parse"},
      {"pipeline_templates:\n  unnamed: {codec: H264, encode: 'x264enc ! rtph264pay'}\n",
       "pipeline template 'unnamed': encode must name its encoder `encoder`"},
      {"pipeline_templates:\n  mismatch: {codec: VP8, encode: 'x264enc name=encoder ! rtph264pay "
       "name=payloader'}\n",
       "pipeline template 'mismatch': encoder is 'x264enc'; for VP8 it must be one of vp8enc"},
      {"pipeline_templates:\n  nosource: {codec: H264, source: 'videotestsrc', encode: 'x264enc "
       "name=encoder ! rtph264pay name=payloader'}\n",
       "pipeline template 'nosource': source must name an element `source`"},
  };
  for (const auto& c : cases) testing_support::ExpectAgentRefusesConfig(c.text, c.reason);
}

}  // namespace
