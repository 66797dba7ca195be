// The delay-based sending rate (draft-ietf-rmcat-gcc §5.5, AIMD): on
// over-use the rate drops to a fraction of what the receiver actually got;
// under-use holds (the queue is draining); otherwise it grows, fast
// (multiplicatively, and faster still after a while without trouble: the
// ramp-up that brings a recovered link back within seconds) while far from
// the rate where congestion was last seen, and slowly (additively, about a
// packet per round trip) near it.
#pragma once

#include <cstdint>

#include "engine/overuse_detector.h"

namespace engine {

class DelayRateControl {
 public:
  enum class Change { kNone, kDecrease, kIncrease, kRampUp };

  explicit DelayRateControl(int64_t start_bps) : rate_bps_(start_bps) {}
  // `acked_bps`: the rate the receiver got lately (0 = not known yet).
  Change Update(LinkUsage usage, int64_t acked_bps, int64_t rtt_us, int64_t now_us);
  int64_t rate_bps() const { return rate_bps_; }
  void set_rate_bps(int64_t bps) { rate_bps_ = bps; }

 private:
  enum class State { kHold, kIncrease, kDecrease };
  void NoteCongestionRate(double acked_kbps);
  bool NearCongestionRate(double acked_kbps);

  int64_t rate_bps_;
  State state_ = State::kIncrease;
  int64_t last_update_us_ = -1;
  int64_t last_decrease_us_ = -1;
  int64_t increasing_since_us_ = -1;
  // Running mean and variance of the rates congestion was seen at (kbps).
  double congestion_kbps_ = -1;
  double congestion_var_ = 0.4;
};

}  // namespace engine
