// One adaptive viewer's degradation ladder (engine/degradation_ladder.h) in
// terms of the operator's Quality: which operator changes start a new ladder,
// the gate's ceiling, and the picture laid over the quality in force. Pure
// (no GStreamer), so the session's glue (viewer_session_congestion.cc) stays
// a few calls.
#pragma once

#include <chrono>
#include <cstdint>

#include "engine/degradation_ladder.h"
#include "engine/quality.h"

namespace engine {

// The size and framerate of a complete quality.
Picture PictureOf(const Quality& quality);

class ViewerLadder {
 public:
  // `operator_quality`: complete (the session's quality).
  explicit ViewerLadder(const Quality& operator_quality);

  // The operator's new quality (complete). A new size, framerate,
  // degradation or adaptive setting starts the new ladder at its top rung; a
  // new ceiling alone keeps the rung. True when the picture changed (a
  // step-down picture gave way to the operator's).
  bool SetOperatorQuality(const Quality& next, std::chrono::system_clock::time_point now);
  // The congestion target and the rate the viewer received lately (the
  // estimator's acked rate) at `now_us`; true when the picture changed.
  bool Update(int64_t target_bps, int64_t received_bps, int64_t now_us,
              std::chrono::system_clock::time_point now);
  // `quality` with the ladder's size and framerate.
  Quality Over(const Quality& quality) const;

  const Picture& picture() const { return ladder_.picture(); }
  const char* reason() const { return ladder_.reason(); }
  // When the picture last changed (zero: never).
  std::chrono::system_clock::time_point changed_at() const { return changed_at_; }
  const DegradationLadder& ladder() const { return ladder_; }

 private:
  Quality operator_;
  DegradationLadder ladder_;
  std::chrono::system_clock::time_point changed_at_{};
};

}  // namespace engine
