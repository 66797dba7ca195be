// When each packet of one viewer may leave (issue 13, "Pacing"): a pure
// class, sizes and a clock in, release times out; no GStreamer, no threads
// (engine/pacer_element.h is the glue).
//
// An encoder hands a whole frame to the socket at once: a 720p keyframe is
// tens of kilobytes at line speed, which a bottleneck's finite queue drops
// even when the average rate fits. The pacer spreads it at
//   pacing rate = max(factor x target, input)
// where input is what entered over the last second (libwebrtc paces at
// 2.5 x its target; the input term keeps an encoder's overshoot from piling
// up), or factor x input without a target (a pass-through stream, whose rate
// nobody sets).
// A token bucket: credit grows at the pacing rate up to a small burst
// (kBurstUs of it, so a lone packet or the first of a frame never waits), a
// packet may leave while the credit is positive and leaves it in debt by its
// size. An idle pacer delays nothing; a burst leaves at the pacing rate.
//
// The queue is bounded by time, not by dropping: when its oldest packet
// would wait longer than `max_queue_us`, the rate rises until the whole
// queue leaves before that packet's deadline (libwebrtc's queue time limit).
// Dropping RTP here would break the picture until the next keyframe (and
// NACK would ask for the packets again); the excess goes to the link, where
// it was going without a pacer, and the queue delay is counted in the
// encoder's target (pacer pushback, engine/viewer_session_pacer.cc) so the
// queue does not come back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

namespace engine {

struct PacerConfig {
  double factor = 2.5;            // pacing rate / target rate
  int64_t max_queue_us = 400000;  // the oldest packet's longest wait
  int64_t burst_us = 5000;        // credit an idle pacer keeps (at the pacing rate)
  int64_t min_rate_bps = 300000;  // never paced slower (a target of 0: not known)
};

class Pacer {
 public:
  explicit Pacer(PacerConfig config = {});

  // The encoder's target (bits per second); 0 = none: the input rate decides.
  void SetTargetRate(int64_t bps);
  // A packet of `size` bytes arrived at `now_us`; it waits behind the others.
  void Enqueue(uint32_t size, int64_t now_us);
  // When the oldest queued packet may leave (<= now_us: now); -1 when the
  // queue is empty.
  int64_t NextSendUs(int64_t now_us);
  // The oldest queued packet left at `now_us` (call only when NextSendUs
  // said it may). Returns its size.
  uint32_t Dequeue(int64_t now_us);

  bool empty() const { return queue_.empty(); }
  size_t packets() const { return queue_.size(); }
  int64_t queued_bytes() const { return queued_bytes_; }
  // How long the oldest queued packet has waited (0 when empty).
  int64_t QueueDelayUs(int64_t now_us) const;
  // The rate packets leave at now: max(factor x target, input) (no target:
  // factor x input), or more while the queue drains to meet its bound.
  int64_t PacingRateBps(int64_t now_us) const;
  // That rate without the drain.
  int64_t BaseRateBps(int64_t now_us) const;
  // What entered over the last second.
  int64_t InputRateBps(int64_t now_us) const;
  const PacerConfig& config() const { return config_; }
  // A new factor, bound or burst; the queue and credit stay.
  void set_config(const PacerConfig& config) { config_ = config; }
  int64_t target_bps() const { return target_bps_; }

 private:
  void Refill(int64_t now_us);
  void ForgetOldInput(int64_t now_us) const;

  PacerConfig config_;
  int64_t target_bps_ = 0;
  std::deque<std::pair<int64_t, uint32_t>> queue_;  // (arrival us, bytes)
  int64_t queued_bytes_ = 0;
  // Token bucket, in bits x 1e6 (bit-microseconds: rate_bps x elapsed_us
  // needs no division); may go negative (debt).
  int64_t credit_ = 0;
  int64_t credit_at_us_ = -1;  // last refill
  // Input over the last second, for the input term of the rate.
  mutable std::deque<std::pair<int64_t, uint32_t>> input_;
  mutable int64_t input_bytes_ = 0;
};

}  // namespace engine
