// The --latency-probe stamp: what the agent writes, a viewer reads back.
#include "engine/latency_probe.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

TEST(LatencyProbe, StampRoundTripsThroughAYPlane) {
  const int width = 640, height = 360, stride = 704;
  std::vector<uint8_t> y(static_cast<size_t>(stride) * height, 90);
  for (uint32_t stamp : {0u, 1u, 0x80000001u, 0xdeadbeefu, 0xffffffffu}) {
    engine::WriteLatencyStamp(stamp, y.data(), stride, width, height);
    auto read = engine::ReadLatencyStamp(y.data(), stride, width, height);
    ASSERT_TRUE(read.has_value()) << stamp;
    EXPECT_EQ(*read, stamp);
  }
}

TEST(LatencyProbe, SurvivesMildNoiseAndRejectsUnstampedPictures) {
  const int width = 320, height = 240;
  std::vector<uint8_t> y(static_cast<size_t>(width) * height, 128);
  EXPECT_FALSE(engine::ReadLatencyStamp(y.data(), width, width, height).has_value())
      << "a flat picture fails the check row";
  engine::WriteLatencyStamp(0x12345678u, y.data(), width, width, height);
  for (size_t i = 0; i < y.size(); i += 7) y[i] = static_cast<uint8_t>(y[i] > 128 ? 200 : 50);
  auto read = engine::ReadLatencyStamp(y.data(), width, width, height);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, 0x12345678u);
}

TEST(LatencyProbe, TooSmallPicturesAreLeftAlone) {
  const int width = 128, height = 32;
  std::vector<uint8_t> y(static_cast<size_t>(width) * height, 77);
  engine::WriteLatencyStamp(42, y.data(), width, width, height);
  for (uint8_t v : y) ASSERT_EQ(v, 77);
  EXPECT_FALSE(engine::ReadLatencyStamp(y.data(), width, width, height).has_value());
}

}  // namespace
