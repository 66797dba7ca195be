#include "fake_feed.h"

#include <chrono>
#include <utility>

namespace control {

FakeFeed::FakeFeed(engine::FeedConfig config, engine::Feed::Listener* listener,
                   std::atomic<int>* shutdowns)
    : config_(std::move(config)), listener_(listener), shutdowns_(shutdowns) {
  snapshot_.quality = config_.quality;
  thread_ = std::thread([this] { Run(); });
}

FakeFeed::~FakeFeed() { Stop(); }

engine::FeedSnapshot FakeFeed::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

absl::StatusOr<engine::Quality> FakeFeed::SetQuality(const engine::Quality& changes,
                                                     bool /*force_keyframe*/) {
  if (changes.bitrate_kbps && *changes.bitrate_kbps == 0) {
    return absl::InvalidArgumentError("bitrate_kbps must be above 0");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (changes.bitrate_kbps) snapshot_.quality.bitrate_kbps = changes.bitrate_kbps;
  if (changes.framerate) snapshot_.quality.framerate = changes.framerate;
  state_changed_ = true;
  wake_.notify_all();
  return snapshot_.quality;
}

absl::Status FakeFeed::Disconnect(const std::string& session_id) {
  return absl::NotFoundError("no viewer session " + session_id);
}

void FakeFeed::Shutdown() {
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
}

// A stats sample every millisecond, and a state event whenever something
// changed, until Shutdown(): like the engine's stats timer, but faster.
void FakeFeed::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (uint64_t tick = 1; !stop_; ++tick) {
    const bool event = std::exchange(state_changed_, false);
    engine::FeedSnapshot snapshot = snapshot_;
    lock.unlock();
    if (event) listener_->OnFeedState(snapshot);
    engine::FeedStats stats;
    stats.timestamp = std::chrono::system_clock::now();
    stats.state = snapshot.state;
    stats.quality = snapshot.quality;
    stats.frames_encoded = tick;
    listener_->OnFeedStats(stats);
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(1), [&] { return stop_ || state_changed_; });
  }
}

absl::StatusOr<std::unique_ptr<StreamFeed>> FakeFeedFactory::Create(
    engine::FeedConfig config, engine::Feed::Listener* listener) {
  if (config.name.rfind("bad", 0) == 0) {
    return absl::InvalidArgumentError("source_uri: the fake engine refuses " + config.name);
  }
  ++created_;
  return std::make_unique<FakeFeed>(std::move(config), listener, &shutdowns_);
}

}  // namespace control
