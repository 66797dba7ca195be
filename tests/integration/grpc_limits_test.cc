// Server limits against a real in-process agent: many WatchStats subscribers
// on one stream with one that stops reading, the --max-watchers cap, and the
// --max-message-bytes cap.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "control/agent_server.h"
#include "control/stats_writer.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;
// The agent stamps samples with the wall clock; arrivals are compared to it.
using Clock = std::chrono::system_clock;

constexpr int kReaders = 100;
constexpr auto kInterval = 200ms;
constexpr auto kWindow = 3s;

class GrpcLimitsTest : public ::testing::Test {
 protected:
  void StartAgent(size_t max_watchers, int max_message_bytes = 1 << 20,
                  std::chrono::milliseconds interval = kInterval) {
    control::AgentOptions options;
    options.grpc_listen = "127.0.0.1:0";
    options.max_watchers = max_watchers;
    options.max_message_bytes = max_message_bytes;
    // Feeds emit a sample every interval even with no viewer, so no director
    // or viewer is needed here; the Ahoy link just backs off.
    options.registry.stats_interval = interval;
    auto agent = control::AgentServer::Start(options);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = std::move(*agent);
    channel_ = grpc::CreateChannel(Target(), grpc::InsecureChannelCredentials());
    stub_ = pb::StreamControl::NewStub(channel_);
  }

  void TearDown() override {
    if (agent_) agent_->Shutdown(5s);
  }

  std::string Target() const { return "127.0.0.1:" + std::to_string(agent_->grpc_port()); }

  grpc::Status StartStream(const std::string& id, const std::string& source_uri = "test://ball") {
    pb::StartRequest req;
    req.set_stream_id(id);
    req.set_source_uri(source_uri);
    req.mutable_ahoy()->set_director_url("ws://127.0.0.1:9/feeds/");
    grpc::ClientContext ctx;
    pb::Stream out;
    return stub_->Start(&ctx, req, &out);
  }

  static pb::WatchStatsRequest Watch(const std::string& id,
                                     std::chrono::milliseconds interval = kInterval) {
    pb::WatchStatsRequest req;
    req.set_stream_id(id);
    req.set_interval_ms(static_cast<uint32_t>(interval.count()));
    return req;
  }

  std::unique_ptr<control::AgentServer> agent_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::StreamControl::Stub> stub_;
};

// A WatchStats call that is started and then never read: a raw async call
// on its own connection, with no Read ever posted. Its samples pile up in the
// HTTP/2 stream window (tens of KiB, more than 3 s of samples), and once that
// is full in the agent's per-subscriber queue, which drops its oldest; either
// way the hub never waits for it. `window_bytes` shrinks the HTTP/2 receive
// window the client grants, so the agent's writes stall after a few samples.
class StalledWatcher {
 public:
  StalledWatcher(const std::string& target, const pb::WatchStatsRequest& request,
                 int window_bytes = 0) {
    grpc::ChannelArguments args;
    // Its own connection (distinct arguments), and no window growth.
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    if (window_bytes > 0) args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, window_bytes);
    auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    stub_ = pb::StreamControl::NewStub(channel);
    call_ = stub_->PrepareAsyncWatchStats(&ctx_, request, &cq_);
    call_->StartCall(Tag(1));
    started_ = Next() == 1;
  }
  ~StalledWatcher() {
    ctx_.TryCancel();
    grpc::Status status;
    call_->Finish(&status, Tag(2));
    while (Next() != 2) {
    }
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }
  bool started() const { return started_; }

  // Resumes reading: the first sample that arrives, or false at the end.
  bool ReadOne(pb::StreamStats* out) {
    call_->Read(out, Tag(3));
    void* tag;
    bool ok = false;
    return cq_.Next(&tag, &ok) && ok;
  }

 private:
  static void* Tag(intptr_t n) { return reinterpret_cast<void*>(n); }
  intptr_t Next() {
    void* tag;
    bool ok;
    if (!cq_.Next(&tag, &ok)) return -1;
    return reinterpret_cast<intptr_t>(tag);
  }

  std::unique_ptr<pb::StreamControl::Stub> stub_;
  grpc::ClientContext ctx_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::ClientAsyncReader<pb::StreamStats>> call_;
  bool started_ = false;
};

