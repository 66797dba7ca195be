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

DegradationLadder::DegradationLadder(Degradation preference, Picture full) {
  Reset(preference, full);
}

void DegradationLadder::Reset(Degradation preference, Picture full) {
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
}

double DegradationLadder::BitsPerPixel(int64_t target_bps, const Picture& p) {
  const double pixels_per_second = static_cast<double>(p.width) * p.height * p.framerate;
  return pixels_per_second > 0 ? static_cast<double>(target_bps) / pixels_per_second : 0;
}

const Picture& DegradationLadder::Update(int64_t target_bps, int64_t now_us) {
  const int64_t since = changed_at_us_ < 0 ? INT64_MAX : now_us - changed_at_us_;
  if (rung_ + 1 < rungs_.size() && BitsPerPixel(target_bps, rungs_[rung_]) < kDownBpp &&
      since >= kDownAfterUs) {
    ++rung_;
    changed_at_us_ = now_us;
  } else if (rung_ > 0 && BitsPerPixel(target_bps, rungs_[rung_ - 1]) >= kUpBpp &&
             since >= kUpAfterUs) {
    --rung_;
    changed_at_us_ = now_us;
  }
  return rungs_[rung_];
}

}  // namespace engine
