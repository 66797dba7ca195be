// A viewer's ladder in the operator's terms: which SetQuality changes start
// the ladder again at the operator's new picture, which keep the rung, and
// the picture laid over the quality in force.
#include "engine/viewer_ladder.h"

#include <gtest/gtest.h>

namespace engine {
namespace {

constexpr int64_t kS = 1000000;
const std::chrono::system_clock::time_point kWall{std::chrono::seconds(1700000000)};

Quality Operator() {
  Quality q = Quality::Defaults();
  q.bitrate_kbps = 2500;
  return q;
}

// 700 kbps for 5 s: the balanced ladder is at 960x540@20.
void StepDown(ViewerLadder& ladder, int64_t* now) {
  for (int64_t end = *now + 5 * kS; *now < end; *now += kS / 4) {
    ladder.Update(700000, 0, *now, kWall);
  }
  ASSERT_EQ(ladder.picture(), (Picture{960, 540, 20}));
}

TEST(ViewerLadderTest, ThePictureIsLaidOverTheQualityInForce) {
  ViewerLadder ladder(Operator());
  int64_t now = 0;
  EXPECT_EQ(ladder.changed_at().time_since_epoch().count(), 0);
  StepDown(ladder, &now);
  EXPECT_EQ(ladder.changed_at(), kWall);
  EXPECT_STREQ(ladder.reason(), "bandwidth");
  Quality in_force = Operator();
  in_force.bitrate_kbps = 700;
  const Quality over = ladder.Over(in_force);
  EXPECT_EQ(*over.width, 960u);
  EXPECT_EQ(*over.height, 540u);
  EXPECT_EQ(*over.framerate, 20u);
  EXPECT_EQ(*over.bitrate_kbps, 700u) << "the bitrate is the caller's";
  EXPECT_EQ(over.mtu, in_force.mtu);
}

TEST(ViewerLadderTest, OperatorPictureOrPreferenceChangesResetToTheTop) {
  const auto later = kWall + std::chrono::seconds(9);
  for (int field = 0; field < 4; ++field) {
    ViewerLadder ladder(Operator());
    int64_t now = 0;
    StepDown(ladder, &now);
    Quality next = Operator();
    switch (field) {
      case 0:
        next.width = 1920;
        next.height = 1080;
        break;
      case 1:
        next.framerate = 25;
        break;
      case 2:
        next.degradation = Degradation::kMaintainResolution;
        break;
      case 3:
        next.adaptive = false;
        break;
    }
    EXPECT_TRUE(ladder.SetOperatorQuality(next, later)) << "field " << field;
    EXPECT_EQ(ladder.picture(), PictureOf(next)) << "field " << field;
    EXPECT_STREQ(ladder.reason(), "");
    EXPECT_EQ(ladder.changed_at(), later) << "the picture's reason changed";
  }
}

TEST(ViewerLadderTest, OtherChangesKeepTheRung) {
  ViewerLadder ladder(Operator());
  int64_t now = 0;
  StepDown(ladder, &now);
  Quality next = Operator();
  next.mtu = 1200;
  next.bitrate_kbps = 3000;  // a new ceiling: the gate moves, the rung stays
  next.min_bitrate_kbps = 300;
  EXPECT_FALSE(ladder.SetOperatorQuality(next, kWall + std::chrono::seconds(9)));
  EXPECT_EQ(ladder.picture(), (Picture{960, 540, 20}));
  EXPECT_EQ(ladder.changed_at(), kWall);
}

TEST(ViewerLadderTest, ACeilingBelowTheTargetMeansTheOperatorDecides) {
  // The operator lowers the ceiling to 700 kbps: a target of 700 is the
  // operator's choice now, not the link's, so the ladder goes back up.
  ViewerLadder ladder(Operator());
  int64_t now = 0;
  StepDown(ladder, &now);
  Quality next = Operator();
  next.bitrate_kbps = 700;
  ladder.SetOperatorQuality(next, kWall);
  for (int64_t end = now + 10 * kS; now < end; now += kS / 4) ladder.Update(700000, 0, now, kWall);
  EXPECT_EQ(ladder.picture(), PictureOf(next));
}

}  // namespace
}  // namespace engine
