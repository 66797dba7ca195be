// Turns the delay trend into a verdict (draft-ietf-rmcat-gcc §5.4): the
// trend, scaled by how many deltas it rests on, is compared with a threshold
// that adapts to it (slowly up, faster down), so a path whose delay always
// wobbles does not look congested while a standing queue still does, and
// competing loss-based flows do not starve us.
#pragma once

#include <cstdint>

namespace engine {

enum class LinkUsage { kNormal, kOver, kUnder };

class OveruseDetector {
 public:
  // `slope`: DelayTrend's (ms per ms); `num_deltas` its point count.
  LinkUsage Detect(double slope, int num_deltas, int64_t now_us);
  double threshold_ms() const { return threshold_ms_; }
  LinkUsage usage() const { return usage_; }

 private:
  void AdaptThreshold(double modified, int64_t now_us);

  double threshold_ms_ = 12.5;
  double previous_slope_ = 0;
  int64_t overuse_since_us_ = -1;
  int overuse_count_ = 0;
  int64_t last_update_us_ = -1;
  LinkUsage usage_ = LinkUsage::kNormal;
};

}  // namespace engine
