// WHIP publishing (issue 14) through the gRPC API: a real in-process agent
// publishes a stream to a WHIP endpoint run by the test (HTTP on loopback,
// each offer answered by a real receiving webrtcbin that decodes the video).
// The same against Janus behind simple-whip-server: janus_whip_test.cc.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent_harness.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"
#include "temp_file.h"
#include "webrtc_receiver.h"
#include "whip_endpoint.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;
using testing_support::WhipEndpoint;

constexpr char kToken[] = "whip-secret-7f3a";

class WhipPublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    control::AgentOptions options;
    options.registry.whip_template.backoff_initial = 200ms;
    options.registry.whip_template.backoff_max = 2s;
    options.registry.ice_connect_timeout = 10s;
    absl::Status started = harness_.Start(std::move(options));
    ASSERT_TRUE(started.ok()) << started;
  }

  // A WHIP-only stream (no director) of test://ball 640x360.
  grpc::Status StartWhip(const std::string& id, const std::string& url,
                         const std::string& token_file, pb::Stream* out = nullptr) {
    pb::StartRequest req;
    req.set_stream_id(id);
    req.set_source_uri("test://ball");
    req.mutable_quality()->set_width(640);
    req.mutable_quality()->set_height(360);
    req.mutable_whip()->set_endpoint_url(url);
    req.mutable_whip()->set_token_file(token_file);
    grpc::ClientContext ctx;
    pb::Stream ignored;
    return harness_.stub().Start(&ctx, req, out ? out : &ignored);
  }

  pb::Stream Get(const std::string& id) { return testing_support::GetStream(harness_.stub(), id); }

  // Waits (at each stats sample) until the stream's WHIP status satisfies
  // `predicate`; false on timeout.
  bool WaitForWhip(const std::string& id, const std::function<bool(const pb::WhipStatus&)>& pred,
                   std::chrono::milliseconds timeout) {
    testing_support::StatsWatch watch(harness_.stub(), id, 200, timeout);
    return watch.ReadUntil([&](const pb::StreamStats&) { return pred(Get(id).whip()); });
  }

  void StopStream(const std::string& id) {
    grpc::ClientContext ctx;
    pb::StopRequest req;
    req.set_stream_id(id);
    pb::Stream out;
    grpc::Status s = harness_.stub().Stop(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.whip().state(), pb::WHIP_STOPPED);
  }

  testing_support::AgentHarness harness_;
};

TEST_F(WhipPublishTest, PublishesDecodesResizesAndDeletesOnStop) {
  WhipEndpoint endpoint(kToken);
  std::string error;
  ASSERT_TRUE(endpoint.Start(0, &error)) << error;
  testing_support::TempFile token(std::string(kToken) + "\n");

  const auto started_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(StartWhip("pub", endpoint.endpoint_url(), token.path()).ok());
  ASSERT_TRUE(endpoint.WaitFor([](const auto& s) { return s.posts >= 1; }, 15s));
  auto seen = endpoint.seen();
  EXPECT_EQ(seen.last_authorization, std::string("Bearer ") + kToken);
  EXPECT_EQ(seen.last_content_type, "application/sdp");
  auto peer = endpoint.peer(1);
  ASSERT_NE(peer, nullptr);
  ASSERT_TRUE(peer->WaitFor([](const auto& s) { return s.frames >= 10; }, 15s))
      << "decoded " << peer->frames();
  const auto first_frames_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - started_at)
                                   .count();
  std::printf("WHIP Start -> 10 frames decoded at the endpoint's peer: %lld ms\n",
              static_cast<long long>(first_frames_ms));
  EXPECT_EQ(peer->state().width, 640);

  ASSERT_TRUE(WaitForWhip(
      "pub", [](const pb::WhipStatus& w) { return w.state() == pb::WHIP_PUBLISHING; }, 15s));
  pb::Stream stream = Get("pub");
  // Location "resource/1" resolved against .../whip/endpoint.
  EXPECT_EQ(stream.whip().resource_url(),
            "http://127.0.0.1:" + std::to_string(endpoint.port()) + "/whip/resource/1");
  EXPECT_EQ(stream.whip().attempts(), 1u);
  EXPECT_TRUE(stream.whip().token_set());
  EXPECT_EQ(stream.ahoy().state(), pb::LINK_CLOSED);  // WHIP only: no director
  // The publish is one more viewer: listed, with its own quality.
  ASSERT_EQ(stream.viewers_size(), 1);
  EXPECT_EQ(stream.viewers(0).session_id(), stream.whip().session_id());
  EXPECT_EQ(stream.DebugString().find(kToken), std::string::npos);

  // SetQuality reaches the publish like any viewer: the peer decodes the new size.
  {
    grpc::ClientContext ctx;
    pb::SetQualityRequest req;
    req.set_stream_id("pub");
    req.mutable_quality()->set_width(320);
    req.mutable_quality()->set_height(180);
    pb::Stream out;
    ASSERT_TRUE(harness_.stub().SetQuality(&ctx, req, &out).ok());
  }
  EXPECT_TRUE(peer->WaitFor([](const auto& s) { return s.width == 320 && s.height == 180; }, 10s))
      << "peer decodes " << peer->state().width << "x" << peer->state().height;

  // An operator dropping the publish session: the old resource is DELETEd
  // and the agent publishes again (resource 2), frames again.
  {
    grpc::ClientContext ctx;
    pb::DisconnectRequest req;
    req.set_stream_id("pub");
    req.set_session_id(stream.whip().session_id());
    pb::Stream out;
    grpc::Status s = harness_.stub().Disconnect(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_TRUE(endpoint.WaitFor([](const auto& s) { return s.posts >= 2; }, 15s));
  EXPECT_EQ(endpoint.seen().deleted, std::vector<int>{1});
  auto second = endpoint.peer(2);
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(second->WaitFor([](const auto& s) { return s.frames >= 10; }, 15s));

  StopStream("pub");
  EXPECT_TRUE(endpoint.WaitFor(
      [](const auto& s) {
        return s.deleted == std::vector<int>{1, 2};
      },
      5s));
}

TEST_F(WhipPublishTest, RepublishesAfterTheEndpointRestarts) {
  auto endpoint = std::make_unique<WhipEndpoint>(kToken);
  std::string error;
  ASSERT_TRUE(endpoint->Start(0, &error)) << error;
  const int port = endpoint->port();
  testing_support::TempFile token(kToken);
  ASSERT_TRUE(StartWhip("again", endpoint->endpoint_url(), token.path()).ok());
  ASSERT_TRUE(endpoint->WaitFor([](const auto& s) { return s.posts >= 1; }, 15s));
  ASSERT_TRUE(endpoint->peer(1)->WaitFor([](const auto& s) { return s.frames >= 10; }, 15s));

  // The SFU goes away: its peers vanish without a word (no DELETE, no RTCP).
  endpoint.reset();
  const auto gone_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitForWhip(
      "again", [](const pb::WhipStatus& w) { return w.state() != pb::WHIP_PUBLISHING; }, 120s));
  std::printf("WHIP: endpoint gone -> session ended after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - gone_at)
                                         .count()));
  EXPECT_NE(Get("again").whip().last_error(), "");

  // It comes back on the same port: the agent publishes again.
  WhipEndpoint back(kToken);
  ASSERT_TRUE(back.Start(port, &error)) << error;
  ASSERT_TRUE(back.WaitFor([](const auto& s) { return s.posts >= 1; }, 30s));
  ASSERT_TRUE(back.peer(1)->WaitFor([](const auto& s) { return s.frames >= 10; }, 15s));
  ASSERT_TRUE(WaitForWhip(
      "again", [](const pb::WhipStatus& w) { return w.state() == pb::WHIP_PUBLISHING; }, 15s));
  EXPECT_GE(Get("again").whip().attempts(), 2u);
  StopStream("again");
  EXPECT_TRUE(back.WaitFor([](const auto& s) { return s.deleted.size() == 1; }, 5s));
}

