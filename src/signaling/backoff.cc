#include "signaling/backoff.h"

#include <algorithm>
#include <cmath>

namespace signaling {

using std::chrono::milliseconds;

Backoff::Backoff(milliseconds initial, milliseconds max, std::uint64_t seed)
    : initial_(std::max(initial, milliseconds(1))),
      max_(std::max(max, initial_)),
      nominal_(initial_),
      rng_(seed) {}

milliseconds Backoff::Next() {
  const milliseconds delay = Jittered(nominal_);
  // Double without overflowing: once past half the cap, go to the cap.
  nominal_ = nominal_ > max_ / 2 ? max_ : nominal_ * 2;
  return delay;
}

milliseconds Backoff::NextAtCap() {
  nominal_ = max_;
  return Jittered(max_);
}

void Backoff::Reset() { nominal_ = initial_; }

milliseconds Backoff::Jittered(milliseconds nominal) {
  std::uniform_real_distribution<double> factor(1.0 - kJitter, 1.0 + kJitter);
  const double ms = static_cast<double>(nominal.count()) * factor(rng_);
  return milliseconds(std::max<std::int64_t>(1, std::llround(ms)));
}

}  // namespace signaling
