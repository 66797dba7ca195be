#include "engine/viewer_ladder.h"

namespace engine {
namespace {

int64_t CeilingBps(const Quality& q) { return static_cast<int64_t>(q.CeilingKbps()) * 1000; }

Degradation PreferenceOf(const Quality& q) {
  return q.degradation.value_or(Degradation::kBalanced);
}

}  // namespace

Picture PictureOf(const Quality& quality) {
  return Picture{quality.width.value_or(0), quality.height.value_or(0),
                 quality.framerate.value_or(0)};
}

ViewerLadder::ViewerLadder(const Quality& operator_quality)
    : operator_(operator_quality),
      ladder_(PreferenceOf(operator_quality), PictureOf(operator_quality),
              CeilingBps(operator_quality)) {}

bool ViewerLadder::SetOperatorQuality(const Quality& next,
                                      std::chrono::system_clock::time_point now) {
  const bool reset = PictureOf(next) != PictureOf(operator_) ||
                     PreferenceOf(next) != PreferenceOf(operator_) ||
                     next.adaptive != operator_.adaptive;
  operator_ = next;
  if (!reset) {
    ladder_.SetCeiling(CeilingBps(next));
    return false;
  }
  const bool was_down = ladder_.rung() != 0;
  ladder_.Reset(PreferenceOf(next), PictureOf(next), CeilingBps(next));
  // The operator's own picture replacing a step-down is a change of the
  // picture's reason too.
  if (was_down) changed_at_ = now;
  return was_down;
}

bool ViewerLadder::Update(int64_t target_bps, int64_t received_bps, int64_t now_us,
                          std::chrono::system_clock::time_point now) {
  const Picture before = ladder_.picture();
  if (ladder_.Update(target_bps, now_us, received_bps) == before) return false;
  changed_at_ = now;
  return true;
}

Quality ViewerLadder::Over(const Quality& quality) const {
  Quality out = quality;
  const Picture& p = ladder_.picture();
  out.width = p.width;
  out.height = p.height;
  out.framerate = p.framerate;
  return out;
}

}  // namespace engine
