// The process figures every Prometheus client library exports under the
// standard names (process_cpu_seconds_total, process_resident_memory_bytes,
// ...), read from /proc/self: prometheus-cpp has no process collector.
#pragma once

#include <prometheus/collectable.h>

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace metrics {

struct ProcessFigures {
  double cpu_seconds = 0;     // user + system
  double resident_bytes = 0;  // RSS
  double virtual_bytes = 0;   // VSZ
  double threads = 0;
  double open_fds = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

// Open file descriptors of process `pid` (0: this one, without the descriptor
// the count itself opens); 0 when /proc cannot be read. For the exporter, the
// benchmarks and the soak test alike.
int CountOpenFds(pid_t pid = 0);
// From /proc/self/stat and /proc/self/fd; nullopt when unreadable.
std::optional<ProcessFigures> ReadProcessFigures();
// Parses the text of /proc/<pid>/stat (fields after the command name).
std::optional<ProcessFigures> ParseProcStat(const std::string& stat, long ticks_per_second,
                                            long page_size, double boot_time_seconds);

class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace metrics
