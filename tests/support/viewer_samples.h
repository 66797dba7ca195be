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
  // With test_viewer --latency_probe, over the window since the last sample:
  // capture -> decoded delay (-1: no stamped frame), frames whose stamp was
  // read, and the longest gap between decoded frames.
  int latency_p50_ms = -1;
  int latency_p95_ms = -1;
  uint64_t stamped = 0;
  std::vector<int> latencies_ms;  // every stamped frame's delay in the window
  int64_t max_gap_ms = 0;
  // Chromium's (tests/browser/nat_viewer.mjs) inbound-rtp figures: the
  // running totals of freezes and of freeze time (-1: not reported, e.g.
  // test_viewer) and its frames-per-second estimate.
  uint64_t freeze_count = 0;
  int64_t total_freezes_ms = -1;
  double fps = 0;
};

// Every {"event":"sample",...} line of `output`, in order; other lines and
// anything that is not JSON are skipped.
std::vector<ViewerSample> ParseViewerSamples(const std::string& output);

}  // namespace testing_support
