#include "control/stats_hub.h"

#include <vector>

namespace control {

StatsHub::SubscribeResult StatsHub::Subscribe(Subscriber* subscriber, std::string stream_id,
                                              std::chrono::milliseconds interval) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return SubscribeResult::kClosed;
  if (subscribers_.size() >= max_subscribers_) return SubscribeResult::kFull;
  subscribers_[subscriber] = Subscription{std::move(stream_id), interval, {}};
  return SubscribeResult::kSubscribed;
}

void StatsHub::Unsubscribe(Subscriber* subscriber) {
  std::unique_lock<std::mutex> lock(mu_);
  subscribers_.erase(subscriber);
  // A Publish that picked it before the erase may still be handing it a
  // sample: wait until none is.
  delivered_.wait(lock, [&] { return delivering_ == 0; });
}

void StatsHub::PublishSample(const streamcontrol::v1::StreamStats& sample) {
  Publish(sample, /*is_event=*/false);
}

void StatsHub::PublishEvent(const streamcontrol::v1::StreamStats& event) {
  Publish(event, /*is_event=*/true);
}

void StatsHub::Publish(const streamcontrol::v1::StreamStats& message, bool is_event) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<Subscriber*> to;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [subscriber, sub] : subscribers_) {
      if (!sub.stream_id.empty() && sub.stream_id != message.stream_id()) continue;
      if (!is_event) {
        auto last = sub.last_sent.find(message.stream_id());
        // 10 % slack: ticks jitter around the interval they are meant to hit.
        if (last != sub.last_sent.end() && now - last->second < sub.interval * 9 / 10) continue;
        sub.last_sent[message.stream_id()] = now;
      }
      to.push_back(subscriber);
    }
    if (to.empty()) return;
    ++delivering_;
  }
  // Serialized at most once, by the first writer that sends it.
  auto sample = std::make_shared<const PublishedSample>(message);
  for (Subscriber* subscriber : to) subscriber->Deliver(sample);
  std::lock_guard<std::mutex> lock(mu_);
  if (--delivering_ == 0) delivered_.notify_all();
}

void StatsHub::Shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  closed_ = true;
  delivered_.wait(lock, [&] { return delivering_ == 0; });
  for (auto& [subscriber, sub] : subscribers_) subscriber->Close();
  subscribers_.clear();
}

size_t StatsHub::subscriber_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return subscribers_.size();
}

void SampleQueue::Push(SamplePtr sample) {
  if (queue_.size() >= capacity_) {
    queue_.pop_front();
    ++dropped_;
  }
  queue_.push_back(std::move(sample));
}

bool SampleQueue::Pop(SamplePtr* out, uint64_t* dropped) {
  if (queue_.empty()) return false;
  *out = std::move(queue_.front());
  queue_.pop_front();
  *dropped = dropped_;
  return true;
}

}  // namespace control
