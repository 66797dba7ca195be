#include "signaling/backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

namespace signaling {
namespace {

using std::chrono::milliseconds;

// Delay must lie within +-20 % of `nominal` (rounded to whole milliseconds).
void ExpectJittered(milliseconds delay, milliseconds nominal) {
  const double n = static_cast<double>(nominal.count());
  EXPECT_GE(delay.count(), static_cast<long long>(std::floor(n * 0.8))) << "nominal " << n;
  EXPECT_LE(delay.count(), static_cast<long long>(std::ceil(n * 1.2))) << "nominal " << n;
}

TEST(BackoffTest, DoublesFromHalfASecondUpToTheCap) {
  Backoff backoff(milliseconds(500), milliseconds(30000), /*seed=*/1);
  const long long expected[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
  for (long long nominal : expected) {
    EXPECT_EQ(backoff.nominal().count(), nominal);
    ExpectJittered(backoff.Next(), milliseconds(nominal));
  }
}

TEST(BackoffTest, JitterStaysWithinTwentyPercentAndActuallyVaries) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Backoff backoff(milliseconds(1000), milliseconds(1000), seed);
    long long low = 1 << 30, high = 0;
    for (int i = 0; i < 500; ++i) {
      const milliseconds delay = backoff.Next();
      ExpectJittered(delay, milliseconds(1000));
      low = std::min<long long>(low, delay.count());
      high = std::max<long long>(high, delay.count());
    }
    EXPECT_LT(low, 850) << "seed " << seed;    // uses the lower part of the range
    EXPECT_GT(high, 1150) << "seed " << seed;  // and the upper part
  }
}

TEST(BackoffTest, UnauthorizedJumpsToTheCapAtOnce) {
  Backoff backoff(milliseconds(500), milliseconds(30000), /*seed=*/7);
  ExpectJittered(backoff.NextAtCap(), milliseconds(30000));
  EXPECT_EQ(backoff.nominal().count(), 30000);
  ExpectJittered(backoff.Next(), milliseconds(30000));  // and stays there
}

TEST(BackoffTest, ResetStartsAgain) {
  Backoff backoff(milliseconds(500), milliseconds(30000), /*seed=*/3);
  backoff.Next();
  backoff.Next();
  backoff.NextAtCap();
  backoff.Reset();
  EXPECT_EQ(backoff.nominal().count(), 500);
  ExpectJittered(backoff.Next(), milliseconds(500));
}

TEST(BackoffTest, SanitizesNonsenseLimits) {
  Backoff zero(milliseconds(0), milliseconds(0), /*seed=*/1);
  EXPECT_GE(zero.Next().count(), 1);
  Backoff inverted(milliseconds(2000), milliseconds(100), /*seed=*/1);
  EXPECT_EQ(inverted.max().count(), 2000);
  ExpectJittered(inverted.Next(), milliseconds(2000));
}

TEST(BackoffTest, SameSeedSameSequence) {
  Backoff a(milliseconds(500), milliseconds(30000), 42);
  Backoff b(milliseconds(500), milliseconds(30000), 42);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.Next(), b.Next());
}

}  // namespace
}  // namespace signaling
