// When a viewer's congestion-control target cannot carry the operator's
// picture size and framerate well, step down to a smaller size and/or a lower
// framerate, and back up when the target allows, with hysteresis: a pure
// class (target and clock in, the picture to encode out), no GStreamer.
//
// "Well" is bits per pixel per frame, bpp = target / (width x height x fps):
// below kDownBpp the encoder has to quantise so hard that the picture falls
// apart (blocking, smearing), so a smaller or slower picture at the same
// bitrate looks better; a step up needs kUpBpp on the rung above (well over
// kDownBpp, so a step up is never undone by the next reading), and a quiet
// time since the last change (kUpAfterUs) because every resize costs a
// keyframe. Thresholds are for H264-class codecs (x264 at 720p30 looks fine
// from about 0.06 bpp); VP9 and H265 need less, so for them the ladder errs
// on the side of keeping detail.
//
// The operator chooses what to give up (WebRTC's RTCDegradationPreference):
// MAINTAIN_FRAMERATE steps the size down, MAINTAIN_RESOLUTION the
// framerate, BALANCED both in turn (the default, what a browser does).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace engine {

enum class Degradation { kBalanced, kMaintainFramerate, kMaintainResolution };
// "balanced", "maintain_framerate", "maintain_resolution"
const char* DegradationName(Degradation d);
bool ParseDegradation(std::string_view name, Degradation* out);

struct Picture {
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t framerate = 0;
  bool operator==(const Picture& o) const {
    return width == o.width && height == o.height && framerate == o.framerate;
  }
  bool operator!=(const Picture& o) const { return !(*this == o); }
};

class DegradationLadder {
 public:
  static constexpr double kDownBpp = 0.05;
  static constexpr double kUpBpp = 0.08;
  static constexpr int64_t kDownAfterUs = 1000000;  // since the last change
  static constexpr int64_t kUpAfterUs = 4000000;

  // `full`: the operator's picture, the top rung.
  DegradationLadder(Degradation preference, Picture full);

  // The picture for `target_bps` at `now_us` (the caller's clock); changes
  // at most one rung per call.
  const Picture& Update(int64_t target_bps, int64_t now_us);
  // New operator settings: back to the top rung of the new ladder.
  void Reset(Degradation preference, Picture full);

  const Picture& picture() const { return rungs_[rung_]; }
  size_t rung() const { return rung_; }
  size_t rungs() const { return rungs_.size(); }
  // Why the picture is what it is: "" at the top rung, else "bitrate".
  const char* reason() const { return rung_ == 0 ? "" : "bitrate"; }

  static double BitsPerPixel(int64_t target_bps, const Picture& p);

 private:
  std::vector<Picture> rungs_;
  size_t rung_ = 0;
  int64_t changed_at_us_ = -1;
};

}  // namespace engine
