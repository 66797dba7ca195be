// The stream registry under concurrency, for ThreadSanitizer (tests/tsan):
// the real StreamRegistry, LinkPool (Ahoy links to a real websocketpp
// director) and StatsHub, with the fake engine of fake_feed.h in place of
// engine::Feed. Several threads start, re-quality, read and stop streams at
// once, fight over one shared id, and start streams the engine refuses; two
// threads list all along; a hub subscriber sees every stream's events.
// Without gRPC: Debian's libgrpc is not instrumented, so TSan could not see
// the ordering its completion queues give (README "ThreadSanitizer").
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "busy_director.h"
#include "control/stats_hub.h"
#include "control/stream_registry.h"
#include "fake_feed.h"

namespace control {
namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;

// Remembers, per stream, whether a REGISTERED link event went by.
class LinkWatcher : public StatsHub::Subscriber {
 public:
  void Deliver(const SamplePtr& sample) override {
    const pb::StreamStats& m = sample->message();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++messages_[m.stream_id()];
      if (m.link_state() == pb::LINK_REGISTERED) registered_.insert(m.stream_id());
    }
    cv_.notify_all();
  }
  void Close() override {}
  bool WaitRegistered(const std::string& stream_id) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return registered_.count(stream_id) > 0; });
  }
  void Forget(const std::string& stream_id) {
    std::lock_guard<std::mutex> lock(mu_);
    registered_.erase(stream_id);
  }
  int messages(const std::string& stream_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_[stream_id];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> messages_;
  std::set<std::string> registered_;
};

// SetQuality answers on the fake engine thread; the worker waits for it.
absl::StatusOr<StreamInfo> SetQualityAndWait(StreamRegistry* registry, const std::string& id,
                                             const engine::Quality& changes) {
  // Shared: the answering thread may still be inside set_value() when get()
  // returns here.
  auto answer = std::make_shared<std::promise<absl::StatusOr<StreamInfo>>>();
  auto got = answer->get_future();
  registry->SetQuality(
      id, changes, /*force_keyframe=*/false,
      [answer](absl::StatusOr<StreamInfo> info) { answer->set_value(std::move(info)); });
  return got.get();
}

class RegistryConcurrencyTest : public ::testing::Test {
 protected:
  RegistryConcurrencyTest() {
    RegistryOptions options;
    options.default_director_url = director_.url();
    options.default_api_key = signaling::kKey;
    options.max_streams = 8;
    options.link_template.backoff_initial = 10ms;
    options.link_template.backoff_max = 40ms;
    auto feeds = std::make_unique<FakeFeedFactory>();
    feeds_ = feeds.get();
    registry_ = std::make_unique<StreamRegistry>(std::move(feeds), &links_, &hub_, options);
    EXPECT_EQ(hub_.Subscribe(&watcher_, "", 0ms), StatsHub::SubscribeResult::kSubscribed);
  }
  ~RegistryConcurrencyTest() override {
    registry_.reset();  // StopAll: every link closes, every fake engine thread ends
    hub_.Unsubscribe(&watcher_);
  }

  static StreamSpec Spec(const std::string& id) {
    StreamSpec spec;
    spec.stream_id = id;
    spec.source_uri = "rtsp://user:pw@127.0.0.1:1/cam";
    return spec;
  }

  signaling::BusyDirector director_;
  signaling::LinkPool links_;
  StatsHub hub_;
  LinkWatcher watcher_;
  FakeFeedFactory* feeds_ = nullptr;
  std::unique_ptr<StreamRegistry> registry_;
};

