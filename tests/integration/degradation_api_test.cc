// Quality.degradation through the gRPC API (issue 13): a real in-process
// agent on a real port. Set at Start and by SetQuality it is echoed by the
// response and GetStream; unset it keeps what is in force (a new stream:
// BALANCED); a number this build does not know is INVALID_ARGUMENT and
// changes nothing.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "agent_harness.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace {

namespace pb = streamcontrol::v1;

class DegradationApiTest : public testing_support::AgentWithDirectorTest<> {
 protected:
  grpc::Status Start(const std::string& id, pb::Degradation degradation, pb::Stream* out) {
    pb::StartRequest req;
    req.set_stream_id(id);
    req.set_source_uri("test://ball");
    req.mutable_quality()->set_width(640);
    req.mutable_quality()->set_height(360);
    req.mutable_quality()->set_degradation(degradation);
    req.mutable_ahoy()->set_director_url(testing_support::DirectorFeedsUrl(director_port_));
    grpc::ClientContext ctx;
    return harness_.stub().Start(&ctx, req, out);
  }
  grpc::Status SetQuality(const std::string& id, const pb::Quality& quality, pb::Stream* out) {
    pb::SetQualityRequest req;
    req.set_stream_id(id);
    *req.mutable_quality() = quality;
    grpc::ClientContext ctx;
    return harness_.stub().SetQuality(&ctx, req, out);
  }
};

TEST_F(DegradationApiTest, SetAtStartAndBySetQualityIsEchoedAndAnUnknownValueChangesNothing) {
  pb::Stream started;
  grpc::Status s = Start("cam", pb::DEGRADATION_MAINTAIN_RESOLUTION, &started);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(started.quality().degradation(), pb::DEGRADATION_MAINTAIN_RESOLUTION);
  EXPECT_EQ(Get("cam").quality().degradation(), pb::DEGRADATION_MAINTAIN_RESOLUTION);

  // SetQuality changes it live...
  pb::Quality change;
  change.set_degradation(pb::DEGRADATION_MAINTAIN_FRAMERATE);
  pb::Stream set;
  s = SetQuality("cam", change, &set);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(set.quality().degradation(), pb::DEGRADATION_MAINTAIN_FRAMERATE);
  // ...and a request without it (UNSPECIFIED) keeps what is in force.
  pb::Quality bitrate_only;
  bitrate_only.set_bitrate_kbps(1200);
  s = SetQuality("cam", bitrate_only, &set);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(set.quality().degradation(), pb::DEGRADATION_MAINTAIN_FRAMERATE);
  EXPECT_EQ(set.quality().bitrate_kbps(), 1200u);

  // A value this build does not know (proto3 enums are open: the number
  // arrives as is): INVALID_ARGUMENT naming the field, and nothing of the
  // request applies.
  pb::Quality bad;
  bad.set_bitrate_kbps(900);
  bad.set_degradation(static_cast<pb::Degradation>(7));
  s = SetQuality("cam", bad, &set);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("degradation"), std::string::npos) << s.error_message();
  const pb::Stream after = Get("cam");
  EXPECT_EQ(after.quality().degradation(), pb::DEGRADATION_MAINTAIN_FRAMERATE);
  EXPECT_EQ(after.quality().bitrate_kbps(), 1200u);
}

TEST_F(DegradationApiTest, ANewStreamIsBalancedAndAnUnknownValueAtStartStartsNothing) {
  pb::Stream started;
  grpc::Status s = Start("plain", pb::DEGRADATION_UNSPECIFIED, &started);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(started.quality().degradation(), pb::DEGRADATION_BALANCED);
  EXPECT_TRUE(started.quality().adaptive());

  pb::Stream refused;
  s = Start("odd", static_cast<pb::Degradation>(-3), &refused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("degradation"), std::string::npos) << s.error_message();
  grpc::ClientContext ctx;
  pb::GetStreamRequest req;
  req.set_stream_id("odd");
  pb::Stream none;
  EXPECT_EQ(harness_.stub().GetStream(&ctx, req, &none).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
