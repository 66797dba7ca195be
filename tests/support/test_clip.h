// A short WebM file for file:// and http:// source tests.
#pragma once

#include <string>

namespace testing_support {

// Writes a one-second clip (30 frames of 320x240 VP8 at 30 fps, pattern
// ball) to `name` in the test's temporary directory and returns its path;
// "" after recording a test failure when GStreamer could not write it.
std::string WriteTestClip(const std::string& name);

}  // namespace testing_support
