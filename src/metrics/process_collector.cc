#include "metrics/process_collector.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "metrics/families.h"

namespace metrics {
namespace {

std::string ReadAll(const char* path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

double BootTimeSeconds() {
  std::istringstream stat(ReadAll("/proc/stat"));
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime" && stat >> value) return value;
    stat.ignore(1 << 16, '\n');
  }
  return 0;
}

}  // namespace

int CountOpenFds(pid_t pid) {
  const std::string dir = pid == 0 ? "/proc/self/fd" : "/proc/" + std::to_string(pid) + "/fd";
  DIR* stream = opendir(dir.c_str());
  if (!stream) return 0;
  int count = 0;
  while (const dirent* entry = readdir(stream)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(stream);
  return pid == 0 ? count - 1 : count;  // /proc/self: the directory stream's own descriptor
}

std::optional<ProcessFigures> ParseProcStat(const std::string& stat, long ticks_per_second,
                                            long page_size, double boot_time_seconds) {
  // The command name (field 2) may hold spaces and parentheses: the fields
  // we want follow the last ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || ticks_per_second <= 0) return std::nullopt;
  std::istringstream rest(stat.substr(close + 1));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  for (std::string field; rest >> field;) fields.push_back(field);
  if (fields.size() < 22) return std::nullopt;
  auto number = [&](int field) { return std::stod(fields[field - 3]); };
  ProcessFigures figures;
  figures.cpu_seconds = (number(14) + number(15)) / ticks_per_second;
  figures.threads = number(20);
  figures.start_time_seconds = boot_time_seconds + number(22) / ticks_per_second;
  figures.virtual_bytes = number(23);
  figures.resident_bytes = number(24) * page_size;
  return figures;
}

std::optional<ProcessFigures> ReadProcessFigures() {
  auto figures = ParseProcStat(ReadAll("/proc/self/stat"), sysconf(_SC_CLK_TCK),
                               sysconf(_SC_PAGESIZE), BootTimeSeconds());
  if (figures) figures->open_fds = CountOpenFds();
  return figures;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  const auto figures = ReadProcessFigures();
  if (!figures) return {};
  std::vector<prometheus::MetricFamily> out;
  AddSingle(&out, "process_cpu_seconds_total", "User and system CPU time spent, in seconds",
            prometheus::MetricType::Counter, figures->cpu_seconds);
  AddSingle(&out, "process_resident_memory_bytes", "Resident memory size in bytes",
            prometheus::MetricType::Gauge, figures->resident_bytes);
  AddSingle(&out, "process_virtual_memory_bytes", "Virtual memory size in bytes",
            prometheus::MetricType::Gauge, figures->virtual_bytes);
  AddSingle(&out, "process_threads", "Threads of the process", prometheus::MetricType::Gauge,
            figures->threads);
  AddSingle(&out, "process_open_fds", "Open file descriptors", prometheus::MetricType::Gauge,
            figures->open_fds);
  AddSingle(&out, "process_start_time_seconds", "Start time of the process since the Unix epoch",
            prometheus::MetricType::Gauge, figures->start_time_seconds);
  return out;
}

}  // namespace metrics
