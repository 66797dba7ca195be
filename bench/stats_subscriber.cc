#include "stats_subscriber.h"

#include <algorithm>

namespace bench {

namespace pb = streamcontrol::v1;

StatsSubscriber::StatsSubscriber(pb::StreamControl::Stub* stub, uint32_t interval_ms,
                                 std::function<void()> on_done)
    : on_done_(std::move(on_done)), last_(Clock::now()) {
  req_.set_interval_ms(interval_ms);
  stub->async()->WatchStats(&ctx_, &req_, this);
  StartRead(&msg_);
  StartCall();
}

void StatsSubscriber::OnReadDone(bool ok) {
  if (!ok) return;
  received_.fetch_add(1, std::memory_order_relaxed);
  dropped_.store(msg_.dropped_samples(), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = Clock::now();
    longest_ = std::max(longest_, now - last_);
    longest_window_ = std::max(longest_window_, now - last_);
    last_ = now;
  }
  StartRead(&msg_);
}

void StatsSubscriber::OnDone(const grpc::Status& status) {
  // Copied out first: once done_ is set the owner may destroy this object, so
  // nothing of it is touched after the lock is released.
  std::function<void()> notify = on_done_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    code_ = status.error_code();
    done_ = true;
    if (!ended_) ended_at_ = Clock::now();
    ended_ = true;
    cv_.notify_all();
  }
  if (notify) notify();
}

void StatsSubscriber::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ended_) ended_at_ = Clock::now();
    ended_ = true;
  }
  ctx_.TryCancel();
}

bool StatsSubscriber::WaitDone(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return done_; });
}

bool StatsSubscriber::done() {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

grpc::StatusCode StatsSubscriber::code() {
  std::lock_guard<std::mutex> lock(mu_);
  return code_;
}

// The gap still open: up to Cancel (or the end of a call the agent ended),
// or up to `now` for a live call.
std::chrono::milliseconds StatsSubscriber::OpenGapLocked(Clock::time_point now) const {
  const auto end = ended_ ? ended_at_ : now;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::max(end - last_, {}));
}

std::chrono::milliseconds StatsSubscriber::LongestGap(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(longest_),
                  OpenGapLocked(now));
}

std::chrono::milliseconds StatsSubscriber::TakeWindowGap(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto gap = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(longest_window_),
                      OpenGapLocked(now));
  longest_window_ = {};
  return gap;
}

}  // namespace bench
