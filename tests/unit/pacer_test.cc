// The pacing class packet by packet on a simulated clock: rates, bursts
// spread, the queue's time bound, draining, and a drop-tail link (the tbf of
// the bottleneck tests) that drops an unpaced keyframe and not a paced one.
#include "engine/pacer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace engine {
namespace {

constexpr int64_t kMs = 1000;
constexpr int64_t kS = 1000000;
constexpr uint32_t kPacket = 1200;

// Lets every packet leave as soon as the pacer allows, up to `until_us`.
struct Departure {
  int64_t at_us;
  uint32_t size;
};
std::vector<Departure> Drain(Pacer& pacer, int64_t from_us, int64_t until_us) {
  std::vector<Departure> out;
  int64_t now = from_us;
  while (!pacer.empty()) {
    const int64_t next = pacer.NextSendUs(now);
    if (next > until_us) break;
    now = std::max(now, next);
    out.push_back({now, pacer.Dequeue(now)});
  }
  return out;
}

TEST(PacerTest, AnIdlePacerDelaysNothing) {
  Pacer pacer;
  pacer.SetTargetRate(2500000);
  pacer.Enqueue(kPacket, 10 * kMs);
  EXPECT_EQ(pacer.NextSendUs(10 * kMs), 10 * kMs);
  pacer.Dequeue(10 * kMs);
  EXPECT_EQ(pacer.NextSendUs(10 * kMs), -1);
  // A second later (idle): again at once.
  pacer.Enqueue(kPacket, 1010 * kMs);
  EXPECT_EQ(pacer.NextSendUs(1010 * kMs), 1010 * kMs);
}

TEST(PacerTest, ABurstLeavesAtFactorTimesTarget) {
  Pacer pacer;  // factor 2.5
  pacer.SetTargetRate(1000000);
  for (int i = 0; i < 50; ++i) pacer.Enqueue(kPacket, 0);
  EXPECT_EQ(pacer.PacingRateBps(0), 2500000);
  const auto out = Drain(pacer, 0, 10 * kS);
  ASSERT_EQ(out.size(), 50u);
  // The last leaves when the 49 before it are paid for, less the idle
  // credit (5 ms): (49 x 9600 - 12500) bits at 2.5 Mbit/s = 183.16 ms.
  EXPECT_NEAR(static_cast<double>(out.back().at_us), 183160, 10);
  // Spread evenly after the credit: 3.84 ms apart.
  for (size_t i = 4; i < out.size(); ++i) {
    EXPECT_NEAR(static_cast<double>(out[i].at_us - out[i - 1].at_us), 3840, 2) << i;
  }
}

TEST(PacerTest, FramesAreSpreadNeverSentAsOneBurst) {
  Pacer pacer;
  pacer.SetTargetRate(2500000);  // paced at 6.25 Mbit/s
  std::vector<Departure> all;
  int64_t now = 0;
  // 30 fps, every frame 20 packets (24 kB, 5.8 Mbit/s: below the pacing
  // rate, each frame leaves before the next comes).
  for (int frame = 0; frame < 30; ++frame) {
    for (int i = 0; i < 20; ++i) pacer.Enqueue(kPacket, now);
    const auto out = Drain(pacer, now, now + 33 * kMs - 1);
    all.insert(all.end(), out.begin(), out.end());
    now += 33 * kMs;
  }
  const auto rest = Drain(pacer, now, now + 10 * kS);
  all.insert(all.end(), rest.begin(), rest.end());
  ASSERT_EQ(all.size(), 30u * 20u);
  // No 10 ms window carries more than 10 ms at the pacing rate plus the
  // credit (5 ms) and one packet: 12.9 kB, where a frame came as 24 kB.
  const int64_t most_bytes = (6250000 * 15 / 1000) / 8 + kPacket;
  for (size_t i = 0; i < all.size(); ++i) {
    int64_t bytes = 0;
    for (size_t j = i; j < all.size() && all[j].at_us < all[i].at_us + 10 * kMs; ++j) {
      bytes += all[j].size;
    }
    EXPECT_LE(bytes, most_bytes) << "window at " << all[i].at_us;
  }
}

TEST(PacerTest, OverloadWaitsAtMostTheBoundThenDrains) {
  PacerConfig config;
  config.factor = 1.0;
  config.min_rate_bps = 0;
  config.max_queue_us = 400 * kMs;
  Pacer pacer(config);
  pacer.SetTargetRate(1000000);
  // 300 kB at once: 2.4 s at 1 Mbit/s (1 s at the input term's 2.4 Mbit/s),
  // yet every packet leaves within the bound.
  for (int i = 0; i < 250; ++i) pacer.Enqueue(kPacket, 0);
  EXPECT_GT(pacer.PacingRateBps(0), 1000000);
  const auto out = Drain(pacer, 0, 10 * kS);
  ASSERT_EQ(out.size(), 250u);
  EXPECT_LE(out.back().at_us, 400 * kMs + kMs);
  EXPECT_TRUE(pacer.empty());
  EXPECT_EQ(pacer.QueueDelayUs(out.back().at_us), 0);
  // Drained: back to the base rate (factor x target); 2 s on the
  // input has left the window.
  EXPECT_EQ(pacer.PacingRateBps(3 * kS), 1000000);
}

TEST(PacerTest, TheInputRateLiftsTheRateWithoutATarget) {
  Pacer pacer;
  int64_t now = 0;
  for (int i = 0; i < 100; ++i, now += 10 * kMs) {  // 960 kbit/s
    pacer.Enqueue(kPacket, now);
    Drain(pacer, now, now);
  }
  EXPECT_NEAR(static_cast<double>(pacer.InputRateBps(now)), 960000, 20000);
  EXPECT_NEAR(static_cast<double>(pacer.PacingRateBps(now)), 2.5 * 960000, 50000);
  // With a target, the input only keeps the rate from falling below it.
  pacer.SetTargetRate(200000);
  EXPECT_NEAR(static_cast<double>(pacer.PacingRateBps(now)), 960000, 20000);
  pacer.SetTargetRate(1000000);
  EXPECT_EQ(pacer.PacingRateBps(now), 2500000);
}

// A 4 Mbit/s drop-tail link with a 50 kB queue (tbf limit 50000): a 60 kB
// keyframe handed over at once overflows it; paced at 2.5 x 2.5 Mbit/s the
// link drains while it fills.
int Drops(const std::vector<Departure>& sent) {
  constexpr double kLinkBytesPerUs = 4000000.0 / 8 / kS;
  constexpr double kLimit = 50000;
  double backlog = 0;
  int64_t last = sent.empty() ? 0 : sent.front().at_us;
  int drops = 0;
  for (const Departure& d : sent) {
    backlog = std::max(0.0, backlog - static_cast<double>(d.at_us - last) * kLinkBytesPerUs);
    last = d.at_us;
    if (backlog + d.size > kLimit) {
      ++drops;
    } else {
      backlog += d.size;
    }
  }
  return drops;
}

TEST(PacerTest, APacedKeyframeFitsADropTailQueueThatAnUnpacedOneOverflows) {
  std::vector<Departure> unpaced;
  for (int i = 0; i < 50; ++i) unpaced.push_back({0, kPacket});
  EXPECT_GT(Drops(unpaced), 5);

  Pacer pacer;
  pacer.SetTargetRate(2500000);
  for (int i = 0; i < 50; ++i) pacer.Enqueue(kPacket, 0);
  const auto paced = Drain(pacer, 0, 10 * kS);
  ASSERT_EQ(paced.size(), 50u);
  EXPECT_EQ(Drops(paced), 0);
  // What it costs: the last packet of the keyframe leaves ~75 ms later.
  EXPECT_LT(paced.back().at_us, 80 * kMs);
}

}  // namespace
}  // namespace engine
