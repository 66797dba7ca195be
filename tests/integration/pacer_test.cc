// The pacer on a real bottleneck (issue 13, "Pacing" and Proof 1; the lab
// is tests/support/bottleneck_lab.h: agent and director in one namespace, a
// real receiving webrtcbin in another, a tc tbf between them with a
// 6000-byte bucket and a 50 kB queue).
//
//  1. A fixed 2500 kbps noisy 720p stream through a 4 Mbit/s link, paced
//     (the default --pacing-factor 2.5) and not (0): the pacer is in the
//     path (Congestion reports 2.5 x 2500 kbps, 0 when off), costs neither
//     rate nor loss, and the paced run loses at most 1 % at the bottleneck.
//     The issue's ~280 drops in 10 s without a pacer did not reproduce here
//     (0-1 drops per 10 s unpaced once playing, a few dozen at the start in
//     both runs): the figures of both are printed, BENCHMARKS.md section 6.
//  2. The narrow phase of the schedule (4 -> 0.8 Mbit/s) with
//     adaptation and pacing on: the share of the link the viewer gets (the
//     bytes its interface received) and the capture -> decoded delay over
//     the phase's frames. Measured here: 87-92 % of the link, p95 51-58 ms,
//     longest freeze ~170 ms (x264's VBV capped at 100 ms under congestion
//     control, encoder_control.cc). Asserted: the p95 (150 ms) and
//     wide margins for what a loaded CI box may shave off the rest (70 % of
//     the link, freezes under 1 s).
// The fine figures are printed as [ figure ] lines (bench/pacer.sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>

#include "bottleneck_lab.h"

namespace {

using namespace std::chrono_literals;
using testing_support::BottleneckLab;
using testing_support::BottleneckRun;
using testing_support::PhaseFigures;

using testing_support::kAskKbps;
using testing_support::kNarrowKbps;
using testing_support::kWideKbps;

class PacerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GWA_REQUIRE_NET_LAB();
    lab_.Build(kWideKbps);
  }

  // A fixed-rate run on the wide link: 4 s to settle, 10 s measured.
  PhaseFigures FixedRun(double pacing_factor, const std::string& name) {
    BottleneckRun run;
    run.adaptive = false;
    run.seconds = 30;
    run.ask_kbps = kAskKbps;
    run.pacing_factor = pacing_factor;
    const uint64_t before = lab_.TbfDrops();
    if (!lab_.StartRun(run)) return {};
    const uint64_t starting = lab_.TbfDrops() - before;  // until the first decoded frame
    BottleneckLab::Hold(4s);
    const BottleneckLab::Mark from = lab_.Now();
    BottleneckLab::Hold(10s);
    const PhaseFigures f = lab_.Between(from, lab_.Now());
    BottleneckLab::Print(name, "2500 kbps through 4 Mbit/s, 10 s", f);
    std::cout << "[ note ] " << name << " | bottleneck drops until the first frame " << starting
              << ", in the whole run " << lab_.TbfDrops() - before << std::endl;
    lab_.StopRun();
    return f;
  }

  BottleneckLab lab_;
};

TEST_F(PacerTest, AFixedRateIsPacedThroughAFittingLinkWithoutLoss) {
  const PhaseFigures unpaced = FixedRun(0, "unpaced");
  ASSERT_FALSE(HasFatalFailure());
  const PhaseFigures paced = FixedRun(2.5, "paced 2.5x");
  ASSERT_FALSE(HasFatalFailure());
  // The pacer is in the path only when asked for.
  EXPECT_EQ(unpaced.max_pacing_rate_kbps, 0);
  EXPECT_NEAR(paced.max_pacing_rate_kbps, 2.5 * kAskKbps, 0.2 * kAskKbps);
  // 2500 kbps of 1200-byte packets: ~2600 in 10 s; 1 % of them at most
  // lost at the bottleneck, and the rate delivered.
  EXPECT_LE(paced.drops, 26u) << "unpaced: " << unpaced.drops;
  EXPECT_GE(paced.received_kbps, 0.9 * kAskKbps);
  ASSERT_GE(paced.latency_p95_ms, 0) << "no stamped frame read in the paced run";
  EXPECT_LT(paced.latency_p95_ms, 400);
  EXPECT_LT(paced.max_gap_ms, 1000);
}

TEST_F(PacerTest, TheNarrowPhaseIsUsedWithLowDelay) {
  BottleneckRun run;
  run.adaptive = true;
  run.seconds = 45;
  run.ask_kbps = kAskKbps;
  ASSERT_TRUE(lab_.StartRun(run));
  BottleneckLab::Hold(6s);  // wide phase: ramp to the ceiling
  lab_.SetLink(kNarrowKbps);
  BottleneckLab::Hold(10s);  // the drop and the settling
  const BottleneckLab::Mark settled = lab_.Now();
  BottleneckLab::Hold(10s);  // the last 10 s of the narrow phase are judged
  const PhaseFigures f = lab_.Between(settled, lab_.Now());
  BottleneckLab::Print("adaptive, paced 2.5x", "800 kbit/s (last 10 s)", f);
  std::cout << "[ note ] adaptive, paced 2.5x | link utilisation "
            << f.link_received_kbps / kNarrowKbps << " (RTP payload alone "
            << f.received_kbps / kNarrowKbps << "; issue: >= 0.85) | capture -> decoded p95 "
            << f.phase_p95_ms << " ms over the phase's frames, " << f.latency_p95_ms
            << " ms in its worst 500 ms window (issue: <= 150)" << std::endl;
  EXPECT_GE(f.link_received_kbps, 0.7 * kNarrowKbps) << BottleneckLab::Tail(lab_.watch().Output());
  ASSERT_GE(f.phase_p95_ms, 0) << "no stamped frame read in the narrow phase";
  EXPECT_LE(f.phase_p95_ms, 150);
  EXPECT_LT(f.max_gap_ms, 1000);
  EXPECT_GT(f.max_pacing_rate_kbps, 0);
}

}  // namespace