TEST_F(RegistryConcurrencyTest, StartsStopsAndReadsFromSeveralThreadsStayConsistent) {
  constexpr int kWorkers = 4;
  constexpr int kRounds = 8;
  std::atomic<bool> done{false};
  std::atomic<int> lists{0};
  std::atomic<int> bad_infos{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        for (const StreamInfo& info : registry_->List()) {
          // Only complete streams are listed, never the password.
          if (info.stream_id.empty() || info.encoder.empty() ||
              info.source_uri.find("pw") != std::string::npos) {
            ++bad_infos;
          }
        }
        ++lists;
        std::this_thread::yield();
      }
    });
  }

  std::atomic<int> shared_started{0}, shared_conflicts{0}, shared_unexpected{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      for (int round = 0; round < kRounds; ++round) {
        const std::string id = "cam-" + std::to_string(w) + "-" + std::to_string(round);
        auto started = registry_->Start(Spec(id));
        ASSERT_TRUE(started.ok()) << started.status();
        EXPECT_EQ(started->encoder, "x264");
        // The link registered with the director and the event reached the hub.
        EXPECT_TRUE(watcher_.WaitRegistered(id)) << id;

        engine::Quality changes;
        changes.bitrate_kbps = 1000 + round;
        auto changed = SetQualityAndWait(registry_.get(), id, changes);
        ASSERT_TRUE(changed.ok()) << changed.status();
        auto got = registry_->Get(id);
        ASSERT_TRUE(got.ok()) << got.status();
        EXPECT_EQ(got->feed.quality.bitrate_kbps, 1000u + round);
        EXPECT_EQ(registry_->Disconnect(id, "nobody").status().code(), absl::StatusCode::kNotFound);

        // Everyone wants the shared id at once: one start, the others refused.
        auto shared = registry_->Start(Spec("shared"));
        if (shared.ok()) {
          ++shared_started;
          EXPECT_TRUE(registry_->Stop("shared").ok());
        } else if (shared.status().code() == absl::StatusCode::kAlreadyExists ||
                   shared.status().code() == absl::StatusCode::kFailedPrecondition) {
          ++shared_conflicts;  // live, or still being stopped by its starter
        } else {
          ++shared_unexpected;
        }
        // The fake engine refuses this one: the id is released again.
        auto bad = registry_->Start(Spec("bad-" + std::to_string(w)));
        EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);

        auto stopped = registry_->Stop(id);
        ASSERT_TRUE(stopped.ok()) << stopped.status();
        EXPECT_EQ(stopped->feed.state, engine::FeedState::kStopped);
        EXPECT_EQ(stopped->link.state, signaling::LinkState::kClosed);
        EXPECT_EQ(SetQualityAndWait(registry_.get(), id, changes).status().code(),
                  absl::StatusCode::kFailedPrecondition);
      }
    });
  }
  for (std::thread& t : workers) t.join();
  done = true;
  for (std::thread& t : readers) t.join();

  EXPECT_EQ(bad_infos.load(), 0);
  EXPECT_GT(lists.load(), 0);
  EXPECT_GE(shared_started.load(), 1);
  EXPECT_EQ(shared_started.load() + shared_conflicts.load(), kWorkers * kRounds);
  EXPECT_EQ(shared_unexpected.load(), 0);
  // Every stream came to an end: only tombstones are left.
  for (const StreamInfo& info : registry_->List()) {
    EXPECT_EQ(info.feed.state, engine::FeedState::kStopped) << info.stream_id;
  }
  EXPECT_GT(watcher_.messages("cam-0-0"), 0);
  EXPECT_EQ(director_.bad_frames(), 0);
  EXPECT_EQ(feeds_->created(), kWorkers * kRounds + shared_started.load());
}

// While a Stop is shutting a stream down, every other call sees that state:
// before, the id looked never started (NOT_FOUND) and a Start of it raced the
// old stream's link and tombstone.
TEST_F(RegistryConcurrencyTest, AStreamBeingStoppedIsReportedAsStopping) {
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  feeds_->SetShutdownHook([&entered, released] {
    entered.set_value();
    released.wait();
  });
  ASSERT_TRUE(registry_->Start(Spec("held")).ok());
  feeds_->SetShutdownHook(nullptr);  // only the first "held" is held
  ASSERT_TRUE(watcher_.WaitRegistered("held"));
  auto stop = std::async(std::launch::async, [this] { return registry_->Stop("held"); });
  entered.get_future().wait();

  engine::Quality changes;
  changes.bitrate_kbps = 900;
  auto set = SetQualityAndWait(registry_.get(), "held", changes);
  EXPECT_EQ(set.status().code(), absl::StatusCode::kFailedPrecondition) << set.status();
  EXPECT_NE(set.status().message().find("stopping"), std::string::npos) << set.status();
  EXPECT_EQ(registry_->Stop("held").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(registry_->Disconnect("held", "s").status().code(),
            absl::StatusCode::kFailedPrecondition);
  StreamSpec again = Spec("held");
  again.feed_name = "other-feed";
  EXPECT_EQ(registry_->Start(again).status().code(), absl::StatusCode::kFailedPrecondition);
  // Its link may still hold the feed at the director.
  StreamSpec same_feed = Spec("newcomer");
  same_feed.feed_name = "held";
  EXPECT_EQ(registry_->Start(same_feed).status().code(), absl::StatusCode::kAlreadyExists);
  auto got = registry_->Get("held");
  ASSERT_TRUE(got.ok()) << got.status();
  int listed = 0;
  for (const StreamInfo& info : registry_->List()) listed += info.stream_id == "held";
  EXPECT_EQ(listed, 1);

  release.set_value();
  auto stopped = stop.get();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(stopped->feed.state, engine::FeedState::kStopped);
  EXPECT_EQ(SetQualityAndWait(registry_.get(), "held", changes).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Now the id is free again, and listed once, live.
  auto restarted = registry_->Start(again);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  listed = 0;
  for (const StreamInfo& info : registry_->List()) listed += info.stream_id == "held";
  EXPECT_EQ(listed, 1);
}

// Starts racing StopAll (what the agent's shutdown does while RPCs are still
// in flight): no feed is left running without having been shut down.
TEST_F(RegistryConcurrencyTest, StopAllWhileStreamsAreStarting) {
  constexpr int kWorkers = 3;
  std::vector<std::thread> workers;
  std::atomic<int> started{0};
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      for (int i = 0; i < 2; ++i) {
        if (registry_->Start(Spec("late-" + std::to_string(w) + "-" + std::to_string(i))).ok()) {
          ++started;
        }
      }
    });
  }
  registry_->StopAll();
  for (std::thread& t : workers) t.join();
  registry_->StopAll();  // the streams started after the first one
  EXPECT_TRUE(registry_->List().empty());
  EXPECT_EQ(feeds_->shut_down(), feeds_->created());
}

}  // namespace
}  // namespace control
