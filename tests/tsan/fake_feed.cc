#include "fake_feed.h"

#include <chrono>
#include <utility>

namespace control {

FakeFeed::FakeFeed(engine::FeedConfig config, engine::Feed::Listener* listener,
                   std::atomic<int>* shutdowns, std::function<void()> before_shutdown)
    : config_(std::move(config)),
      listener_(listener),
      shutdowns_(shutdowns),
      before_shutdown_(std::move(before_shutdown)) {
  snapshot_.quality = config_.quality;
  thread_ = std::thread([this] { Run(); });
}

FakeFeed::~FakeFeed() { Stop(); }

engine::FeedSnapshot FakeFeed::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

void FakeFeed::SetQuality(const engine::Quality& changes, bool /*force_keyframe*/,
                          std::function<void(absl::StatusOr<engine::Quality>)> done) {
  if (changes.bitrate_kbps && *changes.bitrate_kbps == 0) {
    done(absl::InvalidArgumentError("bitrate_kbps must be above 0"));
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back([this, changes, done = std::move(done)] {
    engine::Quality now;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (changes.bitrate_kbps) snapshot_.quality.bitrate_kbps = changes.bitrate_kbps;
      if (changes.framerate) snapshot_.quality.framerate = changes.framerate;
      state_changed_ = true;
      now = snapshot_.quality;
    }
    done(now);
  });
  wake_.notify_all();
}

absl::Status FakeFeed::Disconnect(const std::string& session_id) {
  return absl::NotFoundError("no viewer session " + session_id);
}

void FakeFeed::Shutdown() {
  if (before_shutdown_) before_shutdown_();
  ++*shutdowns_;
  Stop();
}

void FakeFeed::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    snapshot_.state = engine::FeedState::kStopped;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  RunPending();
}

void FakeFeed::RunPending() {
  std::vector<std::function<void()>> answers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    answers.swap(pending_);
  }
  for (auto& answer : answers) answer();
}

// A stats sample every millisecond, and a state event whenever something
// changed, until Shutdown(): like the engine's stats timer, but faster.
void FakeFeed::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (uint64_t tick = 1; !stop_; ++tick) {
    const bool event = std::exchange(state_changed_, false);
    engine::FeedSnapshot snapshot = snapshot_;
    lock.unlock();
    RunPending();
    if (event) listener_->OnFeedState(snapshot);
    engine::FeedStats stats;
    stats.timestamp = std::chrono::system_clock::now();
    stats.state = snapshot.state;
    stats.quality = snapshot.quality;
    stats.frames_encoded = tick;
    listener_->OnFeedStats(stats);
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(1),
                   [&] { return stop_ || state_changed_ || !pending_.empty(); });
  }
}

absl::StatusOr<std::unique_ptr<StreamFeed>> FakeFeedFactory::Create(
    engine::FeedConfig config, engine::Feed::Listener* listener) {
  if (config.name.rfind("bad", 0) == 0) {
    return absl::InvalidArgumentError("source_uri: the fake engine refuses " + config.name);
  }
  ++created_;
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook = shutdown_hook_;
  }
  return std::make_unique<FakeFeed>(std::move(config), listener, &shutdowns_, std::move(hook));
}

}  // namespace control
