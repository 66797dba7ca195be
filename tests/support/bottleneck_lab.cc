#include "bottleneck_lab.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "chromium_viewer.h"
#include "viewer_samples.h"

namespace testing_support {
namespace {

using namespace std::chrono_literals;

constexpr int kWidth = 1280;
constexpr int kHeight = 720;
constexpr int kTwccId = 5;

std::string Bin(const std::string& name) { return std::string(GWA_BIN_DIR) + "/" + name; }

}  // namespace

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<AgentSample> ParseAgentSamples(const std::string& output) {
  std::vector<AgentSample> out;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object() || !json.contains("viewers")) continue;
    const auto& viewers = json["viewers"];
    if (!viewers.is_array() || viewers.empty()) continue;
    const auto& v = viewers[0];
    AgentSample s;
    // Proto JSON writes 64-bit integers as strings.
    if (auto t = json.find("timestampUnixMs"); t != json.end()) {
      if (t->is_string()) {
        s.unix_ms = std::strtoll(t->get<std::string>().c_str(), nullptr, 10);
      } else if (t->is_number_integer()) {
        s.unix_ms = t->get<int64_t>();
      }
    }
    s.send_kbps = v.value("sendBitrateKbps", 0.0);
    if (v.contains("quality")) {
      const auto& q = v["quality"];
      s.width = q.value("width", 0);
      s.height = q.value("height", 0);
      s.framerate = q.value("framerate", 0);
    }
    if (v.contains("congestion")) {
      const auto& c = v["congestion"];
      s.target_kbps = c.value("targetKbps", 0);
      s.estimate_kbps = c.value("estimateKbps", 0);
      s.reason = c.value("lastReason", "");
      s.pacer_queue_ms = c.value("pacerQueueMs", 0.0);
      s.pacing_rate_kbps = c.value("pacingRateKbps", 0);
      s.quality_reason = c.value("qualityReason", "");
    }
    out.push_back(s);
  }
  return out;
}

BottleneckLab::~BottleneckLab() {
  StopRun();
  director_.Stop();
  lab_.reset();
}

void BottleneckLab::Build(int link_kbps, int limit_bytes) {
  limit_bytes_ = limit_bytes;
  lab_ = std::make_unique<NetLab>();
  edge_ = lab_->AddHost("edge");
  viewer_ns_ = lab_->AddHost("viewer");
  lab_->Link(edge_, "eth0", std::string(kBottleneckEdge) + "/24", viewer_ns_, "eth0",
             "10.77.0.2/24");
  lab_->Run(edge_, TbfCommand("add", link_kbps));
  link_rates_.emplace_back(UnixMs(), link_kbps);
  ASSERT_FALSE(::testing::Test::HasFailure());
  std::string error;
  ASSERT_NE(lab_->Start(director_, edge_,
                        {Bin("local-director"), "--listen", std::string(kBottleneckEdge) + ":8080"},
                        "listening on", 20s, &error),
            "")
      << "director: " << error;
}

std::vector<std::string> BottleneckLab::TbfCommand(const std::string& verb, int kbps) const {
  // burst: two full packets at least, little more (a bigger bucket lets a
  // whole frame through at line speed and hides the rate).
  return {"tc",
          "qdisc",
          verb,
          "dev",
          "eth0",
          "root",
          "tbf",
          "rate",
          std::to_string(kbps) + "kbit",
          "burst",
          "6000",
          "limit",
          std::to_string(limit_bytes_)};
}

void BottleneckLab::SetLink(int kbps) {
  lab_->Run(edge_, TbfCommand("change", kbps));
  link_rates_.emplace_back(UnixMs(), kbps);
}

uint64_t BottleneckLab::TbfDrops() {
  auto result = lab_->Try(edge_, {"tc", "-s", "qdisc", "show", "dev", "eth0"});
  std::smatch m;
  if (!std::regex_search(result.output, m, std::regex(R"(dropped ([0-9]+))"))) return 0;
  return std::stoull(m[1]);
}

uint64_t BottleneckLab::ViewerRxBytes() {
  auto result = lab_->Try(viewer_ns_, {"cat", "/sys/class/net/eth0/statistics/rx_bytes"});
  return result.output.empty() ? 0 : std::stoull(result.output);
}

bool BottleneckLab::StartRun(const BottleneckRun& run) {
  StartProcesses(run);
  return agent_ && watch_ && viewer_ && agent_->pid() > 0 && watch_->pid() > 0 &&
         viewer_->pid() > 0;
}

