#include "engine/degradation_ladder.h"

#include <algorithm>

namespace engine {
namespace {

// A rung as fractions of the full picture: size scale, framerate scale.
struct Step {
  uint32_t size_num, size_den, fps_num, fps_den;
};
// Sizes by quarters (3/4, 1/2, ...: 1280x720 -> 960x540 -> 640x360 ->
// 480x270 -> 320x180), framerates by thirds and halves (30 -> 20 -> 15 ->
// 10).
constexpr Step kMaintainFramerate[] = {
    {1, 1, 1, 1}, {3, 4, 1, 1}, {1, 2, 1, 1}, {3, 8, 1, 1}, {1, 4, 1, 1}};
constexpr Step kMaintainResolution[] = {{1, 1, 1, 1}, {1, 1, 2, 3}, {1, 1, 1, 2}, {1, 1, 1, 3}};
constexpr Step kBalanced[] = {{1, 1, 1, 1}, {3, 4, 1, 1}, {3, 4, 2, 3}, {1, 2, 2, 3},
                              {1, 2, 1, 2}, {3, 8, 1, 2}, {1, 4, 1, 2}};
// Smallest picture and framerate the ladder steps to.
constexpr uint32_t kMinHeight = 90;
constexpr uint32_t kMinFramerate = 5;

uint32_t Even(uint32_t v) { return std::max<uint32_t>(16, v & ~1u); }

template <size_t N>
std::vector<Picture> Build(const Step (&steps)[N], Picture full) {
  std::vector<Picture> out;
  for (const Step& s : steps) {
    Picture p{Even(full.width * s.size_num / s.size_den),
              Even(full.height * s.size_num / s.size_den),
              std::max<uint32_t>(1, full.framerate * s.fps_num / s.fps_den)};
    const bool smaller = p.height < full.height || p.framerate < full.framerate;
    if (smaller && (p.height < kMinHeight || p.framerate < kMinFramerate)) break;
    if (!out.empty() && out.back() == p) continue;
    out.push_back(p);
  }
  return out;
}

}  // namespace

const char* DegradationName(Degradation d) {
  switch (d) {
    case Degradation::kBalanced:
      return "balanced";
    case Degradation::kMaintainFramerate:
      return "maintain_framerate";
    case Degradation::kMaintainResolution:
      return "maintain_resolution";
  }
  return "balanced";
}

bool ParseDegradation(std::string_view name, Degradation* out) {
  for (Degradation d : {Degradation::kBalanced, Degradation::kMaintainFramerate,
                        Degradation::kMaintainResolution}) {
    if (name == DegradationName(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

DegradationLadder::DegradationLadder(Degradation preference, Picture full, int64_t ceiling_bps) {
  Reset(preference, full, ceiling_bps);
}

void DegradationLadder::Reset(Degradation preference, Picture full, int64_t ceiling_bps) {
  switch (preference) {
    case Degradation::kBalanced:
      rungs_ = Build(kBalanced, full);
      break;
    case Degradation::kMaintainFramerate:
      rungs_ = Build(kMaintainFramerate, full);
      break;
    case Degradation::kMaintainResolution:
      rungs_ = Build(kMaintainResolution, full);
      break;
  }
  if (rungs_.empty()) rungs_.push_back(full);
  rung_ = 0;
  changed_at_us_ = -1;
  short_since_us_ = -1;
  plenty_since_us_ = -1;
  SetCeiling(ceiling_bps);
}

void DegradationLadder::SetCeiling(int64_t ceiling_bps) {
  ceiling_bps_ = ceiling_bps;
  down_bpp_ = std::min(kDownBpp, kOperatorShare * BitsPerPixel(ceiling_bps, rungs_[0]));
}

double DegradationLadder::BitsPerPixel(int64_t target_bps, const Picture& p) {
  const double pixels_per_second = static_cast<double>(p.width) * p.height * p.framerate;
  return pixels_per_second > 0 ? static_cast<double>(target_bps) / pixels_per_second : 0;
}

size_t DegradationLadder::FirstRungWith(int64_t target_bps, double bpp) const {
  for (size_t i = 0; i < rungs_.size(); ++i) {
    if (BitsPerPixel(target_bps, rungs_[i]) >= bpp) return i;
  }
  return rungs_.size() - 1;
}

void DegradationLadder::Move(size_t rung, int64_t now_us) {
  rung_ = rung;
  changed_at_us_ = now_us;
  short_since_us_ = -1;
  plenty_since_us_ = -1;
}

const Picture& DegradationLadder::Update(int64_t target_bps, int64_t now_us, int64_t received_bps) {
  // The gate: a target at the ceiling is the operator's choice, not the link.
  const bool link_limits = target_bps < ceiling_bps_;
  const double scale = down_bpp_ / kDownBpp;
  const bool short_now =
      link_limits && rung_ + 1 < rungs_.size() && BitsPerPixel(target_bps, picture()) < down_bpp_;
  // Plenty: the link no longer limits (straight back to the top), or the
  // rung above gets kUpBpp.
  size_t up_to = rung_;
  if (rung_ > 0) {
    up_to = link_limits ? std::min(rung_, FirstRungWith(target_bps, kUpBpp * scale)) : 0;
  }
  short_since_us_ = short_now ? (short_since_us_ < 0 ? now_us : short_since_us_) : -1;
  plenty_since_us_ = up_to < rung_ ? (plenty_since_us_ < 0 ? now_us : plenty_since_us_) : -1;

  const bool quiet_for_down = changed_at_us_ < 0 || now_us - changed_at_us_ >= kDownAfterUs;
  if (short_now && now_us - short_since_us_ >= kDownHoldUs && quiet_for_down) {
    // Never above the ceiling: the operator's bitrate is the most it gets.
    const int64_t carried = std::min(std::max(target_bps, received_bps), ceiling_bps_);
    Move(std::max(rung_ + 1, FirstRungWith(carried, kFitBpp * scale)), now_us);
  } else if (up_to < rung_ && now_us - plenty_since_us_ >= kUpHoldUs &&
             (changed_at_us_ < 0 || now_us - changed_at_us_ >= kUpAfterUs)) {
    Move(up_to, now_us);
  }
  return picture();
}

}  // namespace engine
