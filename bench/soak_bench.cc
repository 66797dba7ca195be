#include "soak_bench.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <thread>

#include "director_viewer.h"
#include "free_port.h"
#include "metrics/process_collector.h"
#include "webrtc_receiver.h"

namespace bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kFeed[] = "soak";
constexpr int kMaxFailuresInARow = 10;

const std::string kReconnects = std::string("gwa_link_reconnects_total{stream=\"") + kFeed + "\"}";
const std::string kLinkUp = std::string("gwa_link_up{stream=\"") + kFeed + "\"}";

// After a director restart: true once the agent has registered again (its
// reconnect counter passed `before` and the link is up), false at the
// deadline. Polls the metrics endpoint: the agent's link state is the state
// waited on.
bool WaitReregistered(int metrics_port, double before, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (Metric(metrics_port, kReconnects).value_or(before) > before &&
        Metric(metrics_port, kLinkUp).value_or(0) == 1.0) {
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// One viewer's visit: play -> >= 3 decoded frames -> stop, then the agent
// back to idle (pipeline freed). Empty on success, else what failed.
std::string Cycle(AgentUnderTest* agent) {
  std::string error;
  {
    testing_support::DirectorViewer link;
    testing_support::WebrtcReceiver receiver{"H264"};
    if (auto s = link.Connect(agent->director_port(), 5s); !s.ok()) return s.ToString();
    auto answer = link.Play(kFeed, receiver.CreateOffer(), 15s);
    if (!answer.ok()) return "play: " + answer.status().ToString();
    if (!receiver.SetAnswer(*answer, &error)) return "answer: " + error;
    if (!receiver.WaitFor([](const auto& s) { return s.frames >= 3; }, 15s)) {
      error = "fewer than 3 frames within 15 s";
    }
    if (auto s = link.Stop(kFeed, 10s); !s.ok() && error.empty()) error = "stop: " + s.ToString();
  }
  if (!agent->WaitIdle(kFeed, 15s) && error.empty()) error = "pipeline not freed within 15 s";
  return error;
}

struct Sample {
  int cycle = 0;
  double rss_mib = 0;
  // RSS split: anonymous (malloc arenas, thread stacks) grows with a leak or
  // fragmentation; file-backed (library code touched) only with code paths
  // taken for the first time, and is bounded by the libraries' size.
  double anon_mib = 0;
  double file_mib = 0;
  int fds = 0;
  int threads = 0;
  double elements = -1;
};

Sample Measure(int cycle, pid_t agent_pid, int metrics_port) {
  Sample s;
  s.cycle = cycle;
  s.rss_mib = ProcessRssKb(agent_pid) / 1024.0;
  s.anon_mib = ProcessStatusKb(agent_pid, "RssAnon") / 1024.0;
  s.file_mib = ProcessStatusKb(agent_pid, "RssFile") / 1024.0;
  s.fds = metrics::CountOpenFds(agent_pid);
  s.threads = CountThreads(agent_pid);
  s.elements = Metric(metrics_port, "gwa_gstreamer_live_elements").value_or(-1);
  return s;
}

}  // namespace

int RunSoak(const Args& args, const std::string& bin_dir) {
  const int cycles = args.GetInt("cycles", 10000);
  const int report_every = args.GetInt("report-every", 500);
  const int director_every = args.GetInt("director-restart-every", 500);
  const int camera_every = args.GetInt("camera-restart-every", 1000);
  const std::string size = args.Get("size", "320x240");
  if (cycles < 1 || report_every < 1 || director_every < 0 || camera_every < 0) {
    std::cerr << "gwa_bench soak: --cycles and --report-every must be >= 1, restarts >= 0 (0: "
                 "never)\n";
    return 2;
  }

  testing_support::ChildProcess camera;
  std::string error;
  const std::vector<std::string> camera_flags = {"--size", size, "--bitrate", "500"};
  auto start_camera = [&](const std::string& port) {
    std::vector<std::string> flags{"--port", port};
    flags.insert(flags.end(), camera_flags.begin(), camera_flags.end());
    return camera.Start(bin_dir + "/test_rtsp_server", flags, R"(RTSP on port (\d+))", 10s, &error);
  };
  const std::string camera_port = start_camera("0");
  if (camera_port.empty()) {
    std::cerr << "gwa_bench soak: test camera: " << error << std::endl;
    return 1;
  }
  // Told to the agent up front: it does not print the metrics port at the
  // bench's log level.
  const int metrics_port = testing_support::FreeLoopbackPort();
  AgentUnderTest agent;
  if (auto e =
          agent.Start(bin_dir, {"--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port)});
      !e.empty()) {
    std::cerr << "gwa_bench soak: " << e << std::endl;
    return 1;
  }
  const int x = static_cast<int>(size.find('x'));
  pb::Stream stream;
  if (auto s = agent.StartStream(kFeed, "rtsp://127.0.0.1:" + camera_port + "/cam",
                                 std::stoi(size.substr(0, x)), std::stoi(size.substr(x + 1)), 15,
                                 500, &stream);
      !s.ok()) {
    std::cerr << "gwa_bench soak: Start: " << s.error_message() << std::endl;
    return 1;
  }
  if (!agent.WaitRegistered(kFeed, 15s)) {
    std::cerr << "gwa_bench soak: the feed never registered" << std::endl;
    return 1;
  }

  PrintMachine("Soak: " + std::to_string(cycles) + " play -> >= 3 decoded frames -> stop cycles, " +
               "one viewer (director /viewer + webrtcbin in gwa_bench) through a real "
               "local-director; source rtsp:// test camera " +
               size + " H264, re-encoded " + size + "@15 x264 500 kbps; director restart every " +
               std::to_string(director_every) + ", camera restart every " +
               std::to_string(camera_every) + " cycles; figures of the agent process");
  Table table({"cycle", "RSS MiB", "anon MiB", "file MiB", "fds", "threads", "live elements",
               "failed cycles", "registrations lost", "restarts (dir/cam)", "cycles/s"});
  std::vector<Sample> samples;
  int failed = 0, in_a_row = 0, lost = 0, director_restarts = 0, camera_restarts = 0;
  auto window = Clock::now();
  int cycle = 0;
  for (cycle = 1; cycle <= cycles; ++cycle) {
    if (std::string e = Cycle(&agent); !e.empty()) {
      ++failed;
      std::cerr << "soak: cycle " << cycle << " failed: " << e << std::endl;
      if (++in_a_row >= kMaxFailuresInARow) {
        std::cerr << "soak: " << kMaxFailuresInARow << " cycles in a row failed; stopping"
                  << std::endl;
        break;
      }
    } else {
      in_a_row = 0;
    }
    if (director_every > 0 && cycle % director_every == 0) {
      const double before = Metric(metrics_port, kReconnects).value_or(0);
      ++director_restarts;
      if (std::string e = agent.RestartDirector(); !e.empty()) {
        std::cerr << "gwa_bench soak: " << e << std::endl;
        return 1;
      }
      if (!WaitReregistered(metrics_port, before, 30s)) {
        ++lost;
        std::cerr << "soak: cycle " << cycle << ": no re-registration within 30 s" << std::endl;
      }
    }
    if (camera_every > 0 && cycle % camera_every == 0) {
      camera.Stop();
      ++camera_restarts;
      if (start_camera(camera_port).empty()) {
        std::cerr << "gwa_bench soak: camera restart on port " << camera_port << ": " << error
                  << std::endl;
        return 1;
      }
    }
    if (cycle % report_every == 0) {
      const double seconds = std::chrono::duration<double>(Clock::now() - window).count();
      window = Clock::now();
      Sample s = Measure(cycle, agent.agent_pid(), metrics_port);
      samples.push_back(s);
      table.Add({std::to_string(cycle), Fixed(s.rss_mib, 1), Fixed(s.anon_mib, 1),
                 Fixed(s.file_mib, 1), std::to_string(s.fds), std::to_string(s.threads),
                 Fixed(s.elements, 0), std::to_string(failed), std::to_string(lost),
                 std::to_string(director_restarts) + "/" + std::to_string(camera_restarts),
                 Fixed(report_every / seconds, 2)});
      std::cerr << "soak: cycle " << cycle << ": RSS " << Fixed(s.rss_mib, 1) << " MiB (anon "
                << Fixed(s.anon_mib, 1) << ", file " << Fixed(s.file_mib, 1) << "), " << s.fds
                << " fds, " << s.threads << " threads, " << s.elements << " elements, " << failed
                << " failed, " << lost << " lost" << std::endl;
    }
  }
  table.Print();
  const int done = std::min(cycle, cycles);
  if (samples.size() < 2) {
    std::cout << "\nVerdict: too few reports (" << samples.size()
              << ") to compare; run more cycles than 2 x --report-every.\n";
    return failed == 0 && lost == 0 ? 0 : 1;
  }
  const bool regs_ok = lost == 0 && failed == 0;
  std::cout << "\nVerdict after " << done << " cycles (" << failed << " failed, " << lost
            << " registrations lost of " << director_restarts << " director restarts):\n";
  std::vector<ResourceReport> reports;
  for (const Sample& s : samples) reports.push_back({s.cycle, s.rss_mib, s.fds, s.threads});
  const bool resources_ok = ResourcesHeld(reports, "cycle");
  std::cout << "  every play answered, every restart re-registered: " << (regs_ok ? "yes" : "NO")
            << "\n";
  return resources_ok && regs_ok ? 0 : 1;
}

}  // namespace bench
