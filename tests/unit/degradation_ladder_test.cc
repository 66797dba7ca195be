// The degradation ladder's decisions on a simulated clock: which picture a
// target buys under each preference, that a shortage must last before a
// step down (which goes straight to the rung that fits), that a step up needs
// room to spare, a lasting plenty and a quiet time, and the gate: nothing
// moves while the target is the operator's ceiling.
#include "engine/degradation_ladder.h"

#include <gtest/gtest.h>

namespace engine {
namespace {

constexpr int64_t kS = 1000000;
constexpr Picture k720{1280, 720, 30};
constexpr int64_t kCeiling = 2500000;  // the stream: 2500 kbps at 720p30

// Feeds `target_bps` every 250 ms from `*now` for `seconds`; counts changes.
Picture Hold(DegradationLadder& ladder, int64_t target_bps, int64_t* now, double seconds,
             int* changes = nullptr) {
  Picture p = ladder.picture();
  for (int64_t end = *now + static_cast<int64_t>(seconds * kS); *now < end; *now += kS / 4) {
    const Picture next = ladder.Update(target_bps, *now);
    if (changes && next != p) ++*changes;
    p = next;
  }
  return p;
}

TEST(DegradationLadderTest, EnoughBitsKeepTheOperatorsPicture) {
  DegradationLadder ladder(Degradation::kBalanced, k720, kCeiling);
  int64_t now = 0;
  // 2000 kbps at 720p30: 0.072 bits per pixel.
  EXPECT_EQ(Hold(ladder, 2000000, &now, 20), k720);
  EXPECT_STREQ(ladder.reason(), "");
}

TEST(DegradationLadderTest, AShortDipDoesNotResize) {
  DegradationLadder ladder(Degradation::kBalanced, k720, kCeiling);
  int64_t now = 0;
  Hold(ladder, 700000, &now, 1.25);
  EXPECT_EQ(ladder.picture(), k720) << "a shortage must last kDownHoldUs";
  Hold(ladder, 2500000, &now, 1);
  Hold(ladder, 700000, &now, 1.25);
  EXPECT_EQ(ladder.picture(), k720) << "the hold restarts after a recovery";
}

TEST(DegradationLadderTest, MaintainFramerateShrinksTheSizeOnlyInOneStep) {
  DegradationLadder ladder(Degradation::kMaintainFramerate, k720, kCeiling);
  int64_t now = 0;
  int changes = 0;
  // 700 kbps: 960x540@30 gives 0.045 (too little), 640x360@30 0.10.
  EXPECT_EQ(Hold(ladder, 700000, &now, 10, &changes), (Picture{640, 360, 30}));
  EXPECT_EQ(changes, 1) << "straight to the rung that fits: one resize, one keyframe";
  EXPECT_STREQ(ladder.reason(), "bandwidth");
}

TEST(DegradationLadderTest, MaintainResolutionLowersTheFramerateOnly) {
  DegradationLadder ladder(Degradation::kMaintainResolution, k720, kCeiling);
  int64_t now = 0;
  // 700 kbps: 720p at 20 fps 0.038, 15 fps 0.051 (below kFitBpp), 10 fps
  // 0.076.
  EXPECT_EQ(Hold(ladder, 700000, &now, 10), (Picture{1280, 720, 10}));
  // Far too little: the lowest rung (10 fps), never below.
  EXPECT_EQ(Hold(ladder, 100000, &now, 10), (Picture{1280, 720, 10}));
}

TEST(DegradationLadderTest, BalancedGivesUpSizeAndFramerateInTurn) {
  DegradationLadder ladder(Degradation::kBalanced, k720, kCeiling);
  int64_t now = 0;
  // 700 kbps: 960x540@30 0.045, 960x540@20 0.068: there.
  EXPECT_EQ(Hold(ladder, 700000, &now, 10), (Picture{960, 540, 20}));
  // 400 kbps: 960x540@20 0.039, 640x360@20 0.087.
  EXPECT_EQ(Hold(ladder, 400000, &now, 10), (Picture{640, 360, 20}));
}

TEST(DegradationLadderTest, ClimbsBackWithHysteresisAndAQuietTime) {
  DegradationLadder ladder(Degradation::kMaintainFramerate, k720, kCeiling);
  int64_t now = 0;
  ASSERT_EQ(Hold(ladder, 700000, &now, 5), (Picture{640, 360, 30}));
  // 1200 kbps: 960x540 would give 0.077, above the step-down line but below
  // the step-up line: no flapping between two rungs.
  EXPECT_EQ(Hold(ladder, 1200000, &now, 20), (Picture{640, 360, 30}));
  // 2000 kbps (below the ceiling: the link still limits): 960x540 0.129,
  // 720p 0.072 (below kUpBpp): up one rung after the hold, no further.
  const int64_t rose = now;
  Hold(ladder, 2000000, &now, 1.75);
  EXPECT_EQ(ladder.picture(), (Picture{640, 360, 30})) << "plenty must last kUpHoldUs";
  EXPECT_EQ(Hold(ladder, 2000000, &now, 20), (Picture{960, 540, 30}));
  EXPECT_LE(now - rose, 25 * kS);
}

TEST(DegradationLadderTest, TheGateKeepsTheOperatorsPictureAtTheCeiling) {
  // An operator who asks 300 kbps at 720p30 (0.011 bpp) gets 720p30.
  DegradationLadder ladder(Degradation::kBalanced, k720, 300000);
  int64_t now = 0;
  EXPECT_EQ(Hold(ladder, 300000, &now, 20), k720);
  // Below the ceiling the link limits, and the lines follow the operator's
  // own bpp: 250 kbps is within reach of it (no step), 150 is not.
  EXPECT_EQ(Hold(ladder, 250000, &now, 10), k720);
  const Picture down = Hold(ladder, 150000, &now, 10);
  EXPECT_LT(down.height * down.framerate, 720u * 30);
  // Back at the ceiling: the link no longer limits, straight to the top.
  EXPECT_EQ(Hold(ladder, 300000, &now, 10), k720);
}

TEST(DegradationLadderTest, TheLinkNoLongerLimitingClimbsToTheTopInOneStep) {
  DegradationLadder ladder(Degradation::kBalanced, k720, kCeiling);
  int64_t now = 0;
  ASSERT_EQ(Hold(ladder, 300000, &now, 5).height, 360u);
  int changes = 0;
  EXPECT_EQ(Hold(ladder, kCeiling, &now, 10, &changes), k720);
  EXPECT_EQ(changes, 1);
  EXPECT_STREQ(ladder.reason(), "");
}

TEST(DegradationLadderTest, AStepDownLandsWhereTheReceivedRateFits) {
  // Right after a drop the target dives under the link while the viewer
  // still receives what the link carries: 300 kbps target, 800 received.
  DegradationLadder ladder(Degradation::kBalanced, k720, kCeiling);
  int64_t now = 0;
  for (int64_t end = now + 2 * kS; now < end; now += kS / 4) ladder.Update(300000, now, 800000);
  // 800 kbps at 960x540@20: 0.077 (the target alone would land on
  // 640x360@20).
  EXPECT_EQ(ladder.picture(), (Picture{960, 540, 20}));
  // The received rate never lifts the landing above the ceiling.
  DegradationLadder capped(Degradation::kMaintainFramerate, k720, 600000);
  now = 0;
  for (int64_t end = now + 2 * kS; now < end; now += kS / 4) capped.Update(100000, now, 5000000);
  EXPECT_LT(capped.picture().height, 720u);
}

TEST(DegradationLadderTest, AFurtherStepDownWaitsForTheQuietTime) {
  DegradationLadder ladder(Degradation::kBalanced, k720, kCeiling);
  int64_t now = 0;
  int changes = 0;
  // 700 kbps -> 960x540@20 after 1.5 s; then 300 kbps: the next step only
  // kDownAfterUs (10 s) after the first.
  Hold(ladder, 700000, &now, 2, &changes);
  ASSERT_EQ(changes, 1);
  const int64_t first = now;
  Hold(ladder, 300000, &now, 7, &changes);
  EXPECT_EQ(changes, 1) << "7.5 s after a change: no second keyframe yet";
  Hold(ladder, 300000, &now, 4, &changes);
  EXPECT_EQ(changes, 2);
  // 300 kbps at 640x360@20: 0.065.
  EXPECT_EQ(ladder.picture(), (Picture{640, 360, 20}));
  EXPECT_LE(now - first, 12 * kS);
}

TEST(DegradationLadderTest, SmallPicturesHaveFewRungs) {
  DegradationLadder ladder(Degradation::kMaintainFramerate, Picture{320, 240, 15}, kCeiling);
  int64_t now = 0;
  // 320x240 -> 240x180 -> 160x120 -> 120x90; 80x60 is below the floor.
  EXPECT_EQ(Hold(ladder, 1000, &now, 10), (Picture{120, 90, 15}));
  EXPECT_EQ(ladder.rungs(), 4u);
}

TEST(DegradationLadderTest, ResetReturnsToTheTop) {
  DegradationLadder ladder(Degradation::kBalanced, k720, kCeiling);
  int64_t now = 0;
  Hold(ladder, 300000, &now, 5);
  ASSERT_GT(ladder.rung(), 0u);
  ladder.Reset(Degradation::kMaintainResolution, Picture{640, 360, 30}, kCeiling);
  EXPECT_EQ(ladder.picture(), (Picture{640, 360, 30}));
  EXPECT_EQ(ladder.rung(), 0u);
  // A new ceiling alone keeps the rung.
  Hold(ladder, 100000, &now, 5);
  const size_t rung = ladder.rung();
  ASSERT_GT(rung, 0u);
  ladder.SetCeiling(2000000);
  EXPECT_EQ(ladder.rung(), rung);
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
