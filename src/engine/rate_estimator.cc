#include "engine/rate_estimator.h"

#include <algorithm>

namespace engine {
namespace {
constexpr int64_t kAckedWindowUs = 500000;
// The acked rate is trusted once the window spans this much.
constexpr int64_t kAckedMinSpanUs = 200000;
constexpr double kRttSmoothing = 0.9;
constexpr int64_t kMaxRttUs = 2000000;
}  // namespace

const char* AdaptReasonName(AdaptReason reason) {
  switch (reason) {
    case AdaptReason::kNone:
      return "none";
    case AdaptReason::kDelay:
      return "delay";
    case AdaptReason::kLoss:
      return "loss";
    case AdaptReason::kProbe:
      return "probe";
    case AdaptReason::kOperator:
      return "operator";
    case AdaptReason::kFeedbackTimeout:
      return "feedback_timeout";
  }
  return "none";
}

RateEstimator::RateEstimator(RateBounds bounds, int64_t start_bps)
    : bounds_(bounds),
      delay_(std::clamp(start_bps, bounds.min_bps, bounds.max_bps)),
      loss_(bounds.max_bps) {
  estimate_.target_bps = delay_.rate_bps();
  estimate_.delay_based_bps = delay_.rate_bps();
  estimate_.loss_based_bps = loss_.rate_bps();
}

void RateEstimator::UpdateAcked(const PacketReport& packet) {
  // The receiver's clock jumped (wrapped): its old arrivals cannot be
  // compared with new ones.
  if (!acked_.empty() && (packet.arrival_us + DelayTrend::kClockJumpUs < acked_.back().first ||
                          packet.arrival_us - DelayTrend::kClockJumpUs > acked_.back().first)) {
    acked_.clear();
    acked_bytes_ = 0;
  }
  // Keep arrival order; reordered packets slot in where they belong.
  auto at = acked_.end();
  while (at != acked_.begin() && std::prev(at)->first > packet.arrival_us) --at;
  acked_.insert(at, {packet.arrival_us, packet.size});
  acked_bytes_ += packet.size;
  while (!acked_.empty() && acked_.back().first - acked_.front().first > kAckedWindowUs) {
    acked_bytes_ -= acked_.front().second;
    acked_.pop_front();
  }
}

const RateEstimate& RateEstimator::OnFeedback(std::vector<PacketReport> packets, int64_t now_us) {
  std::stable_sort(
      packets.begin(), packets.end(),
      [](const PacketReport& a, const PacketReport& b) { return a.send_us < b.send_us; });
  last_feedback_us_ = now_us;
  int received = 0, lost = 0;
  int64_t newest_send_us = -1;
  for (const PacketReport& packet : packets) {
    if (packet.lost) {
      ++lost;
      continue;
    }
    ++received;
    newest_send_us = std::max(newest_send_us, packet.send_us);
    UpdateAcked(packet);
    if (auto sample = trend_.Add(packet)) {
      estimate_.usage = detector_.Detect(sample->slope, sample->num_deltas, now_us);
    }
  }
  if (newest_send_us >= 0 && now_us >= newest_send_us) {
    const int64_t rtt = std::min(now_us - newest_send_us, kMaxRttUs);
    estimate_.rtt_us =
        estimate_.rtt_us == 0
            ? rtt
            : static_cast<int64_t>(kRttSmoothing * estimate_.rtt_us + (1 - kRttSmoothing) * rtt);
  }
  if (acked_.size() >= 2 && acked_.back().first - acked_.front().first >= kAckedMinSpanUs) {
    const int64_t span = acked_.back().first - acked_.front().first;
    estimate_.acked_bps = acked_bytes_ * 8 * 1000000 / span;
  }
  loss_.Count(received, lost);

  AdaptReason reason = AdaptReason::kNone;
  const auto delay_change =
      delay_.Update(estimate_.usage, estimate_.acked_bps, estimate_.rtt_us, now_us);
  const auto loss_change = loss_.Update(estimate_.target_bps, bounds_.max_bps, estimate_.acked_bps,
                                        estimate_.rtt_us, now_us);
  if (delay_change == DelayRateControl::Change::kDecrease) {
    reason = AdaptReason::kDelay;
  } else if (loss_change == LossRateControl::Change::kDecrease) {
    reason = AdaptReason::kLoss;
  } else if (delay_change != DelayRateControl::Change::kNone ||
             loss_change != LossRateControl::Change::kNone) {
    reason = AdaptReason::kProbe;
  }
  // Neither controller runs away from the bounds (a rate far above the
  // ceiling would take long to come back down from).
  delay_.set_rate_bps(std::clamp(delay_.rate_bps(), bounds_.min_bps, bounds_.max_bps));
  loss_.set_rate_bps(std::clamp(loss_.rate_bps(), bounds_.min_bps, bounds_.max_bps));
  estimate_.loss_fraction = loss_.loss_fraction();
  Publish(reason, now_us);
  return estimate_;
}

const RateEstimate& RateEstimator::SetBounds(RateBounds bounds, int64_t now_us) {
  bounds_ = bounds;
  delay_.set_rate_bps(std::clamp(delay_.rate_bps(), bounds_.min_bps, bounds_.max_bps));
  loss_.set_rate_bps(std::clamp(loss_.rate_bps(), bounds_.min_bps, bounds_.max_bps));
  Publish(AdaptReason::kOperator, now_us);
  return estimate_;
}

const RateEstimate& RateEstimator::OnTimer(int64_t now_us, bool sending) {
  if (!sending && last_feedback_us_ >= 0) last_feedback_us_ = now_us;
  if (last_feedback_us_ < 0 || now_us - last_feedback_us_ < kFeedbackTimeoutUs) return estimate_;
  last_feedback_us_ = now_us;  // the next halving after another silence
  const int64_t halved = std::max(bounds_.min_bps, estimate_.target_bps / 2);
  delay_.set_rate_bps(std::min(delay_.rate_bps(), halved));
  loss_.set_rate_bps(std::min(loss_.rate_bps(), halved));
  // What got through before the silence says nothing about the path now.
  acked_.clear();
  acked_bytes_ = 0;
  estimate_.acked_bps = 0;
  Publish(AdaptReason::kFeedbackTimeout, now_us);
  return estimate_;
}

void RateEstimator::Publish(AdaptReason reason_if_changed, int64_t now_us) {
  estimate_.delay_based_bps = delay_.rate_bps();
  estimate_.loss_based_bps = loss_.rate_bps();
  const int64_t target =
      std::clamp(std::min(delay_.rate_bps(), loss_.rate_bps()), bounds_.min_bps, bounds_.max_bps);
  if (target != estimate_.target_bps) {
    // Which controller limits now decides a decrease's reason.
    if (target < estimate_.target_bps && reason_if_changed == AdaptReason::kProbe) {
      reason_if_changed =
          loss_.rate_bps() < delay_.rate_bps() ? AdaptReason::kLoss : AdaptReason::kDelay;
    }
    estimate_.target_bps = target;
    estimate_.reason =
        reason_if_changed == AdaptReason::kNone ? AdaptReason::kProbe : reason_if_changed;
    estimate_.changed_at_us = now_us;
  }
}

}  // namespace engine
