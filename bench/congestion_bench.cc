// Issue 13's bench: Chromium watching a 1280x720@30 stream asking 2500 kbps
// through the tbf bottleneck of tests/support/bottleneck_lab.h, over three
// link schedules, each with adaptation off and on:
//
//   steady 2 Mbit/s          40 s, the last 25 s judged
//   4 -> 0.8 -> 4 Mbit/s     15 s / 25 s / 25 s, each phase's last 10-15 s judged
//   1 Mbit/s + 2 % loss      40 s, the last 25 s judged (iptables statistic)
//
// and one table row per judged phase: payload received, the link's
// utilisation as its receiving interface counts it, capture -> screen p50/p95
// (the agent's --latency-probe stamp read from every painted frame,
// tests/browser/latency_stamp.js), freeze time per minute (Chromium's own
// freeze count, or the 500 ms windows without a decoded frame when more),
// and the picture and frame rate held. The run's time series go to the directory in
// GWA_BOTTLENECK_SERIES when set (bench/congestion.sh charts them).
//
// A gtest binary for the lab's failure reporting, outside CTest: figures are
// printed, never asserted. Needs root (network namespaces).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "bottleneck_lab.h"

namespace {

using namespace std::chrono_literals;
using testing_support::BottleneckLab;
using testing_support::BottleneckRun;
using testing_support::PhaseFigures;

struct Step {
  std::string label;
  int link_kbps;
  int seconds;         // how long the link holds this rate
  int judged_seconds;  // the end of the step that is measured
};

struct Schedule {
  std::string id;  // file names of the series
  std::string name;
  std::vector<Step> steps;
  double loss = 0;  // random loss on the agent's side of the link, 0..1
};

const std::vector<Schedule>& Schedules() {
  static const std::vector<Schedule> schedules = {
      {"steady2m", "steady 2 Mbit/s", {{"2 Mbit/s", 2000, 40, 25}}},
      {"steps",
       "4 -> 0.8 -> 4 Mbit/s",
       {{"4 Mbit/s", 4000, 15, 10}, {"0.8 Mbit/s", 800, 25, 15}, {"4 Mbit/s again", 4000, 25, 15}}},
      {"loss1m", "1 Mbit/s + 2 % loss", {{"1 Mbit/s, 2 % loss", 1000, 40, 25}}, 0.02},
  };
  return schedules;
}

std::vector<std::string>& Rows() {
  static std::vector<std::string> rows;
  return rows;
}

std::string Fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string Row(const Schedule& schedule, bool adaptive, const Step& step, const PhaseFigures& f) {
  const std::string latency =
      f.phase_p50_ms < 0 ? "no stamp read"
                         : std::to_string(f.phase_p50_ms) + " / " + std::to_string(f.phase_p95_ms);
  // Both are lower bounds of the time without a new picture: Chromium's
  // count is finer but needs the picture to come back.
  const double frozen_ms = static_cast<double>(std::max(f.freezes_ms, f.stalled_ms));
  const std::string freezes = f.seconds <= 0 ? "-" : Fixed(frozen_ms / 1000.0 * 60 / f.seconds, 1);
  return "| " + schedule.name + " | " + (adaptive ? "on" : "off") + " | " + step.label + " (last " +
         std::to_string(step.judged_seconds) + " s) | " + Fixed(f.received_kbps, 0) + " | " +
         Fixed(100 * f.link_received_kbps / step.link_kbps, 0) + " % | " + latency + " | " +
         freezes + " | " + (f.picture.empty() ? "-" : f.picture) + " @ " + Fixed(f.decoded_fps, 1) +
         " | " + std::to_string(f.drops) + " |";
}

class CongestionBench : public ::testing::TestWithParam<std::tuple<size_t, bool>> {};

TEST_P(CongestionBench, Schedule) {
  GWA_REQUIRE_NET_LAB();
  const Schedule& schedule = Schedules()[std::get<0>(GetParam())];
  const bool adaptive = std::get<1>(GetParam());
  BottleneckLab lab;
  lab.Build(schedule.steps.front().link_kbps);
  ASSERT_FALSE(HasFatalFailure());
  BottleneckRun run;
  run.adaptive = adaptive;
  run.chromium = true;
  run.ask_kbps = testing_support::kAskKbps;
  run.seconds = 15;
  for (const Step& step : schedule.steps) run.seconds += step.seconds;
  if (!lab.StartRun(run) || HasFatalFailure()) {
    Rows().push_back("| " + schedule.name + " | " + (adaptive ? "on" : "off") +
                     " | Chromium played no frame in 60 s | | | | | | |");
    return;
  }
  if (schedule.loss > 0) {
    // From the first decoded frame on, as BottleneckTest does: the rate on
    // a lossy link is measured, not a handshake under loss.
    lab.net().Run(lab.edge(),
                  {"iptables", "-A", "OUTPUT", "-o", "eth0", "-p", "udp", "-m", "statistic",
                   "--mode", "random", "--probability", Fixed(schedule.loss, 3), "-j", "DROP"});
  }
  for (size_t i = 0; i < schedule.steps.size(); ++i) {
    const Step& step = schedule.steps[i];
    if (i > 0) lab.SetLink(step.link_kbps);
    BottleneckLab::Hold(std::chrono::seconds(step.seconds - step.judged_seconds));
    const BottleneckLab::Mark from = lab.Now();
    BottleneckLab::Hold(std::chrono::seconds(step.judged_seconds));
    const PhaseFigures f = lab.Between(from, lab.Now());
    BottleneckLab::Print(schedule.name + (adaptive ? ", adaptive" : ", fixed"), step.label, f);
    Rows().push_back(Row(schedule, adaptive, step, f));
  }
  if (const char* dir = std::getenv("GWA_BOTTLENECK_SERIES"); dir && *dir) {
    const std::string path =
        std::string(dir) + "/" + schedule.id + (adaptive ? "_adaptive" : "_fixed") + ".csv";
    EXPECT_TRUE(lab.WriteSeries(path)) << "cannot write " << path;
  }
}

INSTANTIATE_TEST_SUITE_P(Links, CongestionBench,
                         ::testing::Combine(::testing::Range<size_t>(0, 3),
                                            ::testing::Values(false, true)),
                         [](const auto& info) {
                           return Schedules()[std::get<0>(info.param)].id +
                                  (std::get<1>(info.param) ? "_adaptive" : "_fixed");
                         });

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int result = RUN_ALL_TESTS();
  std::cout << "\nChromium on the director's viewer page, 1280x720@30 test://smpte asking "
            << testing_support::kAskKbps << " kbps (adaptive: the ceiling), tbf queue 50 kB\n\n"
            << "| link schedule | adaptation | phase | received kbps (RTP payload) | link "
               "utilisation (all IP bytes) | capture -> screen p50 / p95 ms | freeze s/min | "
               "picture @ fps decoded | drops at the bottleneck |\n"
            << "|---|---|---|---|---|---|---|---|---|\n";
  for (const std::string& row : Rows()) std::cout << row << "\n";
  return result;
}
