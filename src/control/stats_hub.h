// Fans stats samples and state events out to WatchStats subscribers.
// Publish() never blocks on a subscriber: each has a bounded queue that
// drops its oldest sample when full and counts the drops. The number of
// subscribers is capped, since each costs a queue and a write per sample.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "streamcontrol/v1/streamcontrol.pb.h"

namespace control {

class StatsHub {
 public:
  // A subscriber's sink; Deliver is called with the hub's lock held and must
  // not block (the gRPC writer queues and returns).
  class Subscriber {
   public:
    virtual ~Subscriber() = default;
    virtual void Deliver(const streamcontrol::v1::StreamStats& sample) = 0;
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
  // After it returns, Deliver/Close are never called on `subscriber` again.
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
  bool closed_ = false;
  std::map<Subscriber*, Subscription> subscribers_;
};

// Per-subscriber bounded queue with drop-oldest and a drop counter; not
// thread-safe by itself (the writer guards it).
class SampleQueue {
 public:
  explicit SampleQueue(size_t capacity) : capacity_(capacity) {}
  void Push(streamcontrol::v1::StreamStats sample);
  // Pops the oldest sample and stamps it with the drops so far.
  bool Pop(streamcontrol::v1::StreamStats* out);
  bool empty() const { return queue_.empty(); }
  uint64_t dropped() const { return dropped_; }

 private:
  size_t capacity_;
  std::deque<streamcontrol::v1::StreamStats> queue_;
  uint64_t dropped_ = 0;
};

}  // namespace control
