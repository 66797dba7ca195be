// The degradation ladder's decisions on a simulated clock: which picture a
// target buys under each preference, one rung at a time, and back up only
// with room to spare and after a quiet time.
#include "engine/degradation_ladder.h"

#include <gtest/gtest.h>

namespace engine {
namespace {

constexpr int64_t kS = 1000000;
constexpr Picture k720{1280, 720, 30};

// Feeds `target_bps` every 250 ms from `*now` for `seconds`.
Picture Hold(DegradationLadder& ladder, int64_t target_bps, int64_t* now, int seconds) {
  Picture p = ladder.picture();
  for (int64_t end = *now + seconds * kS; *now < end; *now += kS / 4) {
    p = ladder.Update(target_bps, *now);
  }
  return p;
}

TEST(DegradationLadderTest, EnoughBitsKeepTheOperatorsPicture) {
  DegradationLadder ladder(Degradation::kBalanced, k720);
  int64_t now = 0;
  // 2500 kbps at 720p30: 0.09 bits per pixel.
  EXPECT_EQ(Hold(ladder, 2500000, &now, 20), k720);
  EXPECT_STREQ(ladder.reason(), "");
}

TEST(DegradationLadderTest, MaintainFramerateShrinksTheSizeOnly) {
  DegradationLadder ladder(Degradation::kMaintainFramerate, k720);
  int64_t now = 0;
  EXPECT_EQ(ladder.Update(700000, now), (Picture{960, 540, 30})) << "one rung per call";
  EXPECT_STREQ(ladder.reason(), "bitrate");
  // 700 kbps: 960x540 gives 0.045, 640x360 0.10: stops there.
  EXPECT_EQ(Hold(ladder, 700000, &now, 10), (Picture{640, 360, 30}));
}

TEST(DegradationLadderTest, MaintainResolutionLowersTheFramerateOnly) {
  DegradationLadder ladder(Degradation::kMaintainResolution, k720);
  int64_t now = 0;
  // 700 kbps: 720p at 20 fps 0.038, 15 fps 0.051: stops at 15.
  EXPECT_EQ(Hold(ladder, 700000, &now, 10), (Picture{1280, 720, 15}));
  // Far too little: down to the lowest rung (10 fps), never below.
  EXPECT_EQ(Hold(ladder, 100000, &now, 10), (Picture{1280, 720, 10}));
}

TEST(DegradationLadderTest, BalancedGivesUpSizeAndFramerateInTurn) {
  DegradationLadder ladder(Degradation::kBalanced, k720);
  int64_t now = 0;
  EXPECT_EQ(ladder.Update(400000, now), (Picture{960, 540, 30}));
  now += kS;
  EXPECT_EQ(ladder.Update(400000, now), (Picture{960, 540, 20}));
  now += kS;
  EXPECT_EQ(ladder.Update(400000, now), (Picture{640, 360, 20}));
  // 400 kbps at 640x360@20: 0.087, enough.
  EXPECT_EQ(Hold(ladder, 400000, &now, 10), (Picture{640, 360, 20}));
}

TEST(DegradationLadderTest, StepsDownAtMostOncePerSecond) {
  DegradationLadder ladder(Degradation::kMaintainFramerate, k720);
  int64_t now = 0;
  ladder.Update(100000, now);
  ASSERT_EQ(ladder.rung(), 1u);
  ladder.Update(100000, now + kS / 2);
  EXPECT_EQ(ladder.rung(), 1u);
  ladder.Update(100000, now + kS);
  EXPECT_EQ(ladder.rung(), 2u);
}

TEST(DegradationLadderTest, ClimbsBackWithHysteresisAndAQuietTime) {
  DegradationLadder ladder(Degradation::kMaintainFramerate, k720);
  int64_t now = 0;
  ASSERT_EQ(Hold(ladder, 700000, &now, 5), (Picture{640, 360, 30}));
  // 1200 kbps: 960x540 would give 0.077, above the step-down line but below
  // the step-up line: no flapping between two rungs.
  EXPECT_EQ(Hold(ladder, 1200000, &now, 20), (Picture{640, 360, 30}));
  // 2500 kbps: up one rung, and the next only after the quiet time.
  const int64_t rose = now;
  EXPECT_EQ(ladder.Update(2500000, now), (Picture{960, 540, 30}));
  Hold(ladder, 2500000, &now, 3);
  EXPECT_EQ(ladder.picture(), (Picture{960, 540, 30})) << "3 s after a change: still waits";
  Hold(ladder, 2500000, &now, 2);
  EXPECT_EQ(ladder.picture(), k720);
  EXPECT_LE(now - rose, 6 * kS);
}

TEST(DegradationLadderTest, SmallPicturesHaveFewRungs) {
  DegradationLadder ladder(Degradation::kMaintainFramerate, Picture{320, 240, 15});
  int64_t now = 0;
  // 320x240 -> 240x180 -> 160x120 -> 120x90; 80x60 is below the floor.
  EXPECT_EQ(Hold(ladder, 1000, &now, 10), (Picture{120, 90, 15}));
  EXPECT_EQ(ladder.rungs(), 4u);
}

TEST(DegradationLadderTest, ResetReturnsToTheTop) {
  DegradationLadder ladder(Degradation::kBalanced, k720);
  int64_t now = 0;
  Hold(ladder, 300000, &now, 5);
  ASSERT_GT(ladder.rung(), 0u);
  ladder.Reset(Degradation::kMaintainResolution, Picture{640, 360, 30});
  EXPECT_EQ(ladder.picture(), (Picture{640, 360, 30}));
  EXPECT_EQ(ladder.rung(), 0u);
}

TEST(DegradationLadderTest, NamesRoundTrip) {
  for (Degradation d : {Degradation::kBalanced, Degradation::kMaintainFramerate,
                        Degradation::kMaintainResolution}) {
    Degradation parsed = Degradation::kBalanced;
    ASSERT_TRUE(ParseDegradation(DegradationName(d), &parsed));
    EXPECT_EQ(parsed, d);
  }
  Degradation unused;
  EXPECT_FALSE(ParseDegradation("fastest", &unused));
}

}  // namespace
}  // namespace engine
