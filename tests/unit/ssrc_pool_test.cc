#include "engine/ssrc_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace {

TEST(SsrcPoolTest, SsrcsInUseAreDistinctAndNeverZero) {
  engine::SsrcPool pool;
  std::set<uint32_t> seen;
  for (int i = 0; i < 1000; ++i) {
    uint32_t ssrc = pool.Acquire();
    EXPECT_NE(ssrc, 0u);
    EXPECT_TRUE(seen.insert(ssrc).second) << "handed out twice while in use: " << ssrc;
  }
  EXPECT_EQ(pool.in_use(), 1000u);
}

TEST(SsrcPoolTest, AReleasedSsrcIsReusedSoTheSetStaysAsLargeAsTheMostInUse) {
  engine::SsrcPool pool;
  const uint32_t a = pool.Acquire();
  const uint32_t b = pool.Acquire();
  pool.Release(a);
  EXPECT_EQ(pool.Acquire(), a);
  // A thousand sessions one after another need two SSRCs in all.
  pool.Release(b);
  for (int i = 0; i < 1000; ++i) pool.Release(pool.Acquire());
  EXPECT_EQ(pool.known(), 2u);
  EXPECT_EQ(pool.in_use(), 1u);  // `a`, still held
}

TEST(SsrcPoolTest, ReleasingAStrangerOrTwiceChangesNothing) {
  engine::SsrcPool pool;
  const uint32_t a = pool.Acquire();
  pool.Release(a + 1 == 0 ? 1 : a + 1);
  EXPECT_EQ(pool.known(), 1u);
  pool.Release(a);
  pool.Release(a);
  EXPECT_EQ(pool.known(), 1u);
  EXPECT_EQ(pool.Acquire(), a);
  EXPECT_NE(pool.Acquire(), a);
}

}  // namespace
