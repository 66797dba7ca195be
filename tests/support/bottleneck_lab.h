// A real bottleneck for congestion-control tests (issue 13): the agent (with
// local-director) in one network namespace, a real receiving webrtcbin
// (tests/helpers/test_viewer, offering TWCC feedback and NACK like a
// browser) in another, joined by a veth cable whose agent -> viewer side is a
// token bucket (tc tbf: a rate and a finite queue) changed live with
// `tc qdisc change`:
//
//   edge (agent, director) 10.77.0.1 ──tbf──> 10.77.0.2 viewer
//
// The stream is 1280x720@30 of test://smpte (its noise patch costs bits in
// every frame, so the encoder really fills its target); the agent runs with
// --latency-probe so the viewer measures capture -> decoded delay and the
// gaps between decoded frames. Used by bottleneck_test.cc and pacer_test.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "child_process.h"
#include "net_lab.h"
#include "test_pki.h"  // TempDir

namespace testing_support {

inline constexpr char kBottleneckEdge[] = "10.77.0.1";

// Issue 13's schedule, shared by every test on the lab: a stream asking
// kAskKbps through a link of kWideKbps that narrows to kNarrowKbps.
inline constexpr int kAskKbps = 2500;
inline constexpr int kWideKbps = 4000;
inline constexpr int kNarrowKbps = 800;

// One line of `streamctl --json watch`: the first viewer's figures.
struct AgentSample {
  int64_t unix_ms = 0;  // when the agent took it
  double send_kbps = 0;
  int target_kbps = -1;  // -1: no congestion state (yet)
  int estimate_kbps = -1;
  std::string reason;
  double pacer_queue_ms = 0;
  int pacing_rate_kbps = 0;
  // The viewer's picture in force (after the degradation ladder) and why
  // ("" the operator's, "bandwidth" stepped down).
  int width = 0;
  int height = 0;
  int framerate = 0;
  std::string quality_reason;
};
std::vector<AgentSample> ParseAgentSamples(const std::string& output);
int64_t UnixMs();  // the system clock, as the agent's sample timestamps

// What one phase of a run showed.
struct PhaseFigures {
  double received_kbps = 0;  // RTP payload at the viewer, over the phase's window
  // Everything the viewer's interface received (IP: RTP, RTX, RTCP, STUN
  // and their headers): the link's utilisation as the link sees it.
  double link_received_kbps = 0;
  int latency_p95_ms = -1;  // the worst sample window's p95
  int latency_p50_ms = -1;  // median of the sample windows' p50
  int phase_p95_ms = -1;    // p95 over every stamped frame of the phase
  int phase_p50_ms = -1;
  int64_t max_gap_ms = 0;   // longest freeze
  double seconds = 0;       // between the phase's first and last viewer sample
  double decoded_fps = 0;   // frames decoded over those seconds
  std::string picture;      // the decoded size most samples saw ("1280x720")
  int64_t freezes_ms = -1;  // Chromium's freeze time in the phase (-1: not reported)
  // Sample windows (500 ms) in which not one frame was decoded. Chromium
  // counts a freeze only when the next frame comes, so a picture that never
  // comes back is only here.
  int64_t stalled_ms = 0;
  double send_kbps = 0;           // mean of the agent's send rate samples
  double target_kbps = 0;         // mean of its congestion-control targets
  uint64_t drops = 0;             // packets the bottleneck dropped
  double max_pacer_queue_ms = 0;  // the agent's samples (every 250 ms)
  int max_pacing_rate_kbps = 0;
};

struct BottleneckRun {
  bool adaptive = true;
  int seconds = 60;     // how long the viewer plays
  int ask_kbps = 2500;  // the stream's bitrate (adaptive: its ceiling)
  // The agent's --pacing-factor; negative: its default.
  double pacing_factor = -1;
  // The viewer is Debian's Chromium on the director's viewer page
  // (tests/browser/nat_viewer.mjs: the same sample lines, with capture ->
  // screen delay instead of capture -> decoded, and Chromium's freeze time)
  // instead of test_viewer.
  bool chromium = false;
  // The stream's quality.degradation ("" = the default, balanced).
  std::string degradation;
};

class BottleneckLab {
 public:
  BottleneckLab() = default;
  ~BottleneckLab();  // stops the run, the director, removes the namespaces

