#include "viewer_samples.h"

#include <sstream>

#include <nlohmann/json.hpp>

namespace testing_support {

std::vector<ViewerSample> ParseViewerSamples(const std::string& output) {
  std::vector<ViewerSample> samples;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object() || json.value("event", "") != "sample") continue;
    ViewerSample s;
    s.t_ms = json.value("t_ms", int64_t{0});
    s.frames = json.value("frames", uint64_t{0});
    s.width = json.value("width", 0);
    s.height = json.value("height", 0);
    s.rtp_payload_bytes = json.value("rtp_payload_bytes", uint64_t{0});
    s.latency_p50_ms = json.value("latency_p50_ms", -1);
    s.latency_p95_ms = json.value("latency_p95_ms", -1);
    s.stamped = json.value("stamped", uint64_t{0});
    s.max_gap_ms = json.value("max_gap_ms", int64_t{0});
    s.freeze_count = json.value("freeze_count", uint64_t{0});
    s.total_freezes_ms = json.value("total_freezes_ms", int64_t{-1});
    s.fps = json.value("fps", 0.0);
    if (auto it = json.find("latencies_ms"); it != json.end() && it->is_array()) {
      for (const auto& v : *it) {
        if (v.is_number_integer()) s.latencies_ms.push_back(v.get<int>());
      }
    }
    samples.push_back(s);
  }
  return samples;
}

}  // namespace testing_support
