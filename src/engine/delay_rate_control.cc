#include "engine/delay_rate_control.h"

#include <algorithm>
#include <cmath>

namespace engine {
namespace {
constexpr double kBeta = 0.85;             // decrease to this share of the acked rate
constexpr double kGrowthPerSecond = 1.08;  // multiplicative increase
constexpr double kRampUpPerSecond = 1.25;  // ... after kRampUpAfterUs without trouble
constexpr int64_t kRampUpAfterUs = 2000000;
constexpr double kPacketBits = 1200 * 8;  // additive increase: one packet per response time
// Never promise more than this over what actually got through.
constexpr double kAckedHeadroom = 1.5;
constexpr int64_t kAckedHeadroomBps = 10000;
}  // namespace

void DelayRateControl::NoteCongestionRate(double kbps) {
  // Variance normalised by the mean, so a 3-sigma band scales with the rate.
  constexpr double kAlpha = 0.05;
  if (congestion_kbps_ < 0) {
    congestion_kbps_ = kbps;
  } else {
    congestion_kbps_ = (1 - kAlpha) * congestion_kbps_ + kAlpha * kbps;
  }
  const double norm = std::max(congestion_kbps_, 1.0);
  congestion_var_ = (1 - kAlpha) * congestion_var_ +
                    kAlpha * (congestion_kbps_ - kbps) * (congestion_kbps_ - kbps) / norm;
  congestion_var_ = std::clamp(congestion_var_, 0.4, 2.5);
}

bool DelayRateControl::NearCongestionRate(double kbps) {
  if (congestion_kbps_ < 0) return false;
  const double sigma = std::sqrt(congestion_var_ * congestion_kbps_);
  if (kbps > congestion_kbps_ + 3 * sigma) {
    congestion_kbps_ = -1;  // the link got wider: that rate is history
    return false;
  }
  return kbps >= congestion_kbps_ - 3 * sigma;
}

DelayRateControl::Change DelayRateControl::Update(LinkUsage usage, int64_t acked_bps,
                                                  int64_t rtt_us, int64_t now_us) {
  if (last_update_us_ < 0) last_update_us_ = now_us;
  const double dt_s = std::clamp(static_cast<double>(now_us - last_update_us_) / 1e6, 0.0, 1.0);
  last_update_us_ = now_us;
  const int64_t response_us = rtt_us + 100000;

  switch (usage) {
    case LinkUsage::kOver:
      // One decrease per response time: the queue needs that long to show
      // the effect of the last one.
      if (last_decrease_us_ < 0 || now_us - last_decrease_us_ >= response_us) {
        state_ = State::kDecrease;
      } else {
        state_ = State::kHold;
      }
      break;
    case LinkUsage::kUnder:
      state_ = State::kHold;
      increasing_since_us_ = -1;
      break;
    case LinkUsage::kNormal:
      if (state_ != State::kIncrease) {
        state_ = State::kIncrease;
        increasing_since_us_ = now_us;
      }
      if (increasing_since_us_ < 0) increasing_since_us_ = now_us;
      break;
  }

  const double acked_kbps = static_cast<double>(acked_bps) / 1000.0;
  if (state_ == State::kDecrease) {
    const double base = acked_bps > 0 ? static_cast<double>(acked_bps) : rate_bps_;
    const int64_t next = std::min<int64_t>(rate_bps_, static_cast<int64_t>(kBeta * base));
    if (acked_bps > 0) NoteCongestionRate(acked_kbps);
    last_decrease_us_ = now_us;
    state_ = State::kHold;
    increasing_since_us_ = -1;
    if (next == rate_bps_) return Change::kNone;
    rate_bps_ = next;
    return Change::kDecrease;
  }
  if (state_ != State::kIncrease || dt_s <= 0) return Change::kNone;

  Change change = Change::kIncrease;
  double next = static_cast<double>(rate_bps_);
  if (acked_bps > 0 && NearCongestionRate(acked_kbps)) {
    next += std::max(1000.0, kPacketBits * dt_s * 1e6 / static_cast<double>(response_us));
  } else if (now_us - increasing_since_us_ >= kRampUpAfterUs) {
    next *= std::pow(kRampUpPerSecond, dt_s);
    change = Change::kRampUp;
  } else {
    next *= std::pow(kGrowthPerSecond, dt_s);
  }
  if (acked_bps > 0) {
    next = std::min(next, kAckedHeadroom * acked_bps + kAckedHeadroomBps);
  }
  if (static_cast<int64_t>(next) <= rate_bps_) return Change::kNone;
  rate_bps_ = static_cast<int64_t>(next);
  return change;
}

}  // namespace engine
