#include "bench_util.h"

#include <gst/gst.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http_get.h"

namespace bench {

using namespace std::chrono_literals;

Args::Args(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) continue;
    std::string key = a.substr(2);
    if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      values_[key] = argv[++i];
    } else {
      values_[key] = "1";
    }
  }
}

std::string Args::Get(const std::string& key, const std::string& fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

int Args::GetInt(const std::string& key, int fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& text = it->second;
  size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::logic_error&) {
    used = 0;  // not a number, or out of int's range
  }
  if (used == 0 || used != text.size()) {
    throw std::invalid_argument("--" + key + " wants a whole number (got \"" + text + "\")");
  }
  return value;
}

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

void PrintMachine(const std::string& title) {
  gst_init(nullptr, nullptr);
  utsname u{};
  uname(&u);
  gchar* gst = gst_version_string();
  double up = 0;
  std::istringstream(ReadFile("/proc/uptime")) >> up;
  std::cout << "\n### " << title << "\n\n"
            << "machine: " << CpuModel() << ", " << std::thread::hardware_concurrency()
            << " cores, Linux " << u.release << "; " << gst << ", gRPC " << grpc::Version() << "\n"
            << "when: " << UtcNow()
            << "; load average (1/5/15 min, runnable): " << Trim(ReadFile("/proc/loadavg"))
            << "\n\n";
  g_free(gst);
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  rank = std::clamp<size_t>(rank, 1, values.size());
  return values[rank - 1];
}

double Median(std::vector<double> values) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double Mean(const std::vector<double>& values) {
  if (values.empty()) return NAN;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

std::string Fixed(double v, int decimals) {
  if (std::isnan(v)) return "n/a";
  std::ostringstream os;
  os << std::fixed << std::setprecision(decimals) << v;
  return os.str();
}

double ProcessCpuSeconds(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  // The command name is in parentheses and may hold spaces: fields count
  // from the last ')'. utime and stime are fields 14 and 15.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return NAN;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long ProcessStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  const std::string key = field + ":";
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
  }
  return -1;
}

long ProcessRssKb(pid_t pid) { return ProcessStatusKb(pid, "VmRSS"); }

int CountThreads(pid_t pid) { return static_cast<int>(ProcessStatusKb(pid, "Threads")); }

bool ResourcesHeld(const std::vector<ResourceReport>& reports, const std::string& unit) {
  const ResourceReport& first = reports.front();
  const ResourceReport& last = reports.back();
  const double growth = 100.0 * (last.rss_mib - first.rss_mib) / first.rss_mib;
  const bool rss_ok = growth <= 5.0;
  // GLib parks finished streaming threads for reuse (they exit after 15 s
  // idle) and a scrape or a link may hold a socket at the moment of a
  // report, so one report against another is noise: a count is flat when
  // the second half of the run never goes above the highest of the first.
  const size_t half = reports.size() / 2;
  auto peak = [&](size_t from, size_t to, int ResourceReport::*field) {
    int most = 0;
    for (size_t i = from; i < to; ++i) most = std::max(most, reports[i].*field);
    return most;
  };
  const int fds_early = peak(0, half, &ResourceReport::fds);
  const int fds_late = peak(half, reports.size(), &ResourceReport::fds);
  const int threads_early = peak(0, half, &ResourceReport::threads);
  const int threads_late = peak(half, reports.size(), &ResourceReport::threads);
  const bool fds_ok = fds_late <= fds_early;
  const bool threads_ok = threads_late <= threads_early;
  std::cout << "  RSS " << unit << " " << last.at << " vs " << unit << " " << first.at << ": "
            << Fixed(growth, 1) << " % (target <= 5 %): " << (rss_ok ? "met" : "MISSED") << "\n"
            << "  fds " << first.fds << " -> " << last.fds << " (peak of 1st half " << fds_early
            << ", of 2nd half " << fds_late << "): " << (fds_ok ? "flat" : "GREW") << "\n"
            << "  threads " << first.threads << " -> " << last.threads << " (peak of 1st half "
            << threads_early << ", of 2nd half " << threads_late
            << "): " << (threads_ok ? "flat" : "GREW") << "\n";
  return rss_ok && fds_ok && threads_ok;
}

std::optional<double> Metric(int metrics_port, const std::string& series) {
  auto scraped = testing_support::HttpGet(metrics_port, "/metrics");
  if (!scraped.ok()) return std::nullopt;
  return testing_support::MetricValue(scraped->body, series);
}

CpuWindow::CpuWindow(std::vector<pid_t> pids) : pids_(std::move(pids)) {
  for (pid_t p : pids_) cpu0_.push_back(ProcessCpuSeconds(p));
  ReadMachine(&busy0_, &total0_);
  t0_ = std::chrono::steady_clock::now();
}

void CpuWindow::End() {
  wall_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  cpu1_.clear();
  for (pid_t p : pids_) cpu1_.push_back(ProcessCpuSeconds(p));
  ReadMachine(&busy1_, &total1_);
}

double CpuWindow::ProcessPercent(size_t i) const {
  if (wall_ <= 0 || i >= cpu1_.size()) return NAN;
  return (cpu1_[i] - cpu0_[i]) / wall_ * 100.0;
}

