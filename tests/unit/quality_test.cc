#include "engine/quality.h"

#include <gtest/gtest.h>

namespace engine {
namespace {

TEST(QualityTest, DefaultsAreCompleteAndValid) {
  Quality q = Quality::Defaults();
  EXPECT_EQ(*q.width, 1280u);
  EXPECT_EQ(*q.height, 720u);
  EXPECT_EQ(*q.framerate, 30u);
  EXPECT_EQ(*q.bitrate_kbps, 2000u);
  EXPECT_EQ(*q.fec_percentage, 0u);
  EXPECT_TRUE(q.Validate(Codec::kH264).ok());
}

TEST(QualityTest, OverlayChangesOnlySetFields) {
  Quality change;
  change.bitrate_kbps = 800;
  Quality out = Quality::Defaults().Overlay(change);
  EXPECT_EQ(*out.bitrate_kbps, 800u);
  EXPECT_EQ(*out.width, 1280u);
  EXPECT_EQ(*out.framerate, 30u);
}

struct BadCase {
  const char* name;
  Quality quality;
  const char* reason;
};

Quality With(std::optional<uint32_t> Quality::*field, uint32_t value) {
  Quality q;
  q.*field = value;
  return q;
}

TEST(QualityTest, RejectsOutOfRangeWithFieldNamed) {
  const BadCase cases[] = {
      {"bitrate 0", With(&Quality::bitrate_kbps, 0), "bitrate_kbps"},
      {"bitrate huge", With(&Quality::bitrate_kbps, 50001), "bitrate_kbps"},
      {"framerate 0", With(&Quality::framerate, 0), "framerate"},
      {"framerate 121", With(&Quality::framerate, 121), "framerate"},
      {"width 99999", With(&Quality::width, 99999), "width"},
      {"width odd", With(&Quality::width, 641), "even"},
      {"height 2162", With(&Quality::height, 2162), "height"},
      {"height odd", With(&Quality::height, 361), "even"},
      {"height tiny", With(&Quality::height, 8), "height"},
      {"fec 101", With(&Quality::fec_percentage, 101), "fec_percentage"},
  };
  for (const auto& c : cases) {
    absl::Status s = c.quality.Validate(Codec::kH264);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(std::string(s.message()).find(c.reason), std::string::npos)
        << c.name << ": " << s.message();
  }
}

TEST(QualityTest, AcceptsLimits) {
  Quality q;
  q.bitrate_kbps = 50;
  q.framerate = 120;
  q.width = 4096;
  q.height = 2160;
  q.fec_percentage = 100;
  EXPECT_TRUE(q.Validate(Codec::kVP8).ok());
}

TEST(QualityTest, ParseCodec) {
  EXPECT_EQ(*ParseCodec("h264"), Codec::kH264);
  EXPECT_EQ(*ParseCodec("VP8"), Codec::kVP8);
  EXPECT_EQ(ParseCodec("mpeg2").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace engine