  // Namespaces, cable, tbf at `link_kbps` with a queue of `limit_bytes`
  // (50 kB: about 100 ms at 4 Mbit/s, 500 ms at 800 kbit/s), the director.
  // Failures are recorded (callers check HasFatalFailure()). Call
  // GWA_REQUIRE_NET_LAB() first.
  void Build(int link_kbps, int limit_bytes = 50000);
  // The agent streaming, `streamctl watch` on it, the viewer playing (a
  // second viewer when the first plays nothing in 20 s). True when all three
  // run (failures are recorded).
  bool StartRun(const BottleneckRun& run);
  void StopRun();

  void SetLink(int kbps);
  // Packets the bottleneck dropped since the qdisc was made.
  uint64_t TbfDrops();
  // Bytes the viewer's side of the cable received so far.
  uint64_t ViewerRxBytes();

  // Where the run is now: sample counts and drops, to cut phases apart.
  struct Mark {
    size_t viewer = 0, agent = 0;
    uint64_t drops = 0;
    uint64_t viewer_rx_bytes = 0;
    std::chrono::steady_clock::time_point at{};
  };
  Mark Now();
  // The figures between two marks.
  PhaseFigures Between(const Mark& a, const Mark& b);
  static void Print(const std::string& run, const std::string& phase, const PhaseFigures& f);

  // Waits until an agent sample after the first `from` has a target that
  // passes `pred`, or `deadline`.
  template <typename Pred>
  bool WaitForTarget(Pred pred, size_t from, std::chrono::steady_clock::time_point deadline) {
    while (std::chrono::steady_clock::now() < deadline) {
      auto samples = ParseAgentSamples(watch_->Output());
      for (size_t i = from; i < samples.size(); ++i) {
        if (samples[i].target_kbps >= 0 && pred(samples[i].target_kbps)) return true;
      }
      from = std::max(from, samples.size());
      watch_->WaitForOutputCount("streamId", watch_->CountInOutput("streamId") + 1,
                                 std::chrono::seconds(1));
    }
    return false;
  }

  // The link schedule is timing, not a wait for state: each phase lasts
  // what the schedule says, whatever the agent does meanwhile.
  static void Hold(std::chrono::milliseconds d);

  // The run as a time series for bench/congestion.sh's chart
  // (bottleneck_series.cc): CSV rows "series,seconds,kbps" for the link
  // rate, the agent's estimate, target and send rate, and the viewer's
  // received payload rate, seconds from the viewer's start. False when the
  // file cannot be written.
  bool WriteSeries(const std::string& path);
  static std::string Tail(const std::string& text);

  NetLab& net() { return *lab_; }
  const std::string& edge() const { return edge_; }
  ChildProcess& agent() { return *agent_; }
  ChildProcess& watch() { return *watch_; }
  ChildProcess& viewer() { return *viewer_; }

 private:
  std::vector<std::string> TbfCommand(const std::string& verb, int kbps) const;
  void StartProcesses(const BottleneckRun& run);

  TempDir files_;
  std::unique_ptr<NetLab> lab_;
  std::string edge_, viewer_ns_;
  int limit_bytes_ = 50000;
  // For WriteSeries: every link rate set (unix ms, kbps) and when the
  // viewer process started (its samples' t_ms count from then).
  std::vector<std::pair<int64_t, int>> link_rates_;
  int64_t viewer_started_unix_ms_ = 0;
  ChildProcess director_;
  std::unique_ptr<ChildProcess> agent_, watch_, viewer_;
};

}  // namespace testing_support
