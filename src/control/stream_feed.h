// What the stream registry needs of a stream's media side, and the factory
// that makes it. Production: engine::Feed on the GStreamer thread
// (EngineFeedFactory, engine_feed.cc). The ThreadSanitizer tests give the
// registry a fake instead (tests/tsan/fake_feed.h), since GStreamer and GLib
// are not instrumented; everything else on the registry's path stays real.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/feed.h"
#include "signaling/feed_signals.h"
#include "signaling/publish_target.h"

namespace control {

// One stream's feed. Thread-safe, like engine::Feed.
class StreamFeed {
 public:
  virtual ~StreamFeed() = default;
  virtual engine::FeedSnapshot Snapshot() const = 0;
  // Never blocks: `done` is called once with the result, on the engine
  // thread or (a request refused up front) on the caller's before returning.
  virtual void SetQuality(const engine::Quality& changes, bool force_keyframe,
                          std::function<void(absl::StatusOr<engine::Quality>)> done) = 0;
  virtual absl::Status Disconnect(const std::string& session_id) = 0;
  virtual const engine::FeedConfig& config() const = 0;
  // No listener call after it returns.
  virtual void Shutdown() = 0;
  // The feed as an Ahoy link drives it, and as a WHIP publisher does; both
  // live as long as the StreamFeed.
  virtual signaling::FeedSignals* signals() = 0;
  virtual signaling::PublishTarget* publish_target() = 0;
};

class FeedFactory {
 public:
  virtual ~FeedFactory() = default;
  // `listener` must outlive the feed's callbacks (Shutdown() first).
  virtual absl::StatusOr<std::unique_ptr<StreamFeed>> Create(engine::FeedConfig config,
                                                             engine::Feed::Listener* listener) = 0;
};

// engine::Feed::Create on `engine`, with the link and WHIP adapters.
std::unique_ptr<FeedFactory> EngineFeedFactory(engine::Engine* engine);

}  // namespace control
