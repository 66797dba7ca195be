// The stats hub's fan-out under concurrency, for ThreadSanitizer
// (tests/tsan): several publishing threads (one per stream, like the engine's
// stats timers plus the link threads' state events), many subscribers, some
// coming and going all along, subscribers that drain their queue on a thread
// of their own (what StatsWriter does with gRPC's threads), and a shutdown in
// the middle of publishing. Loops are bounded; waits are condition variables.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "control/stats_hub.h"

namespace control {
namespace {

using namespace std::chrono_literals;
using streamcontrol::v1::StreamStats;
constexpr auto kSubscribed = StatsHub::SubscribeResult::kSubscribed;
constexpr auto kNoThrottle = std::chrono::milliseconds(0);

StreamStats Event(const std::string& stream_id, int64_t seq) {
  StreamStats s;
  s.set_stream_id(stream_id);
  s.set_timestamp_unix_ms(seq);
  return s;
}

std::string StreamName(int i) { return "s" + std::to_string(i); }

// Counts what it is handed; Deliver may run on several publishing threads at
// once, so everything is under its own lock. Records protocol violations
// instead of asserting from inside the hub.
class CountingSubscriber : public StatsHub::Subscriber {
 public:
  void Deliver(const SamplePtr& sample) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (gone_ || closed_) ++violations_;
    const StreamStats& m = sample->message();
    int64_t& last = last_seq_[m.stream_id()];
    // One publisher per stream hands out its events in order.
    if (m.timestamp_unix_ms() <= last) ++violations_;
    last = m.timestamp_unix_ms();
    ++received_[m.stream_id()];
    ++total_;
    cv_.notify_all();
  }
  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++closes_;
    closed_ = true;
  }
  // Unsubscribe returned: any later Deliver is a violation.
  void MarkGone() {
    std::lock_guard<std::mutex> lock(mu_);
    gone_ = true;
  }
  bool WaitTotal(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return total_ >= n; });
  }
  int received(const std::string& stream_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return received_[stream_id];
  }
  int total() {
    std::lock_guard<std::mutex> lock(mu_);
    return total_;
  }
  int violations() {
    std::lock_guard<std::mutex> lock(mu_);
    return violations_;
  }
  int closes() {
    std::lock_guard<std::mutex> lock(mu_);
    return closes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int64_t> last_seq_;
  std::map<std::string, int> received_;
  int total_ = 0;
  int violations_ = 0;
  int closes_ = 0;
  bool gone_ = false;
  bool closed_ = false;
};

TEST(StatsHubConcurrencyTest, ManyPublishersFanOutToSteadyAndChurningSubscribers) {
  constexpr int kPublishers = 4;
  constexpr int kEvents = 400;
  constexpr int kChurners = 2;
  constexpr int kChurnRounds = 100;
  StatsHub hub(/*max_subscribers=*/64);

  // Steady: half watch every stream, half one stream each.
  std::vector<std::unique_ptr<CountingSubscriber>> all, single;
  for (int i = 0; i < 8; ++i) {
    all.push_back(std::make_unique<CountingSubscriber>());
    single.push_back(std::make_unique<CountingSubscriber>());
    ASSERT_EQ(kSubscribed, hub.Subscribe(all.back().get(), "", kNoThrottle));
    ASSERT_EQ(kSubscribed,
              hub.Subscribe(single.back().get(), StreamName(i % kPublishers), kNoThrottle));
  }

  std::atomic<int> churn_violations{0};
  std::atomic<int> churned{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kChurners; ++c) {
    threads.emplace_back([&, c] {
      for (int round = 0; round < kChurnRounds; ++round) {
        CountingSubscriber sub;
        const std::string filter = round % 2 ? "" : StreamName((c + round) % kPublishers);
        if (hub.Subscribe(&sub, filter, kNoThrottle) != kSubscribed) {
          ++churn_violations;
          continue;
        }
        std::this_thread::yield();
        hub.Unsubscribe(&sub);
        sub.MarkGone();
        churn_violations += sub.violations();
        ++churned;
      }  // `sub` is destroyed here: the hub must not touch it any more
    });
  }
  for (int p = 0; p < kPublishers; ++p) {
    threads.emplace_back([&, p] {
      for (int seq = 1; seq <= kEvents; ++seq) hub.PublishEvent(Event(StreamName(p), seq));
    });
  }
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(churned.load(), kChurners * kChurnRounds);
  EXPECT_EQ(churn_violations.load(), 0);
  EXPECT_EQ(hub.subscriber_count(), 16u);
  for (auto& sub : all) {
    EXPECT_EQ(sub->total(), kPublishers * kEvents);
    for (int p = 0; p < kPublishers; ++p) EXPECT_EQ(sub->received(StreamName(p)), kEvents);
    EXPECT_EQ(sub->violations(), 0);
  }
  for (auto& sub : single) {
    EXPECT_EQ(sub->total(), kEvents);
    EXPECT_EQ(sub->violations(), 0);
  }
  for (auto& sub : all) hub.Unsubscribe(sub.get());
  for (auto& sub : single) hub.Unsubscribe(sub.get());
  EXPECT_EQ(hub.subscriber_count(), 0u);
}

