#include "control/rotating_secret.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace control {
namespace {

class RotatingSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gwa-secret-XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = tmpl;
  }
  void TearDown() override { unlink(path_.c_str()); }
  // Replaced by rename, so the file's identity (and stamp) changes even
  // within one timestamp tick.
  void Write(const std::string& text) {
    const std::string staged = path_ + ".new";
    std::ofstream(staged) << text;
    ASSERT_EQ(std::rename(staged.c_str(), path_.c_str()), 0);
  }
  std::string path_;
};

TEST_F(RotatingSecretTest, ReadsStrippedAndPicksUpAChange) {
  Write("  first\n");
  auto secret = RotatingSecret::Open(path_, "--auth-token-file");
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ((*secret)->Get(), "first");
  EXPECT_FALSE((*secret)->Reload()) << "unchanged file";
  Write("second\n");
  EXPECT_TRUE((*secret)->Reload());
  EXPECT_EQ((*secret)->Get(), "second");
}

TEST_F(RotatingSecretTest, AnEmptyOrMissingFileKeepsThePreviousValue) {
  Write("first");
  auto secret = RotatingSecret::Open(path_, "--auth-token-file");
  ASSERT_TRUE(secret.ok());
  Write("\n");
  EXPECT_FALSE((*secret)->Reload());
  EXPECT_EQ((*secret)->Get(), "first");
  unlink(path_.c_str());
  EXPECT_FALSE((*secret)->Reload());
  EXPECT_EQ((*secret)->Get(), "first");
}

TEST_F(RotatingSecretTest, OpenRefusesEmptyAndUnreadableFilesWithoutTheirContent) {
  Write("");
  auto empty = RotatingSecret::Open(path_, "--auth-token-file");
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(empty.status()));
  auto missing = RotatingSecret::Open(path_ + ".absent", "--api-key-file");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--api-key-file"), std::string::npos);
}

TEST(RotatingSecretFixedTest, NeverChanges) {
  auto secret = RotatingSecret::Fixed("value");
  EXPECT_FALSE(secret->Reload());
  EXPECT_EQ(secret->Get(), "value");
}

}  // namespace
}  // namespace control
