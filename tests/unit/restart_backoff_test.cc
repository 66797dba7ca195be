#include <gtest/gtest.h>

#include "engine/source_chain.h"

namespace engine {
namespace {

using namespace std::chrono_literals;

TEST(RestartBackoffTest, DoublesFromHalfASecondUpToTenSeconds) {
  RestartBackoff backoff;
  std::vector<long> delays;
  for (int i = 0; i < 8; ++i) delays.push_back(backoff.OnFailure(0s).count());
  EXPECT_EQ(delays, (std::vector<long>{500, 1000, 2000, 4000, 8000, 10000, 10000, 10000}));
}

TEST(RestartBackoffTest, ResetsAfterTheSourceRanFine) {
  RestartBackoff backoff;
  backoff.OnFailure(0s);
  backoff.OnFailure(3s);  // ran, but not long enough to count as healthy
  EXPECT_EQ(backoff.OnFailure(9s).count(), 2000);
  EXPECT_EQ(backoff.OnFailure(10s).count(), 500);  // healthy for 10 s: start over
  EXPECT_EQ(backoff.OnFailure(0s).count(), 1000);
}

}  // namespace
}  // namespace engine
