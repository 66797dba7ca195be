// The rate estimator against synthetic traces: a sender that sends whatever
// the estimator says as 30 fps frame bursts, through a model of a bottleneck
// (a fixed-capacity link with a drop-tail queue: when the offered rate is above
// the capacity the queue grows, then drops), with the receiver's feedback
// every 50 ms. All on a simulated clock: deterministic, no sleeping.
#include "engine/rate_estimator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "engine/delay_trend.h"
#include "engine/loss_rate_control.h"

namespace engine {
namespace {

constexpr int64_t kMs = 1000;
constexpr int64_t kS = 1000000;

struct LinkModel {
  int64_t capacity_bps = 4000000;
  int64_t queue_limit_bytes = 30000;  // drop-tail, like tbf's limit
  int64_t base_delay_us = 20 * kMs;   // one way, each direction
  double random_loss = 0;             // besides the queue's drops
};

struct Sent {
  int64_t send_us;
  int64_t arrival_us;  // sender's clock
  uint32_t size;
  bool lost;
};

class Simulation {
 public:
  Simulation(RateBounds bounds, int64_t start_bps) : estimator_(bounds, start_bps) {}

  LinkModel link;
  // Added to every arrival time the receiver reports: its clock is not ours.
  int64_t receiver_clock_offset_us = 123456789;
  bool reorder_pairs = false;     // report each pair of neighbours swapped in arrival
  bool feedback_blocked = false;  // the receiver's reports never arrive

  // Runs until `until_us`, calling `each_second` every simulated second.
  template <typename Fn>
  void RunUntil(int64_t until_us, Fn each_second) {
    while (now_us_ < until_us) {
      Step();
      if (now_us_ % kS == 0) {
        each_second(now_us_);
        recent_queue_delay_us_ = 0;
      }
    }
  }
  void RunUntil(int64_t until_us) {
    RunUntil(until_us, [](int64_t) {});
  }

  int64_t now_us() const { return now_us_; }
  const RateEstimate& estimate() const { return estimator_.estimate(); }
  RateEstimator& estimator() { return estimator_; }
  // Longest queueing delay of a packet sent in the current second.
  int64_t recent_queue_delay_us() const { return recent_queue_delay_us_; }
  int64_t received_bytes() const { return received_bytes_; }
  int64_t lost_packets() const { return lost_packets_; }

 private:
  void Step() {
    now_us_ += kMs;
    if (now_us_ % (kS / 30) < kMs) SendFrame();
    if (now_us_ % (50 * kMs) == 0 && !feedback_blocked) SendFeedback();
    if (now_us_ % (250 * kMs) == 0) estimator_.OnTimer(now_us_);
  }

  void SendFrame() {
    int64_t bytes = estimate().target_bps / 8 / 30;
    while (bytes > 0) {
      const uint32_t size = static_cast<uint32_t>(std::min<int64_t>(bytes, 1200));
      bytes -= size;
      Sent packet{now_us_, 0, size, false};
      // The queue holds what has not left the link yet.
      const int64_t backlog_us = std::max<int64_t>(0, link_free_us_ - now_us_);
      const int64_t backlog_bytes = backlog_us * link.capacity_bps / 8 / kS;
      if (backlog_bytes + size > link.queue_limit_bytes ||
          std::bernoulli_distribution(link.random_loss)(random_)) {
        packet.lost = true;
        ++lost_packets_;
      } else {
        const int64_t start = std::max(now_us_, link_free_us_);
        link_free_us_ = start + static_cast<int64_t>(size) * 8 * kS / link.capacity_bps;
        packet.arrival_us = link_free_us_ + link.base_delay_us;
        recent_queue_delay_us_ = std::max(recent_queue_delay_us_, start - now_us_);
      }
      in_flight_.push_back(packet);
    }
  }

  void SendFeedback() {
    // What the receiver can report now, reaching us one base delay later.
    const int64_t horizon = now_us_ - link.base_delay_us;
    std::vector<PacketReport> reports;
    while (!in_flight_.empty()) {
      const Sent& p = in_flight_.front();
      const int64_t known_at = p.lost ? p.send_us + link.base_delay_us : p.arrival_us;
      if (known_at > horizon) break;
      if (!p.lost) received_bytes_ += p.size;
      reports.push_back({p.send_us, p.arrival_us + receiver_clock_offset_us, p.size, p.lost});
      in_flight_.pop_front();
    }
    if (reorder_pairs) {
      for (size_t i = 0; i + 1 < reports.size(); i += 2) {
        if (!reports[i].lost && !reports[i + 1].lost) {
          std::swap(reports[i].arrival_us, reports[i + 1].arrival_us);
        }
      }
    }
    if (!reports.empty()) estimator_.OnFeedback(std::move(reports), now_us_);
  }

