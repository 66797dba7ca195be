#include "feed_state_log.h"

namespace testing_support {

void FeedStateLog::OnFeedState(const engine::FeedSnapshot& snapshot) {
  std::lock_guard<std::mutex> lock(mu_);
  states_.push_back(snapshot);
  cv_.notify_all();
}

bool FeedStateLog::WaitForState(engine::FeedState state, size_t from,
                                std::chrono::milliseconds timeout, engine::FeedSnapshot* seen) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    for (size_t i = from; i < states_.size(); ++i) {
      if (states_[i].state == state) {
        if (seen) *seen = states_[i];
        return true;
      }
    }
    return false;
  });
}

bool FeedStateLog::Saw(engine::FeedState state) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& s : states_) {
    if (s.state == state) return true;
  }
  return false;
}

size_t FeedStateLog::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return states_.size();
}

}  // namespace testing_support