// Like StatsWriter without gRPC: Deliver queues into a bounded SampleQueue
// under the subscriber's lock, and a thread of its own pops the samples and
// turns them into the bytes a client would read (PublishedSample serializes
// once, on whichever thread gets there first).
class DrainingSubscriber : public StatsHub::Subscriber {
 public:
  DrainingSubscriber() : drainer_([this] { Drain(); }) {}
  ~DrainingSubscriber() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    drainer_.join();
  }

  void Deliver(const SamplePtr& sample) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.Push(sample);
      ++delivered_;
    }
    cv_.notify_all();
  }
  void Close() override {}

  // Waits until the queue is empty; returns what was written and dropped.
  void WaitDrained(uint64_t* written, uint64_t* dropped, uint64_t* delivered) {
    std::unique_lock<std::mutex> lock(mu_);
    drained_.wait_for(lock, 10s, [&] { return queue_.empty() && !writing_; });
    *written = written_;
    *dropped = queue_.dropped();
    *delivered = delivered_;
  }
  int errors() {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }

 private:
  void Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      SamplePtr sample;
      uint64_t dropped = 0;
      if (!queue_.Pop(&sample, &dropped)) return;  // stop_ and nothing left
      writing_ = true;
      lock.unlock();
      // Outside the lock, as a gRPC write would be.
      StreamStats read = Read(sample->ForSubscriber(dropped));
      const bool ok = read.stream_id() == sample->message().stream_id() &&
                      read.timestamp_unix_ms() == sample->message().timestamp_unix_ms() &&
                      read.dropped_samples() == dropped;
      lock.lock();
      writing_ = false;
      ++written_;
      if (!ok) ++errors_;
      if (queue_.empty()) drained_.notify_all();
    }
  }

  static StreamStats Read(const grpc::ByteBuffer& buffer) {
    std::vector<grpc::Slice> slices;
    StreamStats out;
    if (!buffer.Dump(&slices).ok()) return out;
    std::string wire;
    for (const auto& slice : slices) {
      wire.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    out.ParseFromString(wire);
    return out;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable drained_;
  SampleQueue queue_{8};  // small: drops happen
  uint64_t delivered_ = 0;
  uint64_t written_ = 0;
  int errors_ = 0;
  bool writing_ = false;
  bool stop_ = false;
  std::thread drainer_;  // last: starts once the rest is built
};

TEST(StatsHubConcurrencyTest, SubscribersDrainingOnTheirOwnThreadsGetEverySampleOrCountIt) {
  constexpr int kPublishers = 3;
  constexpr int kEvents = 300;
  StatsHub hub;
  std::vector<std::unique_ptr<DrainingSubscriber>> subs;
  for (int i = 0; i < 6; ++i) {
    subs.push_back(std::make_unique<DrainingSubscriber>());
    ASSERT_EQ(kSubscribed, hub.Subscribe(subs.back().get(), "", kNoThrottle));
  }
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      for (int seq = 1; seq <= kEvents; ++seq) hub.PublishEvent(Event(StreamName(p), seq));
    });
  }
  for (std::thread& t : publishers) t.join();
  for (auto& sub : subs) {
    uint64_t written = 0, dropped = 0, delivered = 0;
    sub->WaitDrained(&written, &dropped, &delivered);
    EXPECT_EQ(delivered, uint64_t{kPublishers * kEvents});
    EXPECT_EQ(written + dropped, delivered);  // nothing lost without being counted
    EXPECT_GT(written, 0u);
    EXPECT_EQ(sub->errors(), 0);
    hub.Unsubscribe(sub.get());
  }
}

TEST(StatsHubConcurrencyTest, ShutdownInTheMiddleOfPublishingClosesEachSubscriberOnce) {
  constexpr int kPublishers = 3;
  constexpr int kMaxEvents = 5000;
  StatsHub hub;
  std::vector<std::unique_ptr<CountingSubscriber>> subs;
  for (int i = 0; i < 8; ++i) {
    subs.push_back(std::make_unique<CountingSubscriber>());
    ASSERT_EQ(kSubscribed, hub.Subscribe(subs.back().get(), "", kNoThrottle));
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      for (int seq = 1; seq <= kMaxEvents && !stop.load(); ++seq) {
        hub.PublishEvent(Event(StreamName(p), seq));
      }
    });
  }
  ASSERT_TRUE(subs[0]->WaitTotal(100));  // publishing is under way
  hub.Shutdown();
  std::vector<int> at_shutdown;
  for (auto& sub : subs) at_shutdown.push_back(sub->total());
  CountingSubscriber late;
  EXPECT_EQ(hub.Subscribe(&late, "", kNoThrottle), StatsHub::SubscribeResult::kClosed);
  stop = true;
  for (std::thread& t : publishers) t.join();

  EXPECT_EQ(hub.subscriber_count(), 0u);
  for (size_t i = 0; i < subs.size(); ++i) {
    EXPECT_EQ(subs[i]->closes(), 1);
    EXPECT_EQ(subs[i]->violations(), 0);  // nothing after Close
    EXPECT_EQ(subs[i]->total(), at_shutdown[i]);
    EXPECT_GE(subs[i]->total(), 1);
  }
}

TEST(StatsHubConcurrencyTest, TheCapHoldsWhenManyThreadsSubscribeAtOnce) {
  constexpr size_t kCap = 10;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5;
  StatsHub hub(kCap);
  std::vector<CountingSubscriber> subs(kThreads * kPerThread);
  std::atomic<int> subscribed{0}, full{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto result = hub.Subscribe(&subs[t * kPerThread + i], "", kNoThrottle);
        if (result == kSubscribed) ++subscribed;
        if (result == StatsHub::SubscribeResult::kFull) ++full;
        hub.PublishEvent(Event(StreamName(t), i + 1));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(subscribed.load(), static_cast<int>(kCap));
  EXPECT_EQ(full.load(), kThreads * kPerThread - static_cast<int>(kCap));
  EXPECT_EQ(hub.subscriber_count(), kCap);
  threads.clear();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) hub.Unsubscribe(&subs[t * kPerThread + i]);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(hub.subscriber_count(), 0u);
}

}  // namespace
}  // namespace control
