// BottleneckLab::WriteSeries: one run of the lab as rows for a chart
// (bench/congestion.sh draws them with bench/congestion_chart.py). The agent
// stamps its samples with the system clock; the viewer counts from its own
// start, which the lab noted on the same clock just before launching it
// (off by the process's start-up, tens of ms: finer than a 250 ms sample).
#include <fstream>

#include "bottleneck_lab.h"
#include "viewer_samples.h"

namespace testing_support {

bool BottleneckLab::WriteSeries(const std::string& path) {
  std::ofstream out(path);
  if (!out) return false;
  const int64_t zero = viewer_started_unix_ms_;
  auto seconds = [zero](int64_t unix_ms) { return static_cast<double>(unix_ms - zero) / 1000.0; };
  out << "series,seconds,kbps\n";
  for (const auto& [at, kbps] : link_rates_) out << "link," << seconds(at) << "," << kbps << "\n";
  for (const AgentSample& s : ParseAgentSamples(watch_->Output())) {
    if (s.unix_ms == 0) continue;
    out << "sent," << seconds(s.unix_ms) << "," << s.send_kbps << "\n";
    if (s.target_kbps >= 0) {
      out << "target," << seconds(s.unix_ms) << "," << s.target_kbps << "\n";
      out << "estimate," << seconds(s.unix_ms) << "," << s.estimate_kbps << "\n";
    }
  }
  const auto viewer = ParseViewerSamples(viewer_->Output());
  for (size_t i = 1; i < viewer.size(); ++i) {
    const double window_s = static_cast<double>(viewer[i].t_ms - viewer[i - 1].t_ms) / 1000.0;
    if (window_s <= 0) continue;
    const double kbps =
        static_cast<double>(viewer[i].rtp_payload_bytes - viewer[i - 1].rtp_payload_bytes) * 8 /
        1000 / window_s;
    out << "received," << static_cast<double>(viewer[i].t_ms) / 1000.0 << "," << kbps << "\n";
  }
  return static_cast<bool>(out);
}

}  // namespace testing_support
