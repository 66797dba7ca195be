// What tests/helpers/test_viewer printed, parsed: its JSON lines as values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace testing_support {

struct ViewerSample {
  int64_t t_ms = 0;  // since the viewer started
  uint64_t frames = 0;
  int width = 0;
  int height = 0;
  uint64_t rtp_payload_bytes = 0;
};

// Every {"event":"sample",...} line of `output`, in order; other lines and
// anything that is not JSON are skipped.
std::vector<ViewerSample> ParseViewerSamples(const std::string& output);

}  // namespace testing_support
