// The loss-based sending rate (draft-ietf-rmcat-gcc §6): evaluated every
// 200 ms over at least 20 packets; above 10 % loss the rate shrinks by half
// the loss, below 2 % it grows 5 %, in between (the random loss of a radio
// link) it holds: such loss says nothing about our rate.
//
// A decrease waits 300 ms + the round-trip time after the last one (as
// libwebrtc's SendSideBandwidthEstimation does): the packets reported lost
// meanwhile were mostly sent before that decrease could act, so counting
// them again compounds one overflow into several cuts. Measured on the
// bottleneck lab (4 -> 0.8 Mbit/s): without it one drop cut the target five
// times in a second, 814 -> 213 kbps, and it took ~10 s to climb back to
// the link. Nor does a decrease go below half of what the viewer acked
// lately: through an overflowing queue the link still delivers its rate.
#pragma once

#include <cstdint>
#include <optional>

namespace engine {

class LossRateControl {
 public:
  explicit LossRateControl(int64_t start_bps) : rate_bps_(start_bps) {}
  void Count(int received, int lost);
  enum class Change { kNone, kDecrease, kIncrease };
  // `target_bps`: the rate sent now, which a decrease starts from;
  // `acked_bps`: what the viewer received lately (0: unknown).
  Change Update(int64_t target_bps, int64_t max_bps, int64_t acked_bps, int64_t rtt_us,
                int64_t now_us);
  int64_t rate_bps() const { return rate_bps_; }
  void set_rate_bps(int64_t bps) { rate_bps_ = bps; }
  // Lost share of the last evaluated window (0 before the first).
  double loss_fraction() const { return loss_fraction_; }

 private:
  int64_t rate_bps_;
  int received_ = 0;
  int lost_ = 0;
  int64_t last_update_us_ = -1;
  int64_t last_decrease_us_ = -1;
  double loss_fraction_ = 0;
};

}  // namespace engine
