// The delay-based half of congestion detection (draft-ietf-rmcat-gcc §5.3,
// with a trendline in place of the draft's Kalman filter, as libwebrtc does):
// packets sent within a short burst form a group; between two groups the
// one-way delay changed by (arrival gap - send gap); that change is
// accumulated, smoothed, and the slope of a least-squares line through the
// last points says whether the bottleneck queue is growing (positive),
// draining (negative) or steady.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "engine/packet_report.h"

namespace engine {

class DelayTrend {
 public:
  // Packets whose send times are this close belong to one group (a frame's
  // burst); the draft's burst_time.
  static constexpr int64_t kBurstUs = 5000;
  // An arrival gap this far off its send gap is not queueing but a clock jump
  // (the receiver's 24-bit reference time wrapped, a restart): start over.
  static constexpr int64_t kClockJumpUs = 3000000;
  static constexpr size_t kWindow = 20;

  // Feeds one received packet (in send order). Returns the new trend each
  // time a group completes; nothing otherwise.
  struct Sample {
    double slope;        // of the smoothed delay: ms of delay gained per ms
    double delay_ms;     // the smoothed accumulated delay change
    int64_t arrival_us;  // of the completed group
    int num_deltas;      // groups compared so far (bounded), for the gain
  };
  std::optional<Sample> Add(const PacketReport& packet);
  void Reset();

 private:
  struct Group {
    int64_t first_send_us = 0;
    int64_t last_send_us = 0;
    int64_t last_arrival_us = 0;
    bool empty = true;
  };
  std::optional<Sample> Compare(const Group& previous, const Group& current);

  Group previous_;
  Group current_;
  double accumulated_ms_ = 0;
  double smoothed_ms_ = 0;
  int num_deltas_ = 0;
  std::optional<int64_t> first_arrival_us_;
  std::deque<std::pair<double, double>> points_;  // (arrival ms, smoothed delay ms)
};

}  // namespace engine
