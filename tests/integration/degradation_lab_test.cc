// The degradation ladder on a real bottleneck (issue 13; the lab is
// tests/support/bottleneck_lab.h): the issue's stream, 1280x720@30 asking
// 2500 kbps, through the 4 Mbit/s -> 800 kbit/s -> 4 Mbit/s schedule, once
// per degradation preference. On the narrow link the viewer's picture in
// force (Stream/StreamStats viewers[].quality, reason "bandwidth") steps
// down the way the operator chose, and the receiving webrtcbin decodes
// frames of that size (or at that framerate); after the rise it is back at
// the operator's 1280x720@30. Time margins are wide (the machine is shared);
// the pictures seen and when go to the log as [ figure ] lines.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <ostream>
#include <string>

#include "bottleneck_lab.h"
#include "viewer_samples.h"

namespace {

using namespace std::chrono_literals;
using testing_support::AgentSample;
using testing_support::BottleneckLab;
using testing_support::BottleneckRun;
using testing_support::ParseAgentSamples;
using testing_support::ParseViewerSamples;
using testing_support::ViewerSample;

using testing_support::kAskKbps;
using testing_support::kNarrowKbps;
using testing_support::kWideKbps;

struct Case {
  const char* degradation;
  bool keeps_size;  // maintain_resolution: the framerate goes instead
};
// CTest's test names carry the parameter: its name, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.degradation; }

class DegradationLabTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    GWA_REQUIRE_NET_LAB();
    lab_.Build(kWideKbps);
  }

  // Waits until an agent sample after `from` passes `pred`; its index, or -1
  // at `deadline`.
  template <typename Pred>
  int WaitForAgent(Pred pred, size_t from, std::chrono::steady_clock::time_point deadline) {
    while (std::chrono::steady_clock::now() < deadline) {
      const auto samples = ParseAgentSamples(lab_.watch().Output());
      for (size_t i = from; i < samples.size(); ++i) {
        if (pred(samples[i])) return static_cast<int>(i);
      }
      from = std::max(from, samples.size());
      lab_.watch().WaitForOutputCount("streamId", lab_.watch().CountInOutput("streamId") + 1, 1s);
    }
    return -1;
  }
  // The same for the viewer's samples (every 500 ms).
  template <typename Pred>
  bool WaitForViewer(Pred pred, size_t from, std::chrono::steady_clock::time_point deadline) {
    while (std::chrono::steady_clock::now() < deadline) {
      const auto samples = ParseViewerSamples(lab_.viewer().Output());
      for (size_t i = std::max<size_t>(from, 1); i < samples.size(); ++i) {
        if (pred(samples[i - 1], samples[i])) return true;
      }
      from = std::max(from, samples.size());
      lab_.viewer().WaitForOutputCount(R"("event":"sample")",
                                       lab_.viewer().CountInOutput(R"("event":"sample")") + 1, 1s);
    }
    return false;
  }
  static std::string Picture(const AgentSample& s) {
    return std::to_string(s.width) + "x" + std::to_string(s.height) + "@" +
           std::to_string(s.framerate);
  }
  static int64_t MsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t)
        .count();
  }

  BottleneckLab lab_;
};

