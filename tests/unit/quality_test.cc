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

TEST(QualityTest, DegradationDefaultsToBalancedAndOverlaysLikeTheOtherFields) {
  const Quality q = Quality::Defaults();
  EXPECT_EQ(q.degradation, Degradation::kBalanced);
  Quality change;
  change.degradation = Degradation::kMaintainResolution;
  const Quality out = q.Overlay(change);
  EXPECT_EQ(out.degradation, Degradation::kMaintainResolution);
  EXPECT_FALSE(out == q);
  EXPECT_NE(out.ToString().find("degradation=maintain_resolution"), std::string::npos)
      << out.ToString();
  // Unset in a request: what is in force stays.
  Quality bitrate_only;
  bitrate_only.bitrate_kbps = 900;
  EXPECT_EQ(out.Overlay(bitrate_only).degradation, Degradation::kMaintainResolution);
  EXPECT_FALSE(change.Empty());
}

TEST(QualityTest, AdaptiveBoundsDefaultValidateAndOverlay) {
  Quality q = Quality::Defaults();
  EXPECT_TRUE(*q.adaptive);
  EXPECT_EQ(*q.min_bitrate_kbps, 150u);
  EXPECT_EQ(q.CeilingKbps(), 2000u) << "bitrate_kbps is the ceiling";
  Quality change;
  change.adaptive = false;
  change.max_bitrate_kbps = 900;
  Quality out = q.Overlay(change);
  EXPECT_FALSE(*out.adaptive);
  EXPECT_EQ(out.CeilingKbps(), 900u);
  EXPECT_NE(out.ToString().find("adaptive=off"), std::string::npos) << out.ToString();
  EXPECT_NE(q.ToString().find("adaptive=150..2000"), std::string::npos) << q.ToString();

  Quality inverted;
  inverted.min_bitrate_kbps = 800;
  inverted.max_bitrate_kbps = 400;
  absl::Status s = inverted.Validate(Codec::kH264);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("min_bitrate_kbps"), std::string::npos) << s;
  Quality low;
  low.min_bitrate_kbps = 10;
  EXPECT_EQ(low.Validate(Codec::kVP8).code(), absl::StatusCode::kInvalidArgument);
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

TEST(QualityTest, PresetsSetSizeRateAndBitrate) {
  struct Row {
    const char* name;
    uint32_t w, h, fps, kbps;
  };
  const Row rows[] = {{"low", 640, 360, 15, 400},
                      {"medium", 640, 360, 20, 1000},
                      {"high", 1280, 720, 20, 1500},
                      {"hd", 1280, 720, 20, 2500},
                      {"fhd", 1920, 1080, 20, 4000}};
  for (const auto& r : rows) {
    Quality change;
    change.preset = r.name;
    ASSERT_TRUE(change.Validate(Codec::kH264).ok()) << r.name;
    Quality out = Quality::Defaults().Overlay(change);
    EXPECT_EQ(*out.width, r.w) << r.name;
    EXPECT_EQ(*out.height, r.h) << r.name;
    EXPECT_EQ(*out.framerate, r.fps) << r.name;
    EXPECT_EQ(*out.bitrate_kbps, r.kbps) << r.name;
    EXPECT_EQ(*out.fec_percentage, 0u) << r.name;  // presets leave other fields
    EXPECT_TRUE(out.preset.empty()) << "the quality in force names no preset";
  }
  EXPECT_EQ(*Quality::Preset("HD")->width, 1280u);  // case-insensitive
}

TEST(QualityTest, ExplicitFieldsOverrideThePreset) {
  Quality start = Quality::Defaults();
  start.fec_percentage = 20;
  Quality change;
  change.preset = "fhd";
  change.bitrate_kbps = 6000;
  Quality out = start.Overlay(change);
  EXPECT_EQ(*out.width, 1920u);
  EXPECT_EQ(*out.framerate, 20u);
  EXPECT_EQ(*out.bitrate_kbps, 6000u);
  EXPECT_EQ(*out.fec_percentage, 20u);  // untouched by preset and change
}

TEST(QualityTest, UnknownPresetNamesTheValidOnes) {
  Quality change;
  change.preset = "ultra";
  absl::Status s = change.Validate(Codec::kH264);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  for (const char* name : {"ultra", "low", "medium", "high", "hd", "fhd"}) {
    EXPECT_NE(std::string(s.message()).find(name), std::string::npos) << s.message();
  }
}