int64_t UnixMs(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

struct Arrival {
  int64_t read_ms = 0;    // when this client read it
  int64_t server_ms = 0;  // the sample's own timestamp
  uint64_t dropped = 0;   // samples the agent dropped for this subscriber so far
};

TEST_F(GrpcLimitsTest, HundredReadersKeepTheirCadenceBesideAStalledOneAndTheCapHolds) {
  // 100 readers + 1 stalled subscriber exactly fill the cap.
  StartAgent(/*max_watchers=*/kReaders + 1);
  ASSERT_TRUE(StartStream("fan").ok());

  StalledWatcher stalled(Target(), Watch("fan"));
  ASSERT_TRUE(stalled.started());

  // Every reader waits at the gate until all have their first sample, so the
  // measured window starts with all 100 subscribed.
  std::mutex mu;
  std::condition_variable cv;
  int ready = 0;
  Clock::time_point window_start;
  bool window_open = false;
  std::vector<std::vector<Arrival>> arrivals(kReaders);
  std::vector<grpc::Status> endings(kReaders);
  std::vector<std::thread> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.emplace_back([&, i] {
      grpc::ClientContext ctx;
      auto reader = stub_->WatchStats(&ctx, Watch("fan"));
      pb::StreamStats sample;
      bool first = true;
      while (reader->Read(&sample)) {
        auto now = Clock::now();
        arrivals[i].push_back({UnixMs(now), sample.timestamp_unix_ms(), sample.dropped_samples()});
        if (first) {
          first = false;
          std::unique_lock<std::mutex> lock(mu);
          if (++ready == kReaders) {
            window_start = Clock::now();
            window_open = true;
            cv.notify_all();
          }
          // Bounded: a reader that never gets here fails the test below.
          cv.wait_for(lock, 60s, [&] { return window_open; });
          if (!window_open) break;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        if (now > window_start + kWindow + kInterval) break;
      }
      ctx.TryCancel();
      while (reader->Read(&sample)) {
      }
      endings[i] = reader->Finish();
    });
  }

  // While all 101 are subscribed, one more is refused.
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return window_open; }))
        << ready << " of " << kReaders << " readers got a first sample";
  }
  {
    grpc::ClientContext ctx;
    auto extra = stub_->WatchStats(&ctx, Watch("fan"));
    pb::StreamStats sample;
    EXPECT_FALSE(extra->Read(&sample));
    grpc::Status s = extra->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  }
  for (auto& t : readers) t.join();

  for (int i = 0; i < kReaders; ++i) {
    SCOPED_TRACE("reader " + std::to_string(i));
    EXPECT_EQ(endings[i].error_code(), grpc::StatusCode::CANCELLED) << endings[i].error_message();
    const int64_t from = UnixMs(window_start);
    const int64_t to = UnixMs(window_start + kWindow);
    size_t in_window = 0;
    int64_t slowest = 0;
    for (const Arrival& a : arrivals[i]) {
      if (a.server_ms < from || a.server_ms > to) continue;
      ++in_window;
      slowest = std::max(slowest, a.read_ms - a.server_ms);
    }
    // 15 intervals in the window; allow for the edges and timer jitter.
    EXPECT_GE(in_window, 13u);
    // Read soon after it was taken: the reader is not falling behind. Loose
    // bound: 100 threads share 2 busy cores.
    EXPECT_LE(slowest, 1000);
    // No interval without a sample: consecutive samples at most two
    // intervals apart by the agent's clock, over the whole run.
    int64_t widest_gap = 0;
    for (size_t k = 1; k < arrivals[i].size(); ++k) {
      widest_gap = std::max(widest_gap, arrivals[i][k].server_ms - arrivals[i][k - 1].server_ms);
    }
    EXPECT_LE(widest_gap, 2 * kInterval.count() + 50);
    // A reader that keeps up never loses a sample.
    EXPECT_TRUE(std::all_of(arrivals[i].begin(), arrivals[i].end(), [](const Arrival& a) {
      return a.dropped == 0;
    })) << "a reading subscriber had samples dropped";
  }

  // The stalled subscriber was kept, not cut off: it still delivers when read.
  pb::StreamStats late;
  ASSERT_TRUE(stalled.ReadOne(&late));
  EXPECT_EQ(late.stream_id(), "fan");
}

