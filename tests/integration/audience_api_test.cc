// Several viewers of one stream seen through the gRPC API (issue 14): a real
// in-process agent on a real port, a real local-director process giving every
// play its own Ahoy sessionId, and real webrtcbin viewers, each over its own
// /viewer connection (as two browsers).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent_harness.h"
#include "director_viewer.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;

// One viewer: a /viewer connection to the director and a receiving webrtcbin.
struct Watcher {
  testing_support::DirectorViewer link;
  testing_support::WebrtcReceiver receiver{"H264"};
};

class AudienceApiTest : public testing_support::AgentWithDirectorTest<> {
 protected:
  // Starts `id` (test://ball 640x360) and waits for its link to register.
  void StartRegistered(const std::string& id, std::optional<uint32_t> max_viewers = {}) {
    pb::StartRequest req;
    req.set_stream_id(id);
    req.set_source_uri("test://ball");
    req.mutable_quality()->set_width(640);
    req.mutable_quality()->set_height(360);
    if (max_viewers) req.set_max_viewers(*max_viewers);
    StartAndAwaitRegistration(req);
  }

  // A new viewer of `feed` through the director; nullptr with a test failure
  // when it does not decode.
  std::unique_ptr<Watcher> Watch(const std::string& feed) {
    auto w = std::make_unique<Watcher>();
    absl::Status connected = w->link.Connect(director_port_, 5s);
    EXPECT_TRUE(connected.ok()) << connected;
    auto answer = w->link.Play(feed, w->receiver.CreateOffer(), 15s);
    EXPECT_TRUE(answer.ok()) << answer.status();
    if (!connected.ok() || !answer.ok()) return nullptr;
    std::string error;
    EXPECT_TRUE(w->receiver.SetAnswer(*answer, &error)) << error;
    EXPECT_TRUE(w->receiver.WaitFor([](const auto& s) { return s.frames >= 10; }, 15s))
        << feed << ": decoded " << w->receiver.frames();
    return w;
  }

  // True once `w` decodes `more` frames beyond now.
  static bool KeepsDecoding(Watcher& w, uint64_t more = 15) {
    const uint64_t base = w.receiver.frames();
    return w.receiver.WaitFor([&](const auto& s) { return s.frames >= base + more; }, 10s);
  }

  grpc::Status Disconnect(const std::string& id, const std::string& session, pb::Stream* out) {
    grpc::ClientContext ctx;
    pb::DisconnectRequest req;
    req.set_stream_id(id);
    req.set_session_id(session);
    return harness_.stub().Disconnect(&ctx, req, out);
  }
};

