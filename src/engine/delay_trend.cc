#include "engine/delay_trend.h"

#include <algorithm>
#include <cstdlib>

namespace engine {
namespace {
// Smoothing of the accumulated delay before the regression (libwebrtc and
// the draft's implementations use values around 0.9).
constexpr double kSmoothing = 0.9;
constexpr int kMaxDeltas = 60;
}  // namespace

void DelayTrend::Reset() {
  previous_ = Group{};
  current_ = Group{};
  accumulated_ms_ = 0;
  smoothed_ms_ = 0;
  num_deltas_ = 0;
  first_arrival_us_.reset();
  points_.clear();
}

std::optional<DelayTrend::Sample> DelayTrend::Add(const PacketReport& packet) {
  if (packet.lost) return std::nullopt;
  if (current_.empty) {
    current_ = Group{packet.send_us, packet.send_us, packet.arrival_us, false};
    return std::nullopt;
  }
  // Reordered on the way: a packet sent before the group being built tells
  // nothing about the queue now.
  if (packet.send_us < current_.first_send_us) return std::nullopt;
  if (packet.send_us - current_.first_send_us <= kBurstUs) {
    current_.last_send_us = std::max(current_.last_send_us, packet.send_us);
    current_.last_arrival_us = std::max(current_.last_arrival_us, packet.arrival_us);
    return std::nullopt;
  }
  std::optional<Sample> out;
  if (!previous_.empty) out = Compare(previous_, current_);
  previous_ = current_;
  current_ = Group{packet.send_us, packet.send_us, packet.arrival_us, false};
  return out;
}

std::optional<DelayTrend::Sample> DelayTrend::Compare(const Group& previous, const Group& current) {
  const int64_t send_gap = current.last_send_us - previous.last_send_us;
  const int64_t arrival_gap = current.last_arrival_us - previous.last_arrival_us;
  if (std::llabs(arrival_gap - send_gap) > kClockJumpUs) {
    Group keep = current;
    Reset();
    previous_ = keep;  // the new reference; Add() moves it on
    current_ = Group{};
    return std::nullopt;
  }
  num_deltas_ = std::min(num_deltas_ + 1, kMaxDeltas);
  accumulated_ms_ += static_cast<double>(arrival_gap - send_gap) / 1000.0;
  smoothed_ms_ = kSmoothing * smoothed_ms_ + (1 - kSmoothing) * accumulated_ms_;
  if (!first_arrival_us_) first_arrival_us_ = current.last_arrival_us;
  const double x = static_cast<double>(current.last_arrival_us - *first_arrival_us_) / 1e3;
  points_.emplace_back(x, smoothed_ms_);
  if (points_.size() > kWindow) points_.pop_front();

  double trend = 0;
  if (points_.size() >= 2) {
    double mean_x = 0, mean_y = 0;
    for (const auto& [px, py] : points_) {
      mean_x += px;
      mean_y += py;
    }
    mean_x /= points_.size();
    mean_y /= points_.size();
    double num = 0, den = 0;
    for (const auto& [px, py] : points_) {
      num += (px - mean_x) * (py - mean_y);
      den += (px - mean_x) * (px - mean_x);
    }
    if (den > 0) trend = num / den;
  }
  return Sample{trend, smoothed_ms_, current.last_arrival_us, num_deltas_};
}

}  // namespace engine
