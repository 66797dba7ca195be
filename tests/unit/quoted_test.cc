#include "engine/quoted.h"

#include <gtest/gtest.h>

#include <string>

namespace engine {
namespace {

TEST(QuotedTest, ShortValuesAreQuotedWhole) { EXPECT_EQ(Quoted("cam-1"), "'cam-1'"); }

TEST(QuotedTest, ControlBytesAreEscaped) {
  EXPECT_EQ(Quoted(std::string("a\nb\x01", 4)), "'a\\nb\\001'");
}

TEST(QuotedTest, LongValuesAreCutAndSayTheirSize) {
  const std::string huge(1 << 20, 'x');
  const std::string quoted = Quoted(huge);
  EXPECT_LT(quoted.size(), 140u);
  EXPECT_EQ(quoted, "'" + std::string(96, 'x') + "...' (1048576 characters)");
}

}  // namespace
}  // namespace engine