void BottleneckLab::StartProcesses(const BottleneckRun& run) {
  // Fresh processes for every run (a ChildProcess runs once).
  agent_ = std::make_unique<ChildProcess>();
  watch_ = std::make_unique<ChildProcess>();
  viewer_ = std::make_unique<ChildProcess>();
  const std::string config = files_.Write(
      run.adaptive ? "adaptive.yaml" : "fixed.yaml",
      std::string(R"(streams:
  - stream_id: cam
    source_uri: test://smpte
    quality: {width: )") +
          std::to_string(kWidth) + ", height: " + std::to_string(kHeight) +
          ", framerate: 30, bitrate_kbps: " + std::to_string(run.ask_kbps) +
          ", adaptive: " + (run.adaptive ? "true" : "false") +
          (run.degradation.empty() ? "" : ", degradation: " + run.degradation) + "}\n");
  std::vector<std::string> agent = {Bin("gstwebrtc-agent"),
                                    "--config",
                                    config,
                                    "--grpc-listen",
                                    "127.0.0.1:50051",
                                    "--director-url",
                                    std::string("ws://") + kBottleneckEdge + ":8080/feeds/",
                                    "--stats-interval-ms",
                                    "250",
                                    "--latency-probe"};
  if (run.pacing_factor >= 0) {
    agent.push_back("--pacing-factor");
    agent.push_back(std::to_string(run.pacing_factor));
  }
  std::string error;
  ASSERT_NE(lab_->Start(*agent_, edge_, agent, "registered with director", 30s, &error), "")
      << "agent: " << error;
  ASSERT_NE(lab_->Start(*watch_, edge_,
                        {Bin("streamctl"), "--server", "127.0.0.1:50051", "--json", "watch", "cam",
                         "--interval_ms", "250"},
                        "streamId", 20s, &error),
            "")
      << "streamctl watch: " << error;
  if (run.chromium) {
    // Chromium sends its own TWCC feedback (its offer negotiates it) and
    // takes longer to start than test_viewer.
    viewer_started_unix_ms_ = UnixMs();
    ASSERT_NE(lab_->Start(*viewer_, viewer_ns_,
                          ChromiumViewerCommand(std::string(kBottleneckEdge) + ":8080", "cam",
                                                run.seconds, 500, /*latency=*/true),
                          R"("event":"first_frame")", 60s, &error),
              "")
        << "chromium viewer: " << error << "\n"
        << viewer_->Output();
    return;
  }
  const std::vector<std::string> viewer = {Bin("test_viewer"),
                                           "--director",
                                           std::string(kBottleneckEdge) + ":8080",
                                           "--feed",
                                           "cam",
                                           "--seconds",
                                           std::to_string(run.seconds),
                                           "--report_ms",
                                           "500",
                                           "--transport_cc_id",
                                           std::to_string(kTwccId),
                                           "--nack",
                                           "--latency_probe",
                                           "--rx_latency_ms",
                                           "50"};
  // One more viewer when the first gets no RTP at all: seen in about one
  // run in three of the loss test here (answered, ICE never carried media;
  // not understood yet, issue 13's note). Printed, so it stays visible.
  viewer_started_unix_ms_ = UnixMs();
  if (lab_->Start(*viewer_, viewer_ns_, viewer, R"("event":"first_frame")", 20s, &error) == "") {
    std::cout << "[ note ] first viewer played no frame in 20 s; a second one plays\n"
              << viewer_->Output() << std::endl;
    viewer_->Stop();
    viewer_ = std::make_unique<ChildProcess>();
    viewer_started_unix_ms_ = UnixMs();
    ASSERT_NE(lab_->Start(*viewer_, viewer_ns_, viewer, R"("event":"first_frame")", 20s, &error),
              "")
        << "viewer: " << error;
  }
}

void BottleneckLab::StopRun() {
  for (ChildProcess* p : {viewer_.get(), watch_.get(), agent_.get()}) {
    if (p) p->Stop();
  }
}

BottleneckLab::Mark BottleneckLab::Now() {
  return {ParseViewerSamples(viewer_->Output()).size(), ParseAgentSamples(watch_->Output()).size(),
          TbfDrops(), ViewerRxBytes(), std::chrono::steady_clock::now()};
}

PhaseFigures BottleneckLab::Between(const Mark& a, const Mark& b) {
  PhaseFigures f;
  auto viewer = ParseViewerSamples(viewer_->Output());
  auto agent = ParseAgentSamples(watch_->Output());
  if (b.viewer > a.viewer && b.viewer <= viewer.size() && a.viewer >= 1) {
    const ViewerSample& first = viewer[a.viewer - 1];
    const ViewerSample& last = viewer[b.viewer - 1];
    const double seconds = static_cast<double>(last.t_ms - first.t_ms) / 1000.0;
    f.seconds = seconds;
    if (seconds > 0) {
      f.received_kbps = static_cast<double>(last.rtp_payload_bytes - first.rtp_payload_bytes) * 8 /
                        1000 / seconds;
      f.decoded_fps = static_cast<double>(last.frames - first.frames) / seconds;
    }
    if (first.total_freezes_ms >= 0 && last.total_freezes_ms >= first.total_freezes_ms) {
      f.freezes_ms = last.total_freezes_ms - first.total_freezes_ms;
    }
    std::map<std::string, int> pictures;
    for (size_t i = a.viewer; i < b.viewer; ++i) {
      if (viewer[i].frames == viewer[i - 1].frames) {
        f.stalled_ms += viewer[i].t_ms - viewer[i - 1].t_ms;
      }
      if (viewer[i].width > 0) {
        ++pictures[std::to_string(viewer[i].width) + "x" + std::to_string(viewer[i].height)];
      }
    }
    for (const auto& [picture, n] : pictures) {
      if (f.picture.empty() || n > pictures[f.picture]) f.picture = picture;
    }
    std::vector<int> p50, every;
    for (size_t i = a.viewer; i < b.viewer; ++i) {
      every.insert(every.end(), viewer[i].latencies_ms.begin(), viewer[i].latencies_ms.end());
      f.latency_p95_ms = std::max(f.latency_p95_ms, viewer[i].latency_p95_ms);
      if (viewer[i].latency_p50_ms >= 0) p50.push_back(viewer[i].latency_p50_ms);
      f.max_gap_ms = std::max(f.max_gap_ms, viewer[i].max_gap_ms);
    }
    if (!p50.empty()) {
      std::sort(p50.begin(), p50.end());
      f.latency_p50_ms = p50[p50.size() / 2];
    }
    if (!every.empty()) {
      std::sort(every.begin(), every.end());
      f.phase_p50_ms = every[every.size() / 2];
      f.phase_p95_ms = every[every.size() * 95 / 100];
    }
  }
  double sum = 0, targets = 0;
  int n = 0;
  for (size_t i = a.agent; i < std::min(b.agent, agent.size()); ++i, ++n) {
    sum += agent[i].send_kbps;
    targets += std::max(agent[i].target_kbps, 0);
    f.max_pacer_queue_ms = std::max(f.max_pacer_queue_ms, agent[i].pacer_queue_ms);
    f.max_pacing_rate_kbps = std::max(f.max_pacing_rate_kbps, agent[i].pacing_rate_kbps);
  }
  f.send_kbps = n ? sum / n : 0;
  f.target_kbps = n ? targets / n : 0;
  f.drops = b.drops - a.drops;
  const double link_seconds = std::chrono::duration<double>(b.at - a.at).count();
  const bool marked = a.at != std::chrono::steady_clock::time_point{};
  if (marked && link_seconds > 0 && b.viewer_rx_bytes >= a.viewer_rx_bytes) {
    f.link_received_kbps =
        static_cast<double>(b.viewer_rx_bytes - a.viewer_rx_bytes) * 8 / 1000 / link_seconds;
  }
  return f;
}

void BottleneckLab::Print(const std::string& run, const std::string& phase, const PhaseFigures& f) {
  std::cout << "[ figure ] " << run << " | " << phase << " | received " << f.received_kbps
            << " kbps (link " << f.link_received_kbps << ") | sent " << f.send_kbps
            << " kbps (target " << f.target_kbps << ") | drops " << f.drops << " | delay p50 "
            << f.latency_p50_ms << " ms p95 " << f.latency_p95_ms
            << " ms (worst window), phase p50 " << f.phase_p50_ms << " ms p95 " << f.phase_p95_ms
            << " ms | longest freeze " << f.max_gap_ms << " ms | pacer queue max "
            << f.max_pacer_queue_ms << " ms" << std::endl;
}

void BottleneckLab::Hold(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

std::string BottleneckLab::Tail(const std::string& text) {
  return text.size() > 3000 ? text.substr(text.size() - 3000) : text;
}

}  // namespace testing_support