  RateEstimator estimator_;
  int64_t now_us_ = 0;
  int64_t link_free_us_ = 0;
  std::deque<Sent> in_flight_;
  std::mt19937 random_{42};
  int64_t recent_queue_delay_us_ = 0;
  int64_t received_bytes_ = 0;
  int64_t lost_packets_ = 0;
};

RateBounds Bounds(int64_t min_kbps, int64_t max_kbps) {
  return RateBounds{min_kbps * 1000, max_kbps * 1000};
}

TEST(DelayTrendTest, SteadySpacingHasNoSlope) {
  DelayTrend trend;
  std::optional<DelayTrend::Sample> last;
  for (int i = 0; i < 100; ++i) {
    if (auto s = trend.Add({i * 33 * kMs, 5 * kS + i * 33 * kMs + 20 * kMs, 1200, false})) last = s;
  }
  ASSERT_TRUE(last.has_value());
  EXPECT_NEAR(last->slope, 0.0, 1e-9);
}

TEST(DelayTrendTest, GrowingQueueHasPositiveSlope) {
  DelayTrend trend;
  std::optional<DelayTrend::Sample> last;
  // Each frame arrives 5 ms later than the one before relative to its send
  // time: the queue grows by 5 ms every 33 ms.
  for (int i = 0; i < 100; ++i) {
    if (auto s = trend.Add({i * 33 * kMs, i * 38 * kMs, 1200, false})) last = s;
  }
  ASSERT_TRUE(last.has_value());
  EXPECT_GT(last->slope, 0.05);
}

TEST(DelayTrendTest, ReceiverClockJumpStartsOver) {
  DelayTrend trend;
  for (int i = 0; i < 50; ++i) trend.Add({i * 33 * kMs, i * 33 * kMs, 1200, false});
  // 24-bit reference time of 64 ms units wraps: arrivals jump back ~1074 s.
  std::optional<DelayTrend::Sample> after;
  for (int i = 50; i < 100; ++i) {
    if (auto s = trend.Add({i * 33 * kMs, i * 33 * kMs - 1073741824 * kMs / 1000, 1200, false})) {
      after = s;
    }
  }
  ASSERT_TRUE(after.has_value());
  EXPECT_NEAR(after->slope, 0.0, 1e-9);
}

// One overflow is reported lost over several feedback windows: it cuts once
// per 300 ms + RTT, and never below half of what got through.
TEST(LossRateControlTest, OneOverflowCutsOncePerResponseTimeAndNotBelowHalfTheAckedRate) {
  LossRateControl loss(2500000);
  const int64_t rtt = 50000;
  int decreases = 0;
  int64_t now = 0;
  // 50 % loss for 600 ms, evaluated every 200 ms (the first call only
  // starts the clock), the sender at the loss-based rate.
  for (int i = 0; i < 4; ++i, now += 200000) {
    loss.Count(20, 20);
    const int64_t target = std::min<int64_t>(800000, loss.rate_bps());
    if (loss.Update(target, 2500000, 800000, rtt, now) == LossRateControl::Change::kDecrease) {
      ++decreases;
    }
  }
  EXPECT_EQ(decreases, 2);  // at 200 and 600 ms; 400 ms is within 350 ms of the first
  EXPECT_EQ(loss.rate_bps(), 450000);  // 800 x 0.75 x 0.75
  // Total loss while the link still delivers 800 kbps: the floor holds.
  now += 400000;
  loss.Count(0, 40);
  loss.Update(loss.rate_bps(), 2500000, 800000, rtt, now);
  EXPECT_EQ(loss.rate_bps(), 400000);
}

TEST(RateEstimatorTest, SteadyWideLinkClimbsToTheCeilingAndStays) {
  Simulation sim(Bounds(100, 2500), 1000 * 1000);
  sim.link.capacity_bps = 6000000;
  sim.RunUntil(15 * kS);
  EXPECT_EQ(sim.estimate().target_bps, 2500000);
  EXPECT_EQ(sim.lost_packets(), 0);
  int64_t lowest = sim.estimate().target_bps;
  sim.RunUntil(30 * kS, [&](int64_t) { lowest = std::min(lowest, sim.estimate().target_bps); });
  EXPECT_EQ(lowest, 2500000) << "a link wider than the ceiling never looks congested";
}

TEST(RateEstimatorTest, StepDownFollowsTheLinkAndKeepsTheQueueShort) {
  Simulation sim(Bounds(100, 2500), 2500 * 1000);
  sim.link.capacity_bps = 4000000;
  sim.RunUntil(10 * kS);
  EXPECT_GE(sim.estimate().target_bps, 2400000);

  sim.link.capacity_bps = 800000;
  sim.RunUntil(15 * kS);
  EXPECT_LT(sim.estimate().target_bps, 800000) << "below the link within 5 s of the drop";
  EXPECT_TRUE(sim.estimate().reason == AdaptReason::kDelay ||
              sim.estimate().reason == AdaptReason::kLoss ||
              sim.estimate().reason == AdaptReason::kProbe);

  // The last 10 s of 30 s at 800 kbit/s: most of the link used, short queue.
  sim.RunUntil(30 * kS);
  const int64_t bytes_before = sim.received_bytes();
  int64_t worst_queue_us = 0;
  int64_t highest = 0;
  sim.RunUntil(40 * kS, [&](int64_t) {
    worst_queue_us = std::max(worst_queue_us, sim.recent_queue_delay_us());
    highest = std::max(highest, sim.estimate().target_bps);
  });
  const double received_kbps = (sim.received_bytes() - bytes_before) * 8.0 / 10 / 1000;
  EXPECT_GE(received_kbps, 0.70 * 800);
  EXPECT_LE(worst_queue_us, 200 * kMs);
  EXPECT_LE(highest, 1000000);
}

TEST(RateEstimatorTest, RecoversFastWhenTheLinkWidensAgain) {
  Simulation sim(Bounds(100, 2500), 2500 * 1000);
  sim.link.capacity_bps = 800000;
  sim.RunUntil(20 * kS);
  ASSERT_LT(sim.estimate().target_bps, 900000);
  sim.link.capacity_bps = 4000000;
  int64_t back_at = -1;
  sim.RunUntil(40 * kS, [&](int64_t now) {
    if (back_at < 0 && sim.estimate().target_bps > 2000000) back_at = now;
  });
  ASSERT_GE(back_at, 0) << "never came back above 2000 kbps";
  EXPECT_LE(back_at - 20 * kS, 15 * kS);
  EXPECT_EQ(sim.estimate().reason, AdaptReason::kProbe);
}

TEST(RateEstimatorTest, RandomLossOfTwoPercentDoesNotCollapseTheRate) {
  Simulation sim(Bounds(100, 2500), 2500 * 1000);
  sim.link.capacity_bps = 10000000;
  sim.link.random_loss = 0.02;
  int64_t lowest_late = INT64_MAX;
  sim.RunUntil(40 * kS, [&](int64_t now) {
    if (now >= 10 * kS) lowest_late = std::min(lowest_late, sim.estimate().target_bps);
  });
  EXPECT_GT(sim.lost_packets(), 0);
  EXPECT_GE(lowest_late, 2000000) << "at least 80 % of the ceiling";
}

TEST(RateEstimatorTest, LossBurstLowersTheRateForLossThenRecovers) {
  Simulation sim(Bounds(100, 2500), 2500 * 1000);
  sim.link.capacity_bps = 10000000;
  sim.RunUntil(5 * kS);
  sim.link.random_loss = 0.4;
  sim.RunUntil(6 * kS);
  EXPECT_LT(sim.estimate().target_bps, 2000000);
  EXPECT_EQ(sim.estimate().reason, AdaptReason::kLoss);
  sim.link.random_loss = 0;
  sim.RunUntil(20 * kS);
  EXPECT_GE(sim.estimate().target_bps, 2400000);
}

TEST(RateEstimatorTest, ReorderedReportsDoNotLookLikeCongestion) {
  Simulation sim(Bounds(100, 2500), 2500 * 1000);
  sim.link.capacity_bps = 6000000;
  sim.reorder_pairs = true;
  int64_t lowest = INT64_MAX;
  sim.RunUntil(30 * kS, [&](int64_t) { lowest = std::min(lowest, sim.estimate().target_bps); });
  EXPECT_GE(lowest, 2000000);
}

TEST(RateEstimatorTest, ReceiverClockWrapIsNotCongestion) {
  Simulation sim(Bounds(100, 2500), 2500 * 1000);
  sim.link.capacity_bps = 6000000;
  sim.RunUntil(10 * kS);
  // GStreamer's TWCC reference time is 24 bits of 64 ms: it wraps.
  sim.receiver_clock_offset_us -= 1073741824 * kMs;
  int64_t lowest = INT64_MAX;
  sim.RunUntil(25 * kS, [&](int64_t) { lowest = std::min(lowest, sim.estimate().target_bps); });
  EXPECT_GE(lowest, 2000000);
  EXPECT_EQ(sim.estimate().target_bps, 2500000);
}

TEST(RateEstimatorTest, FeedbackSilenceHalvesTheTargetEverySecondThenRecovers) {
  Simulation sim(Bounds(300, 2500), 2500 * 1000);
  sim.link.capacity_bps = 6000000;
  sim.RunUntil(5 * kS);
  ASSERT_EQ(sim.estimate().target_bps, 2500000);
  sim.feedback_blocked = true;
  sim.RunUntil(5 * kS + 900 * kMs);
  EXPECT_EQ(sim.estimate().target_bps, 2500000) << "less than a second of silence is patience";
  sim.RunUntil(6 * kS + 300 * kMs);
  EXPECT_EQ(sim.estimate().target_bps, 1250000);
  EXPECT_EQ(sim.estimate().reason, AdaptReason::kFeedbackTimeout);
  EXPECT_STREQ(AdaptReasonName(sim.estimate().reason), "feedback_timeout");
  sim.RunUntil(7 * kS + 300 * kMs);
  EXPECT_EQ(sim.estimate().target_bps, 625000);
  sim.RunUntil(12 * kS);
  EXPECT_EQ(sim.estimate().target_bps, 300000) << "never below the operator's floor";
  // Feedback again: the link is wide, the rate climbs back.
  sim.feedback_blocked = false;
  int64_t back_at = -1;
  sim.RunUntil(30 * kS, [&](int64_t now) {
    if (back_at < 0 && sim.estimate().target_bps > 2000000) back_at = now;
  });
  ASSERT_GE(back_at, 0) << "never came back above 2000 kbps";
  EXPECT_LE(back_at - 12 * kS, 15 * kS);
}

TEST(RateEstimatorTest, NoTimeoutBeforeTheFirstFeedback) {
  // A session negotiating ICE and DTLS sends nothing yet: no back-off.
  RateEstimator estimator(Bounds(100, 2500), 2500 * 1000);
  for (int64_t t = 0; t <= 10 * kS; t += 250 * kMs) estimator.OnTimer(t);
  EXPECT_EQ(estimator.estimate().target_bps, 2500000);
}

TEST(RateEstimatorTest, NoTimeoutWhileNothingIsSent) {
  RateEstimator estimator(Bounds(100, 2500), 2500 * 1000);
  estimator.OnFeedback({{0, 20 * kMs, 1200, false}, {33 * kMs, 53 * kMs, 1200, false}}, 100 * kMs);
  // The source stalls: no frames, so no feedback is expected.
  for (int64_t t = 100 * kMs; t <= 5 * kS; t += 250 * kMs) estimator.OnTimer(t, false);
  EXPECT_EQ(estimator.estimate().target_bps, 2500000);
  // Frames again, but no feedback for a second: now it is a silence.
  for (int64_t t = 5 * kS + 250 * kMs; t <= 6 * kS + 250 * kMs; t += 250 * kMs) {
    estimator.OnTimer(t, true);
  }
  EXPECT_EQ(estimator.estimate().target_bps, 1250000);
}

TEST(RateEstimatorTest, OperatorBoundsApplyAtOnce) {
  RateEstimator estimator(Bounds(100, 2500), 2500 * 1000);
  const RateEstimate& e = estimator.SetBounds(Bounds(100, 1000), 7 * kS);
  EXPECT_EQ(e.target_bps, 1000000);
  EXPECT_EQ(e.reason, AdaptReason::kOperator);
  EXPECT_EQ(e.changed_at_us, 7 * kS);
  EXPECT_EQ(estimator.SetBounds(Bounds(1500, 3000), 8 * kS).target_bps, 1500000);
}

TEST(RateEstimatorTest, StartIsClampedIntoTheBounds) {
  RateEstimator estimator(Bounds(300, 1200), 5000 * 1000);
  EXPECT_EQ(estimator.estimate().target_bps, 1200000);
  EXPECT_STREQ(AdaptReasonName(AdaptReason::kDelay), "delay");
}

}  // namespace
}  // namespace engine