double CpuWindow::MachinePercent() const {
  if (total1_ <= total0_) return NAN;
  double cores = std::thread::hardware_concurrency();
  return static_cast<double>(busy1_ - busy0_) / static_cast<double>(total1_ - total0_) * 100.0 *
         cores;
}

void CpuWindow::ReadMachine(uint64_t* busy, uint64_t* total) {
  std::ifstream in("/proc/stat");
  std::string cpu;
  uint64_t v[10] = {};
  in >> cpu;
  for (auto& x : v) in >> x;
  // user nice system idle iowait irq softirq steal guest guest_nice;
  // guest time is already counted in user/nice.
  uint64_t idle = v[3] + v[4];
  *total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
  *busy = *total - idle;
}

void Table::Print() const {
  std::vector<size_t> width(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) width[i] = headers_[i].size();
  for (const auto& r : rows_) {
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], r[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::cout << "|";
    for (size_t i = 0; i < width.size(); ++i) {
      std::string c = i < cells.size() ? cells[i] : "";
      std::cout << " " << c << std::string(width[i] - c.size(), ' ') << " |";
    }
    std::cout << "\n";
  };
  line(headers_);
  std::cout << "|";
  for (size_t w : width) std::cout << std::string(w + 2, '-') << "|";
  std::cout << "\n";
  for (const auto& r : rows_) line(r);
  std::cout << std::flush;
}

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double NowUnixMsFine() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string AgentUnderTest::Start(const std::string& bin_dir,
                                  const std::vector<std::string>& agent_flags) {
  bin_dir_ = bin_dir;
  std::string error;
  std::string port = director_.Start(bin_dir + "/local-director",
                                     {"--listen", "127.0.0.1:0", "--log-level", "warn"},
                                     R"(listening on http://127\.0\.0\.1:(\d+)/)", 30s, &error);
  if (port.empty()) return "local-director: " + error;
  director_port_ = std::stoi(port);
  std::vector<std::string> args{
      "--grpc-listen", "127.0.0.1:0", "--director-url", "ws://127.0.0.1:" + port + "/feeds/",
      "--log-level",   "warn",        "--max-streams",  "2000"};
  args.insert(args.end(), agent_flags.begin(), agent_flags.end());
  std::string grpc =
      agent_.Start(bin_dir + "/gstwebrtc-agent", args, R"(gRPC on port (\d+))", 30s, &error);
  if (grpc.empty()) return "gstwebrtc-agent: " + error;
  grpc_port_ = std::stoi(grpc);
  stub_ = pb::StreamControl::NewStub(NewChannel(0));
  return "";
}

AgentUnderTest::~AgentUnderTest() {
  agent_.Stop();
  director_.Stop();
}

std::shared_ptr<grpc::Channel> AgentUnderTest::NewChannel(int index) const {
  grpc::ChannelArguments args;
  // A distinct argument set and a local subchannel pool: one TCP connection
  // per channel instead of one shared by every channel to the same target.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("gwa.bench.channel", index);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(grpc_port_),
                                   grpc::InsecureChannelCredentials(), args);
}

grpc::Status AgentUnderTest::StartStream(const std::string& id, const std::string& uri,
                                         uint32_t width, uint32_t height, uint32_t framerate,
                                         uint32_t bitrate_kbps, pb::Stream* out) {
  pb::StartRequest req;
  req.set_stream_id(id);
  req.set_source_uri(uri);
  req.set_codec(pb::H264);
  req.mutable_quality()->set_width(width);
  req.mutable_quality()->set_height(height);
  req.mutable_quality()->set_framerate(framerate);
  req.mutable_quality()->set_bitrate_kbps(bitrate_kbps);
  req.mutable_ahoy()->set_director_url("ws://127.0.0.1:" + std::to_string(director_port_) +
                                       "/feeds/");
  req.mutable_ahoy()->set_feed_name(id);
  grpc::ClientContext ctx;
  return stub_->Start(&ctx, req, out);
}

grpc::Status AgentUnderTest::StopStream(const std::string& id) {
  pb::StopRequest req;
  req.set_stream_id(id);
  pb::Stream out;
  grpc::ClientContext ctx;
  return stub_->Stop(&ctx, req, &out);
}

grpc::Status AgentUnderTest::GetStream(const std::string& id, pb::Stream* out) {
  pb::GetStreamRequest req;
  req.set_stream_id(id);
  grpc::ClientContext ctx;
  return stub_->GetStream(&ctx, req, out);
}

bool AgentUnderTest::WaitRegistered(const std::string& id, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pb::Stream s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (GetStream(id, &s).ok() && s.state() == pb::WAITING_FOR_VIEWER &&
        s.ahoy().state() == pb::LINK_REGISTERED) {
      return true;
    }
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

std::string AgentUnderTest::RestartDirector() {
  director_.Stop();
  std::string error;
  const std::string listen = "127.0.0.1:" + std::to_string(director_port_);
  std::string port =
      director_.Start(bin_dir_ + "/local-director", {"--listen", listen, "--log-level", "warn"},
                      R"(listening on http://127\.0\.0\.1:(\d+)/)", 30s, &error);
  return port.empty() ? "local-director restart: " + error : "";
}

bool AgentUnderTest::WaitIdle(const std::string& id, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pb::Stream s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (GetStream(id, &s).ok() && s.state() == pb::WAITING_FOR_VIEWER && !s.pipeline_running()) {
      return true;
    }
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

}  // namespace bench
