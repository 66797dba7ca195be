// main() of private_network_tests: the process moves into a network of its
// own (tests/support/private_network.h) before GoogleTest, gRPC or GStreamer
// start a thread, so everything the tests start lives in it. Without the
// capability the tests skip with the reason, and scripts/test.sh fails the
// run on any skip.
#include <gtest/gtest.h>

#include <cstdio>

#include "private_network.h"

int main(int argc, char** argv) {
  const std::string error = testing_support::EnterPrivateNetwork();
  if (!error.empty()) std::fprintf(stderr, "no private network: %s\n", error.c_str());
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
