// A Feed listener that records every state the feed reports, so tests can
// wait for a state (condition variable, no sleeps) and check what was seen.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "engine/feed.h"

namespace testing_support {

class FeedStateLog : public engine::Feed::Listener {
 public:
  void OnFeedState(const engine::FeedSnapshot& snapshot) override;
  void OnFeedStats(const engine::FeedStats&) override {}

  // Waits for `state` among the entries after the first `from`; copies the
  // entry into `seen`.
  bool WaitForState(engine::FeedState state, size_t from, std::chrono::milliseconds timeout,
                    engine::FeedSnapshot* seen = nullptr);
  // Whether `state` was reported at all.
  bool Saw(engine::FeedState state);
  size_t size();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<engine::FeedSnapshot> states_;
};

}  // namespace testing_support
