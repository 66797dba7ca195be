// Template checks against the real GStreamer registry (parsed, never run),
// and the encoder plugin check behind FAILED_PRECONDITION.
#include "engine/pipeline_template.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

namespace engine {
namespace {

class PipelineTemplateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

TEST_F(PipelineTemplateTest, AValidTemplateKnowsItsEncoder) {
  PipelineTemplate t{"small", Codec::kH264,
                     "videoflip video-direction=90r ! openh264enc name=encoder ! "
                     "rtph264pay name=payloader",
                     "videotestsrc name=source pattern=ball"};
  ASSERT_TRUE(ValidatePipelineTemplate(&t).ok()) << ValidatePipelineTemplate(&t);
  ASSERT_NE(t.encoder, nullptr);
  EXPECT_STREQ(t.encoder->encoder_name, "openh264");
  EXPECT_STREQ(t.encoder->bitrate_property, "bitrate");
}

TEST_F(PipelineTemplateTest, WrongPayloaderIsRefused) {
  // rtpgstpay links to anything, so only the name check can catch it.
  PipelineTemplate t{"pay", Codec::kH264, "x264enc name=encoder ! rtpgstpay name=payloader", ""};
  absl::Status s = ValidatePipelineTemplate(&t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(
      s.message().find(
          "pipeline template 'pay': payloader is 'rtpgstpay'; for H264 it must be rtph264pay"),
      std::string::npos)
      << s;
  // Elements that cannot link are a parse error.
  PipelineTemplate unlinkable{"link", Codec::kH265,
                              "x265enc name=encoder ! rtph264pay name=payloader", ""};
  EXPECT_NE(ValidatePipelineTemplate(&unlinkable).message().find("encode does not parse"),
            std::string::npos);
}

TEST_F(PipelineTemplateTest, UnknownNameListsTheDefinedOnes) {
  PipelineTemplates templates;
  templates["b"] = std::make_shared<PipelineTemplate>();
  templates["a"] = std::make_shared<PipelineTemplate>();
  EXPECT_TRUE(FindPipelineTemplate(templates, "a").ok());
  auto missing = FindPipelineTemplate(templates, "c");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("no template 'c' (defined: a, b)"), std::string::npos)
      << missing.status();
  EXPECT_NE(FindPipelineTemplate({}, "c").status().message().find("defined: none"),
            std::string::npos);
}

TEST_F(PipelineTemplateTest, MissingEncoderPluginIsAFailedPrecondition) {
  EXPECT_TRUE(CheckInstalled(**EncoderFor(Codec::kH265, "")).ok());
  EXPECT_TRUE(CheckInstalled(**EncoderFor(Codec::kH264, "openh264")).ok());
  // The same traits naming a plugin this machine lacks.
  CodecTraits absent = **EncoderFor(Codec::kH264, "openh264");
  absent.encoder_factory = "no_such_encoder_enc";
  absl::Status s = CheckInstalled(absent);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("'no_such_encoder_enc' is not installed"), std::string::npos) << s;
}

}  // namespace
}  // namespace engine
