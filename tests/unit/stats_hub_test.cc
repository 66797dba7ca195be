#include "control/stats_hub.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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
  std::vector<SamplePtr> shared;
  bool closed = false;
  void Deliver(const SamplePtr& s) override {
    got.push_back(s->message());
    shared.push_back(s);
  }
  void Close() override { closed = true; }
};

// What a WatchStats client reads: the subscriber's bytes parsed back.
StreamStats Parse(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string wire;
  for (const auto& slice : slices) {
    wire.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  StreamStats out;
  EXPECT_TRUE(out.ParseFromString(wire));
  return out;
}

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

// Every subscriber of one publish shares one sample object, hence one set
// of wire bytes, and those bytes parse back to the message.
TEST(StatsHubTest, EverySubscriberGetsTheSameSerializedSample) {
  StatsHub hub;
  std::vector<Collector> subscribers(50);
  for (auto& c : subscribers) {
    ASSERT_EQ(kSubscribed, hub.Subscribe(&c, "", std::chrono::milliseconds(0)));
  }
  StreamStats sample = Sample("a", 42);
  sample.set_send_bitrate_kbps(1234.5);
  sample.add_viewers()->set_session_id("v1");
  hub.PublishSample(sample);
  const grpc::Slice& first = subscribers[0].shared.at(0)->bytes();
  for (auto& c : subscribers) {
    ASSERT_EQ(c.shared.size(), 1u);
    EXPECT_EQ(c.shared[0].get(), subscribers[0].shared[0].get()) << "one sample for all";
    EXPECT_EQ(c.shared[0]->bytes().begin(), first.begin()) << "one serialization for all";
    StreamStats read = Parse(c.shared[0]->ForSubscriber(0));
    EXPECT_EQ(read.SerializeAsString(), sample.SerializeAsString());
  }
  for (auto& c : subscribers) hub.Unsubscribe(&c);
}

// A subscriber that missed samples reads dropped_samples set, the rest of
// the message unchanged.
TEST(PublishedSampleTest, DroppedSamplesRideAfterTheSharedBytes) {
  StreamStats sample = Sample("cam", 7);
  sample.set_bytes_sent(99999);
  PublishedSample published(sample);
  StreamStats read = Parse(published.ForSubscriber(29));
  EXPECT_EQ(read.dropped_samples(), 29u);
  read.clear_dropped_samples();
  EXPECT_EQ(read.SerializeAsString(), sample.SerializeAsString());
  EXPECT_EQ(Parse(published.ForSubscriber(0)).dropped_samples(), 0u);
}

TEST(SampleQueueTest, DropsOldestAndReportsDrops) {
  SampleQueue q(2);
  auto push = [&](int64_t ts) { q.Push(std::make_shared<const PublishedSample>(Sample("a", ts))); };
  push(1);
  push(2);
  push(3);  // drops ts=1
  SamplePtr out;
  uint64_t dropped = 0;
  ASSERT_TRUE(q.Pop(&out, &dropped));
  EXPECT_EQ(out->message().timestamp_unix_ms(), 2);
  EXPECT_EQ(dropped, 1u);
  ASSERT_TRUE(q.Pop(&out, &dropped));
  EXPECT_EQ(out->message().timestamp_unix_ms(), 3);
  EXPECT_FALSE(q.Pop(&out, &dropped));
}

}  // namespace
}  // namespace control
