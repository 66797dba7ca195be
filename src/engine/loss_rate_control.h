// The loss-based sending rate (draft-ietf-rmcat-gcc §6): evaluated every
// 200 ms over at least 20 packets; above 10 % loss the rate shrinks by half
// the loss, below 2 % it grows 5 %, in between (the random loss of a radio
// link) it holds: such loss says nothing about our rate.
#pragma once

#include <cstdint>
#include <optional>

namespace engine {

class LossRateControl {
 public:
  explicit LossRateControl(int64_t start_bps) : rate_bps_(start_bps) {}
  void Count(int received, int lost);
  enum class Change { kNone, kDecrease, kIncrease };
  // `target_bps`: the rate sent now, which a decrease starts from.
  Change Update(int64_t target_bps, int64_t max_bps, int64_t now_us);
  int64_t rate_bps() const { return rate_bps_; }
  void set_rate_bps(int64_t bps) { rate_bps_ = bps; }
  // Lost share of the last evaluated window (0 before the first).
  double loss_fraction() const { return loss_fraction_; }

 private:
  int64_t rate_bps_;
  int received_ = 0;
  int lost_ = 0;
  int64_t last_update_us_ = -1;
  double loss_fraction_ = 0;
};

}  // namespace engine
