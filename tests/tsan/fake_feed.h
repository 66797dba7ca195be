// The ThreadSanitizer tests' fake engine: a control::StreamFeed without
// GStreamer (GLib and GStreamer are not instrumented, so TSan could not see
// their locks). It behaves like engine::Feed where the registry can tell:
// its listener is called from a thread of its own (the "engine thread") with
// state events and stats samples until Shutdown(), SetQuality merges and
// validates, Disconnect knows no session, and the Ahoy link's requests are
// answered by a FakeSignals (offers answered from other threads).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ahoy_test_peers.h"
#include "control/stream_feed.h"

namespace control {

class FakeFeed final : public StreamFeed {
 public:
  // `shutdowns` counts the Shutdown() calls (not the destructor's stop);
  // `before_shutdown`, if set, runs first in Shutdown() (a test holds a Stop
  // there).
  FakeFeed(engine::FeedConfig config, engine::Feed::Listener* listener, std::atomic<int>* shutdowns,
           std::function<void()> before_shutdown);
  ~FakeFeed() override;

  engine::FeedSnapshot Snapshot() const override;
  void SetQuality(const engine::Quality& changes, bool force_keyframe,
                  std::function<void(absl::StatusOr<engine::Quality>)> done) override;
  absl::Status Disconnect(const std::string& session_id) override;
  const engine::FeedConfig& config() const override { return config_; }
  void Shutdown() override;
  signaling::FeedSignals* signals() override { return &signals_; }
  signaling::PublishTarget* publish_target() override { return &no_publish_; }

 private:
  // WHIP is not part of these tests: every publish fails at once.
  class NoPublish : public signaling::PublishTarget {
   public:
    void Publish(const std::string&, std::function<void(absl::StatusOr<std::string>)> done,
                 std::function<void(std::string)>) override {
      done(absl::UnavailableError("no WHIP in the fake engine"));
    }
    void SetAnswer(const std::string&, std::string,
                   std::function<void(absl::Status)> done) override {
      done(absl::UnavailableError("no WHIP in the fake engine"));
    }
    void Unpublish(const std::string&) override {}
  };

  void Run();  // the fake engine thread
  void Stop();
  void RunPending();

  const engine::FeedConfig config_;
  engine::Feed::Listener* const listener_;
  std::atomic<int>* const shutdowns_;
  const std::function<void()> before_shutdown_;
  signaling::FakeSignals signals_;
  NoPublish no_publish_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  engine::FeedSnapshot snapshot_;
  bool stop_ = false;
  bool state_changed_ = true;  // the first state event is due
  // SetQuality's answers, called on the fake engine thread like the real
  // engine's (or by Stop(), like the engine running what is left at exit).
  std::vector<std::function<void()>> pending_;
  std::thread thread_;
};

// Makes FakeFeeds; a stream id starting with "bad" is refused the way
// engine::Feed::Create refuses a bad source (INVALID_ARGUMENT).
class FakeFeedFactory final : public FeedFactory {
 public:
  absl::StatusOr<std::unique_ptr<StreamFeed>> Create(engine::FeedConfig config,
                                                     engine::Feed::Listener* listener) override;
  int created() const { return created_.load(); }
  // Feeds the registry shut down (a feed dropped without it would leak its
  // pipeline in the real engine).
  int shut_down() const { return shutdowns_.load(); }
  // Feeds created from now on run `hook` at the start of their Shutdown().
  void SetShutdownHook(std::function<void()> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_hook_ = std::move(hook);
  }

 private:
  std::atomic<int> created_{0};
  std::atomic<int> shutdowns_{0};
  std::mutex mu_;
  std::function<void()> shutdown_hook_;
};

}  // namespace control
