#include "control/stats_hub.h"

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
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.erase(subscriber);
}

void StatsHub::PublishSample(const streamcontrol::v1::StreamStats& sample) {
  Publish(sample, /*is_event=*/false);
}

void StatsHub::PublishEvent(const streamcontrol::v1::StreamStats& event) {
  Publish(event, /*is_event=*/true);
}

void StatsHub::Publish(const streamcontrol::v1::StreamStats& sample, bool is_event) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [subscriber, sub] : subscribers_) {
    if (!sub.stream_id.empty() && sub.stream_id != sample.stream_id()) continue;
    if (!is_event) {
      auto last = sub.last_sent.find(sample.stream_id());
      // 10 % slack: ticks jitter around the interval they are meant to hit.
      if (last != sub.last_sent.end() && now - last->second < sub.interval * 9 / 10) continue;
      sub.last_sent[sample.stream_id()] = now;
    }
    subscriber->Deliver(sample);
  }
}

void StatsHub::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  for (auto& [subscriber, sub] : subscribers_) subscriber->Close();
  subscribers_.clear();
}

size_t StatsHub::subscriber_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return subscribers_.size();
}

void SampleQueue::Push(streamcontrol::v1::StreamStats sample) {
  if (queue_.size() >= capacity_) {
    queue_.pop_front();
    ++dropped_;
  }
  queue_.push_back(std::move(sample));
}

bool SampleQueue::Pop(streamcontrol::v1::StreamStats* out) {
  if (queue_.empty()) return false;
  *out = std::move(queue_.front());
  queue_.pop_front();
  out->set_dropped_samples(dropped_);
  return true;
}

}  // namespace control
