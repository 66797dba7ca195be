// Fans stats samples and state events out to WatchStats subscribers.
// Each sample is wrapped once (PublishedSample: serialized once, shared by
// every subscriber). Publishing never blocks on a subscriber: each has a
// bounded queue that drops its oldest sample when full and counts the drops,
// and the hub's lock is held only to pick the subscribers, never while they
// are handed the sample. The number of subscribers is capped, since each
// costs a queue and a write per sample.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "control/published_sample.h"
#include "streamcontrol/v1/streamcontrol.pb.h"

namespace control {

class StatsHub {
 public:
  // A subscriber's sink. Deliver must not block (a gRPC writer queues and
  // returns); it may run on any publishing thread, several at once.
  class Subscriber {
   public:
    virtual ~Subscriber() = default;
    virtual void Deliver(const SamplePtr& sample) = 0;
    // The hub is shutting down: finish the stream.
    virtual void Close() = 0;
  };

  enum class SubscribeResult { kSubscribed, kClosed, kFull };

  explicit StatsHub(size_t max_subscribers = 256) : max_subscribers_(max_subscribers) {}
  StatsHub(const StatsHub&) = delete;
  StatsHub& operator=(const StatsHub&) = delete;

  // Empty `stream_id` subscribes to every stream. Samples for one stream
  // closer together than `interval` are skipped; events always pass.
  // Does not subscribe once the hub is closed (kClosed) or while
  // `max_subscribers` are subscribed (kFull).
  SubscribeResult Subscribe(Subscriber* subscriber, std::string stream_id,
                            std::chrono::milliseconds interval);
  // After it returns, Deliver/Close are never called on `subscriber` again
  // (it waits for deliveries in progress). Not from inside Deliver.
  void Unsubscribe(Subscriber* subscriber);

  void PublishSample(const streamcontrol::v1::StreamStats& sample);
  void PublishEvent(const streamcontrol::v1::StreamStats& event);

  // Closes every subscriber and refuses new ones.
  void Shutdown();
  size_t subscriber_count() const;

 private:
  struct Subscription {
    std::string stream_id;
    std::chrono::milliseconds interval;
    std::map<std::string, std::chrono::steady_clock::time_point> last_sent;
  };
  void Publish(const streamcontrol::v1::StreamStats& sample, bool is_event);

  const size_t max_subscribers_;
  mutable std::mutex mu_;
  std::condition_variable delivered_;
  int delivering_ = 0;  // Publish calls handing out a sample right now
  bool closed_ = false;
  std::map<Subscriber*, Subscription> subscribers_;
};

// Per-subscriber bounded queue with drop-oldest and a drop counter; not
// thread-safe by itself (the writer guards it).
class SampleQueue {
 public:
  explicit SampleQueue(size_t capacity) : capacity_(capacity) {}
  void Push(SamplePtr sample);
  // Pops the oldest sample; `dropped` gets the drops so far.
  bool Pop(SamplePtr* out, uint64_t* dropped);
  bool empty() const { return queue_.empty(); }
  uint64_t dropped() const { return dropped_; }

 private:
  size_t capacity_;
  std::deque<SamplePtr> queue_;
  uint64_t dropped_ = 0;
};

}  // namespace control
