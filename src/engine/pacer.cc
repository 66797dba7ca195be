#include "engine/pacer.h"

#include <algorithm>

namespace engine {
namespace {

constexpr int64_t kMicros = 1000000;
constexpr int64_t kInputWindowUs = 1000000;
// The drain rate's horizon never shrinks below this: a queue already past
// its bound leaves within a millisecond, not at an infinite rate.
constexpr int64_t kMinDrainUs = 1000;
// Idle time credited at most (bounds the arithmetic; the burst cap bounds
// the credit anyway).
constexpr int64_t kMaxElapsedUs = 10 * kMicros;

}  // namespace

Pacer::Pacer(PacerConfig config) : config_(config) {}

void Pacer::SetTargetRate(int64_t bps) { target_bps_ = std::max<int64_t>(0, bps); }

void Pacer::Enqueue(uint32_t size, int64_t now_us) {
  // Credit earned while waiting is counted at the rate before this packet
  // changed the queue.
  Refill(now_us);
  queue_.emplace_back(now_us, size);
  queued_bytes_ += size;
  input_.emplace_back(now_us, size);
  input_bytes_ += size;
}

int64_t Pacer::NextSendUs(int64_t now_us) {
  if (queue_.empty()) return -1;
  Refill(now_us);
  if (credit_ >= 0) return now_us;
  const int64_t rate = PacingRateBps(now_us);
  // credit_ is in bits x 1e6: the debt is repaid after debt / rate us.
  return now_us + (-credit_ + rate - 1) / rate;
}

uint32_t Pacer::Dequeue(int64_t now_us) {
  if (queue_.empty()) return 0;
  Refill(now_us);
  const uint32_t size = queue_.front().second;
  queue_.pop_front();
  queued_bytes_ -= size;
  credit_ -= static_cast<int64_t>(size) * 8 * kMicros;
  return size;
}

int64_t Pacer::QueueDelayUs(int64_t now_us) const {
  return queue_.empty() ? 0 : std::max<int64_t>(0, now_us - queue_.front().first);
}

int64_t Pacer::InputRateBps(int64_t now_us) const {
  ForgetOldInput(now_us);
  return input_bytes_ * 8 * kMicros / kInputWindowUs;
}

int64_t Pacer::BaseRateBps(int64_t now_us) const {
  const int64_t input = InputRateBps(now_us);
  const int64_t rate = target_bps_ > 0
                           ? std::max(static_cast<int64_t>(config_.factor * target_bps_), input)
                           : static_cast<int64_t>(config_.factor * input);
  return std::max(config_.min_rate_bps, rate);
}

int64_t Pacer::PacingRateBps(int64_t now_us) const {
  const int64_t base = BaseRateBps(now_us);
  if (queue_.empty()) return base;
  // Everything queued leaves before the oldest packet's deadline.
  const int64_t left = std::max(kMinDrainUs, config_.max_queue_us - QueueDelayUs(now_us));
  return std::max(base, queued_bytes_ * 8 * kMicros / left);
}

void Pacer::Refill(int64_t now_us) {
  const int64_t rate = PacingRateBps(now_us);
  const int64_t cap = rate * config_.burst_us;
  if (credit_at_us_ < 0) {
    credit_ = cap;  // a new pacer is idle
  } else if (now_us > credit_at_us_) {
    credit_ += rate * std::min(now_us - credit_at_us_, kMaxElapsedUs);
  }
  credit_ = std::min(credit_, cap);
  credit_at_us_ = std::max(credit_at_us_, now_us);
}

void Pacer::ForgetOldInput(int64_t now_us) const {
  while (!input_.empty() && input_.front().first <= now_us - kInputWindowUs) {
    input_bytes_ -= input_.front().second;
    input_.pop_front();
  }
}

}  // namespace engine
