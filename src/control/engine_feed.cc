// The production StreamFeed: an engine::Feed with its Ahoy and WHIP adapters.
#include "control/feed_publish_adapter.h"
#include "control/feed_signals_adapter.h"
#include "control/stream_feed.h"
#include "control/stream_registry.h"

namespace control {
namespace {

class EngineFeed final : public StreamFeed {
 public:
  explicit EngineFeed(std::shared_ptr<engine::Feed> feed)
      : feed_(std::move(feed)), signals_(feed_), publish_(feed_) {}

  engine::FeedSnapshot Snapshot() const override { return feed_->Snapshot(); }
  void SetQuality(const engine::Quality& changes, bool force_keyframe,
                  std::function<void(absl::StatusOr<engine::Quality>)> done) override {
    feed_->SetQualityAsync(changes, force_keyframe, std::move(done));
  }
  absl::Status Disconnect(const std::string& session_id) override {
    return feed_->Disconnect(session_id);
  }
  const engine::FeedConfig& config() const override { return feed_->config(); }
  void Shutdown() override { feed_->Shutdown(); }
  signaling::FeedSignals* signals() override { return &signals_; }
  signaling::PublishTarget* publish_target() override { return &publish_; }

 private:
  std::shared_ptr<engine::Feed> feed_;
  FeedSignalsAdapter signals_;
  FeedPublishAdapter publish_;
};

class EngineFeeds final : public FeedFactory {
 public:
  explicit EngineFeeds(engine::Engine* engine) : engine_(engine) {}
  absl::StatusOr<std::unique_ptr<StreamFeed>> Create(engine::FeedConfig config,
                                                     engine::Feed::Listener* listener) override {
    auto feed = engine::Feed::Create(engine_, std::move(config), listener);
    if (!feed.ok()) return feed.status();
    return std::make_unique<EngineFeed>(*std::move(feed));
  }

 private:
  engine::Engine* const engine_;
};

}  // namespace

std::unique_ptr<FeedFactory> EngineFeedFactory(engine::Engine* engine) {
  return std::make_unique<EngineFeeds>(engine);
}

// Here rather than in stream_registry.cc, so that the registry links without
// engine::Feed (the ThreadSanitizer tests give it a fake engine).
StreamRegistry::StreamRegistry(engine::Engine* engine, signaling::LinkPool* links, StatsHub* hub,
                               RegistryOptions options)
    : StreamRegistry(EngineFeedFactory(engine), links, hub, std::move(options)) {}

}  // namespace control
