// How fast one viewer's path can carry media, from transport-wide congestion
// control feedback: a pure class (packet reports and a clock in, a target
// bitrate out), no GStreamer, no threads. Combines
//  - delay: DelayTrend -> OveruseDetector -> DelayRateControl (AIMD with a
//    ramp-up that recovers a widened link within seconds),
//  - loss: LossRateControl (only heavy loss lowers the rate),
// and keeps the result inside the operator's bounds. Feedback arrives a few
// to tens of times a second, so the target follows as often.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "engine/delay_rate_control.h"
#include "engine/delay_trend.h"
#include "engine/loss_rate_control.h"
#include "engine/overuse_detector.h"
#include "engine/packet_report.h"

namespace engine {

// Why the target last changed.
// kFeedbackTimeout: no feedback arrived for a while although media was
// flowing (see RateEstimator::OnTimer).
enum class AdaptReason { kNone, kDelay, kLoss, kProbe, kOperator, kFeedbackTimeout };
// "none", "delay", "loss", "probe", "operator", "feedback_timeout"
const char* AdaptReasonName(AdaptReason reason);

struct RateBounds {
  int64_t min_bps = 100000;
  int64_t max_bps = 2000000;
};

struct RateEstimate {
  int64_t target_bps = 0;       // what the encoder should send: min of the two, bounded
  int64_t delay_based_bps = 0;  // the delay controller's rate (the "estimate")
  int64_t loss_based_bps = 0;
  int64_t acked_bps = 0;     // what the receiver got over the last half second
  double loss_fraction = 0;  // of the last loss window
  int64_t rtt_us = 0;        // smoothed; 0 until known
  LinkUsage usage = LinkUsage::kNormal;
  AdaptReason reason = AdaptReason::kNone;  // of the last change of target_bps
  int64_t changed_at_us = -1;               // when it changed (the caller's clock)
};

class RateEstimator {
 public:
  // Starts at `start_bps` (clamped into the bounds): a new viewer gets what
  // the operator asked for until feedback says otherwise.
  RateEstimator(RateBounds bounds, int64_t start_bps);

  // Feedback for some packets (any order). `now_us` is the sender's clock,
  // the one PacketReport::send_us is on (for the round-trip time).
  const RateEstimate& OnFeedback(std::vector<PacketReport> packets, int64_t now_us);
  // New bounds from the operator; the target is clamped into them at once.
  const RateEstimate& SetBounds(RateBounds bounds, int64_t now_us);
  // Called a few times a second. Once feedback has been flowing, a silence of
  // kFeedbackTimeoutUs halves the target, and again for every further such
  // silence, down to the floor: feedback stops when the path is gone or so
  // congested that the receiver's reports drown too, and sending blind at
  // the old rate makes either worse (libwebrtc halves the same way).
  // `sending` false (nothing was sent since the last call: a source outage)
  // restarts the silence: no media, no feedback to expect.
  const RateEstimate& OnTimer(int64_t now_us, bool sending = true);
  static constexpr int64_t kFeedbackTimeoutUs = 1000000;
  const RateEstimate& estimate() const { return estimate_; }
  const RateBounds& bounds() const { return bounds_; }

 private:
  void UpdateAcked(const PacketReport& packet);
  void Publish(AdaptReason reason_if_changed, int64_t now_us);

  RateBounds bounds_;
  DelayTrend trend_;
  OveruseDetector detector_;
  DelayRateControl delay_;
  LossRateControl loss_;
  std::deque<std::pair<int64_t, uint32_t>> acked_;  // (arrival us, bytes)
  int64_t acked_bytes_ = 0;
  // Last feedback, or last timeout back-off (-1: no feedback yet).
  int64_t last_feedback_us_ = -1;
  RateEstimate estimate_;
};

}  // namespace engine