TEST_F(WhipPublishTest, WrongTokenBacksOffAndNeverShowsTheToken) {
  WhipEndpoint endpoint(kToken);
  std::string error;
  ASSERT_TRUE(endpoint.Start(0, &error)) << error;
  testing_support::TempFile token("not-the-token-9c1e");
  ASSERT_TRUE(StartWhip("denied", endpoint.endpoint_url(), token.path()).ok());
  ASSERT_TRUE(WaitForWhip(
      "denied",
      [](const pb::WhipStatus& w) {
        return w.state() == pb::WHIP_BACKING_OFF && !w.last_error().empty();
      },
      15s));
  pb::Stream stream = Get("denied");
  EXPECT_NE(stream.whip().last_error().find("401"), std::string::npos)
      << stream.whip().last_error();
  EXPECT_EQ(stream.DebugString().find("not-the-token-9c1e"), std::string::npos);
  EXPECT_GE(endpoint.seen().unauthorized, 1);
  StopStream("denied");
}

// Agent shutdown DELETEs every WHIP resource at the same time: three
// endpoints that each take 2 s to answer a DELETE cost ~2 s, not 6 s, well
// inside the 5 s shutdown budget.
TEST_F(WhipPublishTest, ShutdownDeletesEveryResourceConcurrently) {
  testing_support::TempFile token(kToken);
  std::vector<std::unique_ptr<WhipEndpoint>> endpoints;
  std::string error;
  for (int i = 0; i < 3; ++i) {
    endpoints.push_back(std::make_unique<WhipEndpoint>(kToken));
    ASSERT_TRUE(endpoints.back()->Start(0, &error)) << error;
    endpoints.back()->SetDeleteDelay(2s);
    ASSERT_TRUE(
        StartWhip("s" + std::to_string(i), endpoints.back()->endpoint_url(), token.path()).ok());
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(WaitForWhip(
        "s" + std::to_string(i),
        [](const pb::WhipStatus& w) { return w.state() == pb::WHIP_PUBLISHING; }, 20s));
  }
  const auto t0 = std::chrono::steady_clock::now();
  harness_.server().Shutdown(5s);
  const auto took = std::chrono::steady_clock::now() - t0;
  std::printf(
      "shutdown with 3 WHIP streams (DELETE answered after 2 s each): %lld ms\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  for (auto& endpoint : endpoints) {
    EXPECT_EQ(endpoint->seen().deleted, std::vector<int>{1});
  }
  // One after another would be >= 6 s; concurrently ~2 s (wide margin for a
  // loaded machine).
  EXPECT_LT(took, 4500ms);
}

TEST_F(WhipPublishTest, BadConfigIsInvalidArgument) {
  grpc::Status s = StartWhip("bad1", "ftp://127.0.0.1/whip", "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("http"), std::string::npos) << s.error_message();
  s = StartWhip("bad2", "http://127.0.0.1:9/whip", "/nonexistent/token");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("/nonexistent/token"), std::string::npos);
}

}  // namespace
