// The --latency-probe stamp: what the agent writes, a viewer reads back.
#include "engine/latency_probe.h"

#include <gtest/gtest.h>

#include <algorithm>
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

TEST(LatencyProbe, CheckIsCrc16CcittFalse) {
  // The standard check value of CRC-16/CCITT-FALSE is over "123456789"; over
  // 4 bytes, pin values a JavaScript reader can be compared with.
  EXPECT_EQ(engine::LatencyStampCheck(0x31323334u), 0x5349);  // "1234"
  EXPECT_NE(engine::LatencyStampCheck(0), 0);
  EXPECT_NE(engine::LatencyStampCheck(0), 0xffff);
  EXPECT_NE(engine::LatencyStampCheck(0xffffffffu), 0);
  EXPECT_NE(engine::LatencyStampCheck(0xffffffffu), 0xffff);
}

TEST(LatencyProbe, AnyMisreadBlockDropsTheFrame) {
  const int width = 640, height = 360;
  for (int row = 0; row < 3; ++row) {
    for (int col = 0; col < 16; ++col) {
      std::vector<uint8_t> y(static_cast<size_t>(width) * height, 16);
      engine::WriteLatencyStamp(0x5a5a1234u, y.data(), width, width, height);
      // Flip one block, as a decoder artefact or a misaligned read would.
      uint8_t* block = y.data() + row * 16 * width + col * 16;
      uint8_t flipped = block[8 * width + 8] > 128 ? 16 : 235;
      for (int r = 0; r < 16; ++r) std::fill(block + r * width, block + r * width + 16, flipped);
      EXPECT_FALSE(engine::ReadLatencyStamp(y.data(), width, width, height).has_value())
          << "row " << row << " block " << col;
    }
  }
}

TEST(LatencyProbe, TooSmallPicturesAreLeftAlone) {
  const int width = 128, height = 32;
  std::vector<uint8_t> y(static_cast<size_t>(width) * height, 77);
  engine::WriteLatencyStamp(42, y.data(), width, width, height);
  for (uint8_t v : y) ASSERT_EQ(v, 77);
  EXPECT_FALSE(engine::ReadLatencyStamp(y.data(), width, width, height).has_value());
}

}  // namespace
