#include "control/stats_hub.h"

#include <gtest/gtest.h>

namespace control {
namespace {

using streamcontrol::v1::StreamStats;
constexpr auto kSubscribed = StatsHub::SubscribeResult::kSubscribed;

StreamStats Sample(const std::string& id, int64_t ts) {
  StreamStats s;
  s.set_stream_id(id);
  s.set_timestamp_unix_ms(ts);
  return s;
}

struct Collector : StatsHub::Subscriber {
  std::vector<StreamStats> got;
  bool closed = false;
  void Deliver(const StreamStats& s) override { got.push_back(s); }
  void Close() override { closed = true; }
};

TEST(StatsHubTest, FiltersByStreamAndFansOut) {
  StatsHub hub;
  Collector all, only_a;
  ASSERT_EQ(kSubscribed, hub.Subscribe(&all, "", std::chrono::milliseconds(0)));
  ASSERT_EQ(kSubscribed, hub.Subscribe(&only_a, "a", std::chrono::milliseconds(0)));
  hub.PublishSample(Sample("a", 1));
  hub.PublishSample(Sample("b", 2));
  EXPECT_EQ(all.got.size(), 2u);
  ASSERT_EQ(only_a.got.size(), 1u);
  EXPECT_EQ(only_a.got[0].stream_id(), "a");
  hub.Unsubscribe(&all);
  hub.PublishSample(Sample("a", 3));
  EXPECT_EQ(all.got.size(), 2u);
  hub.Unsubscribe(&only_a);
}

TEST(StatsHubTest, IntervalThrottlesSamplesButNeverEvents) {
  StatsHub hub;
  Collector slow;
  ASSERT_EQ(kSubscribed, hub.Subscribe(&slow, "", std::chrono::hours(1)));
  hub.PublishSample(Sample("a", 1));
  hub.PublishSample(Sample("a", 2));  // within the interval: skipped
  hub.PublishSample(Sample("b", 3));  // other stream: own clock
  hub.PublishEvent(Sample("a", 4));   // events always pass
  ASSERT_EQ(slow.got.size(), 3u);
  EXPECT_EQ(slow.got[1].stream_id(), "b");
  EXPECT_EQ(slow.got[2].timestamp_unix_ms(), 4);
  hub.Unsubscribe(&slow);
}

TEST(StatsHubTest, ShutdownClosesAndRefusesNewSubscribers) {
  StatsHub hub;
  Collector c;
  ASSERT_EQ(kSubscribed, hub.Subscribe(&c, "", std::chrono::milliseconds(0)));
  hub.Shutdown();
  EXPECT_TRUE(c.closed);
  EXPECT_EQ(hub.subscriber_count(), 0u);
  Collector late;
  EXPECT_EQ(StatsHub::SubscribeResult::kClosed,
            hub.Subscribe(&late, "", std::chrono::milliseconds(0)));
}

TEST(StatsHubTest, RefusesSubscribersBeyondTheCapUntilOneLeaves) {
  StatsHub hub(/*max_subscribers=*/2);
  Collector a, b, c;
  ASSERT_EQ(kSubscribed, hub.Subscribe(&a, "", std::chrono::milliseconds(0)));
  ASSERT_EQ(kSubscribed, hub.Subscribe(&b, "", std::chrono::milliseconds(0)));
  EXPECT_EQ(StatsHub::SubscribeResult::kFull, hub.Subscribe(&c, "", std::chrono::milliseconds(0)));
  hub.PublishSample(Sample("a", 1));
  EXPECT_TRUE(c.got.empty()) << "a refused subscriber must get nothing";
  hub.Unsubscribe(&a);
  EXPECT_EQ(kSubscribed, hub.Subscribe(&c, "", std::chrono::milliseconds(0)));
  hub.Unsubscribe(&b);
  hub.Unsubscribe(&c);
}

TEST(SampleQueueTest, DropsOldestAndReportsDrops) {
  SampleQueue q(2);
  q.Push(Sample("a", 1));
  q.Push(Sample("a", 2));
  q.Push(Sample("a", 3));  // drops ts=1
  StreamStats out;
  ASSERT_TRUE(q.Pop(&out));
  EXPECT_EQ(out.timestamp_unix_ms(), 2);
  EXPECT_EQ(out.dropped_samples(), 1u);
  ASSERT_TRUE(q.Pop(&out));
  EXPECT_EQ(out.timestamp_unix_ms(), 3);
  EXPECT_FALSE(q.Pop(&out));
}

}  // namespace
}  // namespace control