TEST_F(AudienceApiTest, TwoDirectorViewersAreTwoSessionsInGetStreamStatsQualityAndDisconnect) {
  ASSERT_NO_FATAL_FAILURE(StartRegistered("cam"));
  const int64_t before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  auto first = Watch("cam");
  ASSERT_NE(first, nullptr);
  auto second = Watch("cam");
  ASSERT_NE(second, nullptr);

  // StreamStats: a sample with both viewers connected and sending; the
  // feed's bytes are the viewers' sum.
  pb::StreamStats stats;
  {
    testing_support::StatsWatch watch(harness_.stub(), "cam", 200, 20s);
    ASSERT_TRUE(watch.ReadUntil(
        [](const pb::StreamStats& s) {
          if (s.viewers_size() != 2) return false;
          for (const auto& v : s.viewers()) {
            if (v.bytes_sent() == 0 || !v.has_selected_candidate_pair()) return false;
          }
          return true;
        },
        &stats))
        << "last sample: " << stats.ShortDebugString();
  }
  std::set<std::string> stat_ids;
  uint64_t bytes = 0, packets = 0;
  for (const auto& v : stats.viewers()) {
    stat_ids.insert(v.session_id());
    bytes += v.bytes_sent();
    packets += v.packets_sent();
    EXPECT_EQ(v.quality().width(), 640u) << v.session_id();
    EXPECT_GT(v.send_bitrate_kbps(), 0) << v.session_id();
    EXPECT_FALSE(v.selected_candidate_pair().local_address().empty()) << v.session_id();
    EXPECT_GT(v.selected_candidate_pair().local_port(), 0u) << v.session_id();
  }
  EXPECT_EQ(stat_ids.size(), 2u);
  EXPECT_EQ(stat_ids.count(""), 0u) << "the director gives every play a sessionId";
  EXPECT_EQ(stats.bytes_sent(), bytes);
  EXPECT_EQ(stats.packets_sent(), packets);

  // GetStream lists the same sessions: id, since, selected pair, quality.
  pb::Stream stream = Get("cam");
  ASSERT_EQ(stream.viewers_size(), 2) << stream.ShortDebugString();
  std::set<std::string> ids;
  for (const auto& v : stream.viewers()) {
    ids.insert(v.session_id());
    EXPECT_GE(v.since_unix_ms(), before_ms) << v.session_id();
    EXPECT_LE(v.since_unix_ms(), stats.timestamp_unix_ms()) << v.session_id();
    EXPECT_EQ(v.state(), pb::VIEWER_STREAMING) << v.session_id();
    EXPECT_TRUE(v.has_selected_candidate_pair()) << v.session_id();
    EXPECT_FALSE(v.selected_candidate_pair().remote_address().empty()) << v.session_id();
    EXPECT_GT(v.selected_candidate_pair().remote_port(), 0u) << v.session_id();
    EXPECT_EQ(v.quality().width(), 640u) << v.session_id();
    EXPECT_EQ(v.quality().height(), 360u) << v.session_id();
  }
  EXPECT_EQ(ids, stat_ids);
  EXPECT_LE(stream.viewers(0).since_unix_ms(), stream.viewers(1).since_unix_ms()) << "oldest first";

  // SetQuality reaches every viewer: both decode the new size, and each
  // viewer's quality in force says so.
  {
    pb::SetQualityRequest req;
    req.set_stream_id("cam");
    req.mutable_quality()->set_width(320);
    req.mutable_quality()->set_height(180);
    grpc::ClientContext ctx;
    pb::Stream out;
    grpc::Status s = harness_.stub().SetQuality(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  for (Watcher* w : {first.get(), second.get()}) {
    EXPECT_TRUE(
        w->receiver.WaitFor([](const auto& s) { return s.width == 320 && s.height == 180; }, 10s))
        << "still " << w->receiver.state().width << "x" << w->receiver.state().height;
  }
  stream = Get("cam");
  for (const auto& v : stream.viewers()) {
    EXPECT_EQ(v.quality().width(), 320u) << v.session_id();
    EXPECT_EQ(v.quality().height(), 180u) << v.session_id();
  }

  // Disconnect: an unknown session or stream is NOT_FOUND and changes
  // nothing; a known one drops that viewer and the other plays on.
  pb::Stream out;
  grpc::Status unknown = Disconnect("cam", "no-such-session", &out);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND) << unknown.error_message();
  EXPECT_NE(unknown.error_message().find("no-such-session"), std::string::npos)
      << unknown.error_message();
  EXPECT_EQ(Disconnect("nope", "x", &out).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get("cam").viewers_size(), 2);

  const std::string dropped = stream.viewers(0).session_id();
  grpc::Status dropped_status = Disconnect("cam", dropped, &out);
  ASSERT_TRUE(dropped_status.ok()) << dropped_status.error_message();
  ASSERT_EQ(out.viewers_size(), 1) << out.ShortDebugString();
  EXPECT_NE(out.viewers(0).session_id(), dropped);
  EXPECT_EQ(out.state(), pb::STREAMING);
  EXPECT_TRUE(KeepsDecoding(*first) || KeepsDecoding(*second)) << "the remaining viewer plays on";
}

TEST_F(AudienceApiTest, APlayBeyondMaxViewersFailsAtTheDirectorWithTheReason) {
  ASSERT_NO_FATAL_FAILURE(StartRegistered("one", /*max_viewers=*/1));
  EXPECT_EQ(Get("one").max_viewers(), 1u);
  auto first = Watch("one");
  ASSERT_NE(first, nullptr);

  testing_support::DirectorViewer refused;
  ASSERT_TRUE(refused.Connect(director_port_, 5s).ok());
  testing_support::WebrtcReceiver receiver("H264");
  auto answer = refused.Play("one", receiver.CreateOffer(), 15s);
  ASSERT_FALSE(answer.ok()) << "a second viewer beyond max_viewers 1 was answered";
  const std::string message(answer.status().message());
  EXPECT_NE(message.find("agent could not start the stream"), std::string::npos) << message;
  EXPECT_NE(message.find("maximum of 1 viewers (max_viewers)"), std::string::npos) << message;

  // The viewer that plays is unaffected.
  EXPECT_TRUE(KeepsDecoding(*first));
  pb::Stream stream = Get("one");
  EXPECT_EQ(stream.viewers_size(), 1);
  EXPECT_EQ(stream.state(), pb::STREAMING);
}

}  // namespace