TEST_P(DegradationLabTest, StepsDownOnTheNarrowLinkAndBackUpAfterIt) {
  const Case c = GetParam();
  BottleneckRun run;
  run.seconds = 90;
  run.ask_kbps = kAskKbps;
  run.degradation = c.degradation;
  ASSERT_TRUE(lab_.StartRun(run));
  BottleneckLab::Hold(6s);  // wide phase: the operator's picture
  const BottleneckLab::Mark wide_end = lab_.Now();
  {
    const auto agent = ParseAgentSamples(lab_.watch().Output());
    ASSERT_FALSE(agent.empty());
    EXPECT_EQ(Picture(agent.back()), "1280x720@30") << "no step down on the wide link";
    EXPECT_EQ(agent.back().quality_reason, "");
  }

  lab_.SetLink(kNarrowKbps);
  const auto dropped_at = std::chrono::steady_clock::now();
  // 1. The picture in force steps down, for the link (reason "bandwidth"),
  // the way the operator chose.
  const int down = WaitForAgent(
      [&](const AgentSample& s) {
        return s.quality_reason == "bandwidth" &&
               (c.keeps_size ? s.framerate < 30 : s.height < 720);
      },
      wide_end.agent, dropped_at + 20s);
  ASSERT_GE(down, 0) << "no step down 20 s after the drop\n"
                     << BottleneckLab::Tail(lab_.watch().Output());
  const int64_t down_ms = MsSince(dropped_at);
  const AgentSample stepped = ParseAgentSamples(lab_.watch().Output())[down];
  std::cout << "[ figure ] " << c.degradation << " | stepped down to " << Picture(stepped)
            << " at target " << stepped.target_kbps << " kbps, seen " << down_ms
            << " ms after the drop" << std::endl;
  if (c.keeps_size) {
    EXPECT_EQ(stepped.width, 1280);
    EXPECT_EQ(stepped.height, 720);
  } else if (c.degradation == std::string("maintain_framerate")) {
    EXPECT_EQ(stepped.framerate, 30);
  }

  // 2. The viewer decodes what the agent sends: smaller frames, or the
  // operator's size at a lower rate (frames per second between two samples).
  const size_t viewer_from = lab_.Now().viewer;
  const bool decoded = WaitForViewer(
      [&](const ViewerSample& a, const ViewerSample& b) {
        if (b.frames <= a.frames || b.t_ms <= a.t_ms) return false;
        const double fps = static_cast<double>(b.frames - a.frames) * 1000.0 / (b.t_ms - a.t_ms);
        return c.keeps_size ? b.width == 1280 && b.height == 720 && fps < 25 && fps > 3
                            : b.height > 0 && b.height < 720;
      },
      viewer_from, std::chrono::steady_clock::now() + 15s);
  EXPECT_TRUE(decoded) << "the viewer did not decode the stepped-down picture\n"
                       << BottleneckLab::Tail(lab_.viewer().Output());

  // The narrow phase goes on to 20 s after the drop; what it looked like.
  BottleneckLab::Hold(std::chrono::milliseconds(std::max<int64_t>(0, 20000 - MsSince(dropped_at))));
  const BottleneckLab::Mark narrow_end = lab_.Now();
  BottleneckLab::Print(
      c.degradation, "800 kbit/s (from the step down)",
      lab_.Between(BottleneckLab::Mark{viewer_from, static_cast<size_t>(down), wide_end.drops},
                   narrow_end));
  {
    const auto agent = ParseAgentSamples(lab_.watch().Output());
    std::string seen;
    for (size_t i = wide_end.agent; i < narrow_end.agent && i < agent.size(); ++i) {
      if (i == wide_end.agent || Picture(agent[i]) != Picture(agent[i - 1])) {
        seen += " " + Picture(agent[i]) + "(" + std::to_string(agent[i].target_kbps) + ")";
      }
    }
    std::cout << "[ figure ] " << c.degradation
              << " | pictures in the narrow phase (target kbps):" << seen << std::endl;
  }

  // 3. After the rise the operator's picture comes back.
  lab_.SetLink(kWideKbps);
  const auto rose_at = std::chrono::steady_clock::now();
  const int up = WaitForAgent(
      [](const AgentSample& s) {
        return s.width == 1280 && s.height == 720 && s.framerate == 30 && s.quality_reason.empty();
      },
      narrow_end.agent, rose_at + 45s);
  EXPECT_GE(up, 0) << "not back at 1280x720@30 45 s after the rise\n"
                   << BottleneckLab::Tail(lab_.watch().Output());
  if (up >= 0) {
    std::cout << "[ figure ] " << c.degradation << " | back at 1280x720@30 " << MsSince(rose_at)
              << " ms after the rise" << std::endl;
    const bool full = WaitForViewer(
        [](const ViewerSample& a, const ViewerSample& b) {
          return b.width == 1280 && b.height == 720 && b.frames > a.frames;
        },
        lab_.Now().viewer, std::chrono::steady_clock::now() + 10s);
    EXPECT_TRUE(full) << "the viewer does not decode 1280x720 again\n"
                      << BottleneckLab::Tail(lab_.viewer().Output());
  }
  {
    // Every agent sample from the drop on: target/sent kbps, and the picture
    // where it changed (what the encoder makes of a target at each size).
    const auto agent = ParseAgentSamples(lab_.watch().Output());
    std::cout << "[ figure ] " << c.degradation
              << " | target/sent kbps every 250 ms from the drop:";
    for (size_t i = wide_end.agent; i < agent.size(); ++i) {
      if (i == wide_end.agent || Picture(agent[i]) != Picture(agent[i - 1])) {
        std::cout << " [" << Picture(agent[i]) << "]";
      }
      std::cout << " " << agent[i].target_kbps << "/" << static_cast<int>(agent[i].send_kbps);
    }
    std::cout << std::endl;
  }
  lab_.StopRun();
}

INSTANTIATE_TEST_SUITE_P(Preferences, DegradationLabTest,
                         ::testing::Values(Case{"balanced", false},
                                           Case{"maintain_framerate", false},
                                           Case{"maintain_resolution", true}),
                         [](const auto& info) { return std::string(info.param.degradation); });

}  // namespace
