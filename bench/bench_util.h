// Helpers shared by the benchmarks: machine description, /proc readings,
// percentiles, plain-text tables, and a real local-director + agent pair
// started as child processes.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace bench {

namespace pb = streamcontrol::v1;

// "--key value" pairs after the subcommand; "--flag" alone is "1".
class Args {
 public:
  Args(int argc, char** argv, int first);
  std::string Get(const std::string& key, const std::string& fallback) const;
  int GetInt(const std::string& key, int fallback) const;

 private:
  std::map<std::string, std::string> values_;
};

// Prints CPU model, cores, GStreamer and gRPC versions, kernel, uptime and
// load average: every table is printed under this header.
void PrintMachine(const std::string& title);

double Percentile(std::vector<double> values, double p);  // nearest rank, p in 0..100
double Median(std::vector<double> values);
double Mean(const std::vector<double>& values);
std::string Fixed(double v, int decimals);

// Seconds of CPU (user + system) used so far by `pid`, from /proc/<pid>/stat.
double ProcessCpuSeconds(pid_t pid);
// Resident set size in KiB from /proc/<pid>/status.
// A "<field>: N kB" line of /proc/<pid>/status (VmRSS, RssAnon, RssFile...),
// -1 when absent.
long ProcessStatusKb(pid_t pid, const std::string& field);
long ProcessRssKb(pid_t pid);

// Open file descriptors of `pid` (entries of /proc/<pid>/fd).
// Threads of `pid` (Threads: in /proc/<pid>/status); -1 when unreadable.
int CountThreads(pid_t pid);
// One report of a long run (soak, longrun): the agent's RSS, open descriptors
// and threads at one point, `at` (a cycle or a minute).
struct ResourceReport {
  int at = 0;
  double rss_mib = 0;
  int fds = 0;
  int threads = 0;
};
// The long runs' verdict on their reports (at least two): RSS at the last
// within 5 % of the first, fds and threads flat. Prints one line each, naming
// `at` by `unit` ("cycle", "minute"); true when all three hold.
bool ResourcesHeld(const std::vector<ResourceReport>& reports, const std::string& unit);
// One series of the Prometheus endpoint on 127.0.0.1:`metrics_port`, e.g.
// "gwa_gstreamer_live_elements"; nullopt when unreachable or absent.
std::optional<double> Metric(int metrics_port, const std::string& series);

// CPU used by some processes, and by the whole machine, over a wall-clock
// window. Percentages are of one core (200% = both cores of this box busy).
class CpuWindow {
 public:
  explicit CpuWindow(std::vector<pid_t> pids);
  void End();
  double ProcessPercent(size_t i) const;
  double MachinePercent() const;  // every process on the box, all cores
  double seconds() const { return wall_; }

 private:
  static void ReadMachine(uint64_t* busy, uint64_t* total);
  std::vector<pid_t> pids_;
  std::vector<double> cpu0_, cpu1_;
  uint64_t busy0_ = 0, total0_ = 0, busy1_ = 0, total1_ = 0;
  std::chrono::steady_clock::time_point t0_;
  double wall_ = 0;
};

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Markdown-compatible, so tables paste into BENCHMARKS.md as they are.
  void Print() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

int64_t NowUnixMs();
double NowUnixMsFine();  // with sub-millisecond precision

// local-director and gstwebrtc-agent as separate processes, as in production.
class AgentUnderTest {
 public:
  // Empty string on success, else what went wrong (with process output).
  std::string Start(const std::string& bin_dir, const std::vector<std::string>& agent_flags = {});
  ~AgentUnderTest();

  pid_t agent_pid() const { return agent_.pid(); }
  int director_port() const { return director_port_; }
  int grpc_port() const { return grpc_port_; }
  pb::StreamControl::Stub* stub() { return stub_.get(); }
  std::shared_ptr<grpc::Channel> NewChannel(int index) const;  // its own connection

  grpc::Status StartStream(const std::string& id, const std::string& uri, uint32_t width,
                           uint32_t height, uint32_t framerate, uint32_t bitrate_kbps,
                           pb::Stream* out);
  grpc::Status StopStream(const std::string& id);
  grpc::Status GetStream(const std::string& id, pb::Stream* out);
  // Polls GetStream (1 ms apart) until WAITING_FOR_VIEWER with the link
  // REGISTERED; false on timeout.
  bool WaitRegistered(const std::string& id, std::chrono::milliseconds timeout);
  // Polls until the stream is WAITING_FOR_VIEWER with no pipeline.
  bool WaitIdle(const std::string& id, std::chrono::milliseconds timeout);
  // Stops the local-director and starts a new one on the same port (the
  // agent's links must find it again by themselves). Empty on success.
  std::string RestartDirector();

 private:
  std::string bin_dir_;
  testing_support::ChildProcess director_;
  testing_support::ChildProcess agent_;
  int director_port_ = 0;
  int grpc_port_ = 0;
  std::unique_ptr<pb::StreamControl::Stub> stub_;
};

}  // namespace bench
