// Reconnect back-off for the Ahoy link (shared/ahoy-signaling.md):
// exponential from `initial`, doubling, capped at `max`, each delay jittered
// by +-20 %. After a 401/403 the cap applies at once. Pure and
// deterministic for a given seed; not thread-safe (one owner thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace signaling {

class Backoff {
 public:
  static constexpr double kJitter = 0.2;

  // `initial` is raised to at least 1 ms and `max` to at least `initial`.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          std::uint64_t seed = std::random_device{}());

  // The delay before the next attempt: the nominal delay
  // min(initial * 2^n, max) times a uniform factor in [0.8, 1.2]; then the
  // nominal delay doubles (up to the cap).
  std::chrono::milliseconds Next();
  // After 401/403: the nominal delay jumps to the cap and stays there until
  // Reset(); returns the jittered cap.
  std::chrono::milliseconds NextAtCap();
  // After a successful registration: start again from `initial`.
  void Reset();

  // The nominal (un-jittered) delay the next call to Next() will use.
  std::chrono::milliseconds nominal() const { return nominal_; }
  std::chrono::milliseconds initial() const { return initial_; }
  std::chrono::milliseconds max() const { return max_; }

 private:
  std::chrono::milliseconds Jittered(std::chrono::milliseconds nominal);

  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds nominal_;
  std::mt19937_64 rng_;
};

}  // namespace signaling
