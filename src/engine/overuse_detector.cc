#include "engine/overuse_detector.h"

#include <algorithm>
#include <cmath>

namespace engine {
namespace {
constexpr double kGain = 4.0;          // trend scaling (libwebrtc's threshold gain)
constexpr int kMaxDeltas = 60;         // the scaling stops growing here
constexpr int64_t kOveruseUs = 10000;  // over the threshold this long = overuse
constexpr double kUp = 0.0087;         // threshold adaptation per ms, rising
constexpr double kDown = 0.039;        // ... and falling (draft §5.4)
constexpr double kMinThresholdMs = 6;
constexpr double kMaxThresholdMs = 600;
// Outliers (a sudden delay spike) do not drag the threshold along.
constexpr double kMaxDeviationMs = 15;
}  // namespace

LinkUsage OveruseDetector::Detect(double slope, int num_deltas, int64_t now_us) {
  const double modified = slope * std::min(num_deltas, kMaxDeltas) * kGain;
  if (modified > threshold_ms_) {
    if (overuse_since_us_ < 0) overuse_since_us_ = now_us;
    ++overuse_count_;
    // Over for long enough, on more than one sample, and not already falling.
    if (now_us - overuse_since_us_ >= kOveruseUs && overuse_count_ > 1 &&
        slope >= previous_slope_) {
      usage_ = LinkUsage::kOver;
    }
  } else if (modified < -threshold_ms_) {
    overuse_since_us_ = -1;
    overuse_count_ = 0;
    usage_ = LinkUsage::kUnder;
  } else {
    overuse_since_us_ = -1;
    overuse_count_ = 0;
    usage_ = LinkUsage::kNormal;
  }
  previous_slope_ = slope;
  AdaptThreshold(modified, now_us);
  return usage_;
}

void OveruseDetector::AdaptThreshold(double modified, int64_t now_us) {
  if (last_update_us_ < 0) last_update_us_ = now_us;
  const double magnitude = std::fabs(modified);
  if (magnitude > threshold_ms_ + kMaxDeviationMs) {
    last_update_us_ = now_us;
    return;
  }
  const double k = magnitude < threshold_ms_ ? kDown : kUp;
  const double dt_ms =
      std::min<double>(static_cast<double>(now_us - last_update_us_) / 1000.0, 100);
  threshold_ms_ += k * (magnitude - threshold_ms_) * dt_ms;
  threshold_ms_ = std::clamp(threshold_ms_, kMinThresholdMs, kMaxThresholdMs);
  last_update_us_ = now_us;
}

}  // namespace engine