// The network-level stall: a subscriber whose HTTP/2 window is full has its
// writes pending in the agent, so its queue fills and drops the oldest
// samples, while a reading subscriber on the same stream misses nothing.
TEST_F(GrpcLimitsTest, StalledSubscriberLosesOldestSamplesAndIsToldHowMany) {
  constexpr auto kFast = 100ms;
  StartAgent(/*max_watchers=*/2, 1 << 20, kFast);
  ASSERT_TRUE(StartStream("slow").ok());
  StalledWatcher stalled(Target(), Watch("slow", kFast), /*window_bytes=*/1024);
  ASSERT_TRUE(stalled.started());

  // Enough intervals for the stalled window (a few samples) and the agent's
  // queue (control::StatsWriter::kQueueCapacity) to fill up twice over.
  const size_t kIntervals = 2 * control::StatsWriter::kQueueCapacity + 20;
  grpc::ClientContext ctx;
  auto reader = stub_->WatchStats(&ctx, Watch("slow", kFast));
  std::vector<pb::StreamStats> read;
  pb::StreamStats sample;
  while (read.size() < kIntervals && reader->Read(&sample)) read.push_back(sample);
  ctx.TryCancel();
  while (reader->Read(&sample)) {
  }
  reader->Finish();
  ASSERT_EQ(read.size(), kIntervals);
  for (size_t k = 0; k < read.size(); ++k) {
    EXPECT_EQ(read[k].dropped_samples(), 0u) << "the reading subscriber lost samples";
    if (k > 0) {
      EXPECT_LE(read[k].timestamp_unix_ms() - read[k - 1].timestamp_unix_ms(),
                2 * kFast.count() + 50)
          << "gap before sample " << k;
    }
  }

  // Now the stalled one reads: what sat in its window first, then its queue,
  // whose first sample carries the count of the samples dropped meanwhile.
  uint64_t dropped = 0;
  int reads = 0;
  int64_t previous_ms = 0;
  int64_t widest_gap_ms = 0;
  while (dropped == 0 && reads < 1000 && stalled.ReadOne(&sample)) {
    ++reads;
    dropped = sample.dropped_samples();
    if (previous_ms != 0) {
      widest_gap_ms = std::max(widest_gap_ms, sample.timestamp_unix_ms() - previous_ms);
    }
    previous_ms = sample.timestamp_unix_ms();
  }
  std::cout << "stalled subscriber: " << reads << " samples read after the stall, " << dropped
            << " reported dropped, widest gap " << widest_gap_ms << " ms\n";
  EXPECT_GT(dropped, 0u) << "no sample reported drops after " << reads << " reads";
  // The drop shows as a jump in time between the last sample the window held
  // and the oldest one the queue kept.
  EXPECT_GE(widest_gap_ms, static_cast<int64_t>(dropped) * kFast.count() / 2) << dropped;
  // Fewer samples were delivered than intervals passed: the agent did not
  // buffer without bound for a subscriber that does not read.
  EXPECT_LT(static_cast<size_t>(reads), kIntervals);
}

TEST_F(GrpcLimitsTest, WatcherCapRefusesTheNextOneWithResourceExhausted) {
  StartAgent(/*max_watchers=*/2);
  ASSERT_TRUE(StartStream("s").ok());
  grpc::ClientContext c1, c2;
  auto w1 = stub_->WatchStats(&c1, Watch("s"));
  auto w2 = stub_->WatchStats(&c2, Watch("s"));
  pb::StreamStats sample;
  ASSERT_TRUE(w1->Read(&sample));
  ASSERT_TRUE(w2->Read(&sample));

  grpc::ClientContext c3;
  auto w3 = stub_->WatchStats(&c3, pb::WatchStatsRequest());  // every stream: still counts
  EXPECT_FALSE(w3->Read(&sample));
  grpc::Status s = w3->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("max-watchers"), std::string::npos) << s.error_message();

  // The refusal is about watchers only: unary calls still work.
  grpc::ClientContext list_ctx;
  pb::ListStreamsResponse list;
  EXPECT_TRUE(stub_->ListStreams(&list_ctx, pb::ListStreamsRequest(), &list).ok());

  for (auto* c : {&c1, &c2}) c->TryCancel();
  while (w1->Read(&sample)) {
  }
  while (w2->Read(&sample)) {
  }
  w1->Finish();
  w2->Finish();
}

TEST_F(GrpcLimitsTest, OversizedRequestIsRefusedByGrpc) {
  StartAgent(/*max_watchers=*/8, /*max_message_bytes=*/64 * 1024);
  // The padding goes in the write-only API key: a field the agent never
  // echoes, so the answer stays small whatever the request held.
  auto start_with_key = [&](const std::string& id, size_t key_bytes) {
    pb::StartRequest req;
    req.set_stream_id(id);
    req.set_source_uri("test://ball");
    req.mutable_ahoy()->set_director_url("ws://127.0.0.1:9/feeds/");
    req.mutable_ahoy()->set_api_key(std::string(key_bytes, 'k'));
    grpc::ClientContext ctx;
    pb::Stream out;
    return stub_->Start(&ctx, req, &out);
  };
  grpc::Status big = start_with_key("big", 100 * 1024);
  EXPECT_EQ(big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << big.error_message();
  EXPECT_NE(big.error_message().find("larger than max"), std::string::npos) << big.error_message();
  // Just under the cap is read and served.
  grpc::Status fits = start_with_key("fits", 60 * 1024);
  EXPECT_TRUE(fits.ok()) << fits.error_message();
}

}  // namespace
