#include "engine/loss_rate_control.h"

#include <algorithm>

namespace engine {
namespace {
constexpr int64_t kIntervalUs = 200000;
constexpr int kMinPackets = 20;
constexpr double kHighLoss = 0.10;
constexpr double kLowLoss = 0.02;
constexpr double kGrowth = 1.05;
constexpr int64_t kDecreaseIntervalUs = 300000;  // + the round-trip time
constexpr double kAckedFloor = 0.5;
}  // namespace

void LossRateControl::Count(int received, int lost) {
  received_ += received;
  lost_ += lost;
}

LossRateControl::Change LossRateControl::Update(int64_t target_bps, int64_t max_bps,
                                                int64_t acked_bps, int64_t rtt_us, int64_t now_us) {
  if (last_update_us_ < 0) last_update_us_ = now_us;
  if (now_us - last_update_us_ < kIntervalUs || received_ + lost_ < kMinPackets) {
    return Change::kNone;
  }
  last_update_us_ = now_us;
  loss_fraction_ = static_cast<double>(lost_) / (received_ + lost_);
  received_ = lost_ = 0;
  if (loss_fraction_ > kHighLoss) {
    if (last_decrease_us_ >= 0 && now_us - last_decrease_us_ < kDecreaseIntervalUs + rtt_us) {
      return Change::kNone;
    }
    const int64_t cut = std::max(static_cast<int64_t>(target_bps * (1 - 0.5 * loss_fraction_)),
                                 static_cast<int64_t>(kAckedFloor * acked_bps));
    if (cut >= rate_bps_) return Change::kNone;
    rate_bps_ = cut;
    last_decrease_us_ = now_us;
    return Change::kDecrease;
  }
  if (loss_fraction_ < kLowLoss && rate_bps_ < max_bps) {
    rate_bps_ = std::min(max_bps, static_cast<int64_t>(rate_bps_ * kGrowth) + 1000);
    return Change::kIncrease;
  }
  return Change::kNone;
}

}  // namespace engine