TEST(QualityTest, KeyframeInterval) {
  Quality q = Quality::Defaults();
  EXPECT_EQ(*q.keyframe_interval, 0u);
  EXPECT_EQ(q.EffectiveKeyframeInterval(), 60u);  // auto: two seconds at 30 fps
  Quality change;
  change.framerate = 15;
  EXPECT_EQ(q.Overlay(change).EffectiveKeyframeInterval(), 30u);
  change.keyframe_interval = 45;
  EXPECT_EQ(q.Overlay(change).EffectiveKeyframeInterval(), 45u);
  Quality bad;
  bad.keyframe_interval = 3001;
  absl::Status s = bad.Validate(Codec::kH264);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("keyframe_interval"), std::string::npos);
}

TEST(QualityTest, ParseCodec) {
  EXPECT_EQ(*ParseCodec("h264"), Codec::kH264);
  EXPECT_EQ(*ParseCodec("VP8"), Codec::kVP8);
  EXPECT_EQ(*ParseCodec("vp9"), Codec::kVP9);
  EXPECT_EQ(ParseCodec("mpeg2").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace engine

namespace engine {
namespace {

TEST(QualityTest, NewFieldDefaultsFollowTheCodec) {
  Quality h264 = Quality::Defaults(Codec::kH264);
  EXPECT_EQ(*h264.nack, true);
  EXPECT_EQ(*h264.mtu, 1400u);
  EXPECT_EQ(*h264.speed_preset, 1u) << "x264 ultrafast";
  EXPECT_EQ(*Quality::Defaults(Codec::kVP8).speed_preset, 16u) << "cpu-used 16, the fastest";
  EXPECT_EQ(*Quality::Defaults(Codec::kVP9).speed_preset, 8u) << "cpu-used 8";
  EXPECT_EQ(*Quality::Defaults(Codec::kH265).speed_preset, 1u) << "x265 ultrafast";
  for (Codec c : {Codec::kH264, Codec::kVP8, Codec::kVP9, Codec::kH265}) {
    EXPECT_TRUE(Quality::Defaults(c).Validate(c).ok()) << CodecName(c);
  }
}

TEST(QualityTest, SpeedPresetRangeDependsOnTheCodec) {
  struct Case {
    Codec codec;
    uint32_t value;
    bool ok;
  };
  const Case cases[] = {
      {Codec::kH264, 0, false},  {Codec::kH264, 1, true}, {Codec::kH264, 10, true},
      {Codec::kH264, 11, false}, {Codec::kVP8, 0, true},  {Codec::kVP8, 16, true},
      {Codec::kVP8, 17, false},  {Codec::kVP9, 9, true},  {Codec::kVP9, 10, false},
  };
  for (const auto& c : cases) {
    Quality q = With(&Quality::speed_preset, c.value);
    absl::Status s = q.Validate(c.codec);
    EXPECT_EQ(s.ok(), c.ok) << CodecName(c.codec) << " " << c.value << ": " << s;
    if (!s.ok()) {
      EXPECT_NE(std::string(s.message()).find("speed_preset"), std::string::npos) << s;
    }
  }
}

TEST(QualityTest, MtuRange) {
  EXPECT_FALSE(With(&Quality::mtu, 575).Validate(Codec::kH264).ok());
  EXPECT_TRUE(With(&Quality::mtu, 576).Validate(Codec::kH264).ok());
  EXPECT_TRUE(With(&Quality::mtu, 1400).Validate(Codec::kH264).ok());
  absl::Status big = With(&Quality::mtu, 1500).Validate(Codec::kVP8);
  EXPECT_EQ(big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(big.message()).find("mtu 1500"), std::string::npos) << big;
}

TEST(QualityTest, OverlayCarriesNackSpeedAndMtu) {
  Quality change;
  change.nack = false;
  change.speed_preset = 4;
  change.mtu = 900;
  Quality out = Quality::Defaults().Overlay(change);
  EXPECT_EQ(out.nack, std::optional<bool>(false));
  EXPECT_EQ(*out.speed_preset, 4u);
  EXPECT_EQ(*out.mtu, 900u);
  EXPECT_FALSE(change.Empty());
  EXPECT_NE(out.ToString().find("nack=off speed=4 mtu=900"), std::string::npos) << out.ToString();
  // A preset leaves them alone.
  Quality preset;
  preset.preset = "low";
  EXPECT_EQ(*out.Overlay(preset).mtu, 900u);
}

}  // namespace
}  // namespace engine
