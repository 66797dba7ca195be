// When a viewer's congestion-control target cannot carry the operator's
// picture size and framerate well, step down to a smaller size and/or a lower
// framerate, and back up when the target allows, with hysteresis: a pure
// class (target and clock in, the picture to encode out), no GStreamer.
//
// "Well" is bits per pixel per frame, bpp = target / (width x height x fps):
// below kDownBpp the encoder has to quantise so hard that the picture falls
// apart (blocking, smearing), so a smaller or slower picture at the same
// bitrate looks better; a step up needs kUpBpp on the rung above (well over
// kDownBpp, so a step up is never undone by the next reading). Thresholds
// are for H264-class codecs (x264 at 720p30 looks fine from about 0.06 bpp);
// VP9 and H265 need less, so for them the ladder errs on the side of keeping
// detail. An operator whose own picture has fewer bits per pixel than that
// (300 kbps at 720p: a still scene, a deliberate choice) moves the lines
// down with it: the ladder judges against what the operator accepted.
//
// The gate: the ladder only ever leaves the top rung when the link is what
// limits, i.e. the target is below the operator's ceiling; a target at the
// ceiling means the operator's own bitrate decides, and the picture is the
// operator's (an operator who asks for 300 kbps at 720p gets 720p).
//
// Every resize costs the viewer a keyframe (a burst on what is by then a
// narrow link), so steps are few and late: a step down waits until the
// shortage has lasted kDownHoldUs (and kDownAfterUs since the last change)
// and then goes straight to the rung that carries, with room (kFitBpp), the
// higher of the target and the rate the viewer received lately, not one
// rung at a time: right after a link drops, the estimator's target dives
// far under the link while the queue drains (measured on the lab: 2500 ->
// 300 kbps for ~5 s on an 800 kbit/s link, then a slow climb back), but the
// viewer still receives what the link carries; landing on the dive's picture
// means a picture too small for the target a few seconds later, an encoder
// that cannot fill its target (no queue, so the target overshoots the link)
// and another keyframe on the way up. A step up waits kUpHoldUs of plenty
// and kUpAfterUs since the last change.
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
  // Where a step down lands: the first rung with this much (between the
  // two lines, so a dip or a rise of the target does not move it again).
  static constexpr double kFitBpp = 0.065;
  // The operator's own bpp times this, if lower, replaces kDownBpp (and the
  // other lines scale with it).
  static constexpr double kOperatorShare = 0.75;
  static constexpr int64_t kDownHoldUs = 1500000;  // shortage lasting this long
  // Since the last change: the estimator climbs back from its dive after a
  // drop in ~10 s (lab), and a second step meanwhile costs a keyframe for a
  // picture the link no longer needs a few seconds later.
  static constexpr int64_t kDownAfterUs = 10000000;
  static constexpr int64_t kUpHoldUs = 2000000;   // plenty lasting this long
  static constexpr int64_t kUpAfterUs = 5000000;  // since the last change

  // `full`: the operator's picture, the top rung; `ceiling_bps`: the
  // operator's bitrate ceiling (the gate).
  DegradationLadder(Degradation preference, Picture full, int64_t ceiling_bps);

  // The picture for `target_bps` at `now_us` (the caller's clock);
  // `received_bps`: what the viewer received lately (0: unknown), which
  // only chooses where a step down lands.
  const Picture& Update(int64_t target_bps, int64_t now_us, int64_t received_bps = 0);
  // New operator picture or preference: back to the top rung of the new
  // ladder.
  void Reset(Degradation preference, Picture full, int64_t ceiling_bps);
  // A new ceiling alone keeps the rung (the next Update judges it).
  void SetCeiling(int64_t ceiling_bps);

  const Picture& picture() const { return rungs_[rung_]; }
  size_t rung() const { return rung_; }
  size_t rungs() const { return rungs_.size(); }
  // Why the picture is what it is: "" at the top rung, else "bandwidth"
  // (WebRTC's qualityLimitationReason for the same thing).
  const char* reason() const { return rung_ == 0 ? "" : "bandwidth"; }
  // The step-down line in force (kDownBpp, or lower for a frugal operator).
  double down_bpp() const { return down_bpp_; }

  static double BitsPerPixel(int64_t target_bps, const Picture& p);

 private:
  // The first rung (from the top) whose bpp at `target_bps` is `bpp` or
  // more; the last rung if none.
  size_t FirstRungWith(int64_t target_bps, double bpp) const;
  void Move(size_t rung, int64_t now_us);

  std::vector<Picture> rungs_;
  size_t rung_ = 0;
  int64_t ceiling_bps_ = 0;
  double down_bpp_ = kDownBpp;
  int64_t changed_at_us_ = -1;
  int64_t short_since_us_ = -1;   // target too low for the rung since
  int64_t plenty_since_us_ = -1;  // target enough for a rung above since
};

}  // namespace engine
