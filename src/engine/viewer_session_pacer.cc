// The pacer of a ViewerSession (issue 13, "Pacing"): the gwapacer element
// between pay_capsfilter and webrtcbin (engine/pacer_element.h) gets the
// session's pacing factor and its target, and the queue it holds pushes the
// encoder's target back.
//
// Every session has one, after the fan-out: an own encoder, a shared
// encoder's frames or a camera's pass-through stream alike, since each
// viewer's path has its own bottleneck. Target: the estimator's (adaptive),
// else the encoder's bitrate in force; with coded input nobody sets the
// rate, and the pacer's input term (factor x what entered over the last
// second) decides.
#include <algorithm>

#include "engine/viewer_session.h"

namespace engine {
namespace {

// Pacer pushback (libwebrtc's experiment of that name): a queue longer than
// this means the encoder makes more than the path takes...
constexpr int64_t kPushbackFromUs = 50000;
// ...and the encoder's target shrinks by the queue's share of a second, to
// half at most (the estimator does the rest).
constexpr double kPushbackFloor = 0.5;

guint64 ReadUint64(GstElement* element, const char* property) {
  guint64 value = 0;
  g_object_get(element, property, &value, nullptr);
  return value;
}

}  // namespace

void ViewerSession::AttachPacer() {
  pacer_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "pacer"));
  if (!pacer_) return;  // an operator's pipeline without one
  g_object_set(pacer_.get(), "factor", std::max(0.0, config_.pacing_factor), nullptr);
  UpdatePacer();
}

int64_t ViewerSession::PacingTargetBps() const {
  if (adaptive()) return rate_->estimate().target_bps;
  if (encoder_ && in_force_.bitrate_kbps)
    return static_cast<int64_t>(*in_force_.bitrate_kbps) * 1000;
  return 0;
}

void ViewerSession::UpdatePacer() {
  if (!pacer_) return;
  const int64_t target = PacingTargetBps();
  if (target == pacer_target_bps_) return;
  pacer_target_bps_ = target;
  g_object_set(pacer_.get(), "target-bitrate", static_cast<guint64>(target), nullptr);
}

double ViewerSession::PacerPushback() const {
  if (!pacer_) return 1.0;
  const int64_t queue_us = static_cast<int64_t>(ReadUint64(pacer_.get(), "queue-delay"));
  if (queue_us <= kPushbackFromUs) return 1.0;
  return std::max(kPushbackFloor, 1.0 - static_cast<double>(queue_us) / 1e6);
}

PacerFigures ViewerSession::pacer_figures() const {
  PacerFigures out;
  if (!pacer_) return out;
  out.queue_delay_us = static_cast<int64_t>(ReadUint64(pacer_.get(), "queue-delay"));
  out.pacing_rate_bps = static_cast<int64_t>(ReadUint64(pacer_.get(), "pacing-rate"));
  out.packets_delayed = ReadUint64(pacer_.get(), "packets-delayed");
  return out;
}

}  // namespace engine
