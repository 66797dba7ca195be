// WHIP publishing (issue 14) proven against a real SFU: Debian's Janus
// (VideoRoom) behind Debian's simple-whip-server, both started by the test
// (tests/support/janus_server.h) inside this process's own network
// (tests/support/private_network.h: private_network_tests enters it in main). A real in-process
// agent publishes test://ball; a subscriber speaking Janus's HTTP API with a receiving webrtcbin
// decodes what Janus forwards.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "agent_harness.h"
#include "janus_api.h"
#include "janus_server.h"
#include "janus_subscriber.h"
#include "private_network.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"
#include "temp_file.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;
using testing_support::JanusServer;
using testing_support::JanusSubscriber;

constexpr char kToken[] = "janus-whip-token-51d0";

long long MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

class JanusWhipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing_support::InPrivateNetwork()) {
      GTEST_SKIP() << "Janus needs the process's own network: "
                   << testing_support::PrivateNetworkError();
    }
    std::string error;
    ASSERT_TRUE(janus_.Start(&error)) << error;
    control::AgentOptions options;
    options.registry.whip_template.backoff_initial = 200ms;
    options.registry.whip_template.backoff_max = 2s;
    options.registry.ice_connect_timeout = 10s;
    absl::Status started = harness_.Start(std::move(options));
    ASSERT_TRUE(started.ok()) << started;
  }

  void TearDown() override {
    if (HasFailure()) {
      std::printf("--- janus log ---\n%s\n--- simple-whip-server log ---\n%s\n",
                  janus_.janus_log().c_str(), janus_.whip_log().c_str());
    }
  }

  grpc::Status StartWhip(const std::string& id) {
    pb::StartRequest req;
    req.set_stream_id(id);
    req.set_source_uri("test://ball");
    req.mutable_quality()->set_width(640);
    req.mutable_quality()->set_height(360);
    req.mutable_whip()->set_endpoint_url(janus_.whip_url());
    req.mutable_whip()->set_token_file(token_.path());
    grpc::ClientContext ctx;
    pb::Stream ignored;
    return harness_.stub().Start(&ctx, req, &ignored);
  }

  pb::Stream Get(const std::string& id) { return testing_support::GetStream(harness_.stub(), id); }

  bool WaitForWhip(const std::string& id, const std::function<bool(const pb::WhipStatus&)>& pred,
                   std::chrono::milliseconds timeout) {
    testing_support::StatsWatch watch(harness_.stub(), id, 200, timeout);
    return watch.ReadUntil([&](const pb::StreamStats&) { return pred(Get(id).whip()); });
  }
  bool WaitForPublishing(const std::string& id, std::chrono::milliseconds timeout) {
    return WaitForWhip(
        id, [](const pb::WhipStatus& w) { return w.state() == pb::WHIP_PUBLISHING; }, timeout);
  }

  JanusServer janus_{GWA_NODE, kToken};
  testing_support::TempFile token_{std::string(kToken) + "\n"};
  testing_support::AgentHarness harness_;
};

TEST_F(JanusWhipTest, SubscriberDecodesResizesAndStopDeletesTheResource) {
  const auto started_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(StartWhip("cam").ok());
  ASSERT_TRUE(WaitForPublishing("cam", 20s)) << Get("cam").whip().last_error();
  pb::Stream stream = Get("cam");
  EXPECT_EQ(stream.whip().resource_url(),
            janus_.whip_url().substr(0, janus_.whip_url().find("/whip/")) + "/whip/resource/gwa");

  JanusSubscriber subscriber;
  absl::Status subscribed = subscriber.Subscribe(janus_.janus_url(), JanusServer::kRoom, 15s);
  ASSERT_TRUE(subscribed.ok()) << subscribed;
  ASSERT_TRUE(subscriber.receiver().WaitFor([](const auto& s) { return s.frames >= 10; }, 20s))
      << "decoded " << subscriber.receiver().frames();
  std::printf("Janus: WHIP Start -> 10 frames decoded at the subscriber: %lld ms\n",
              MsSince(started_at));
  EXPECT_EQ(subscriber.receiver().state().width, 640);

  // Nothing leaves the private network: Janus offers candidates on its one
  // address only (no IPv6, no other interface) and loaded the VideoRoom
  // plugin and two transports, nothing else.
  ASSERT_FALSE(janus_.ice_address().empty());
  int candidates = 0;
  for (absl::string_view line : absl::StrSplit(subscriber.janus_offer(), "\r\n")) {
    if (!absl::StartsWith(line, "a=candidate:")) continue;
    ++candidates;
    EXPECT_TRUE(absl::StrContains(line, " " + janus_.ice_address() + " ")) << line;
  }
  EXPECT_GE(candidates, 1);
  EXPECT_EQ(janus_.CountInJanusLog("Loading plugin '"), 1);
  EXPECT_EQ(janus_.CountInJanusLog("Loading transport plugin '"), 2);
  EXPECT_EQ(janus_.CountInJanusLog(std::string("Adding '") + testing_support::kPrivateInterface +
                                   "' to the ICE enforce list"),
            1);

  // SetQuality reaches the publish; Janus forwards the new size as it is.
  {
    grpc::ClientContext ctx;
    pb::SetQualityRequest req;
    req.set_stream_id("cam");
    req.mutable_quality()->set_width(320);
    req.mutable_quality()->set_height(180);
    pb::Stream out;
    ASSERT_TRUE(harness_.stub().SetQuality(&ctx, req, &out).ok());
  }
  EXPECT_TRUE(subscriber.receiver().WaitFor(
      [](const auto& s) { return s.width == 320 && s.height == 180; }, 15s))
      << "subscriber decodes " << subscriber.receiver().state().width << "x"
      << subscriber.receiver().state().height;

  // Stop DELETEs the resource: simple-whip-server tears the session down and
  // detaches the publisher's handle in Janus, which leaves the room.
  constexpr char kDetach[] = "Detaching handle from JANUS VideoRoom plugin";
  const int detached_before = janus_.CountInJanusLog(kDetach);
  {
    grpc::ClientContext ctx;
    pb::StopRequest req;
    req.set_stream_id("cam");
    pb::Stream out;
    ASSERT_TRUE(harness_.stub().Stop(&ctx, req, &out).ok());
    EXPECT_EQ(out.whip().state(), pb::WHIP_STOPPED);
  }
  EXPECT_TRUE(janus_.WaitForWhipLog("/resource/: gwa", 1, 5s)) << janus_.whip_log();
  EXPECT_TRUE(janus_.WaitForWhipLog("[gwa] Terminating WHIP session", 1, 5s));
  EXPECT_TRUE(janus_.WaitForJanusLog(kDetach, detached_before + 1, 5s)) << janus_.janus_log();
  auto publishers = testing_support::JanusPublishers(janus_.janus_url(), JanusServer::kRoom);
  ASSERT_TRUE(publishers.ok()) << publishers.status();
  EXPECT_TRUE(publishers->empty());
}

TEST_F(JanusWhipTest, RepublishesAfterJanusRestarts) {
  ASSERT_TRUE(StartWhip("cam").ok());
  ASSERT_TRUE(WaitForPublishing("cam", 20s)) << Get("cam").whip().last_error();
  {
    JanusSubscriber subscriber;
    absl::Status subscribed = subscriber.Subscribe(janus_.janus_url(), JanusServer::kRoom, 15s);
    ASSERT_TRUE(subscribed.ok()) << subscribed;
    ASSERT_TRUE(subscriber.receiver().WaitFor([](const auto& s) { return s.frames >= 10; }, 20s));
  }

  // Janus and simple-whip-server go away (SIGTERM), then come back on the
  // same ports with a fresh room: the agent notices and publishes again.
  janus_.Stop();
  const auto gone_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitForWhip(
      "cam", [](const pb::WhipStatus& w) { return w.state() != pb::WHIP_PUBLISHING; }, 90s));
  std::printf("Janus stopped -> agent's WHIP session ended after %lld ms (%s)\n", MsSince(gone_at),
              Get("cam").whip().last_error().c_str());
  std::string error;
  ASSERT_TRUE(janus_.Start(&error)) << error;
  ASSERT_TRUE(WaitForPublishing("cam", 40s)) << Get("cam").whip().last_error();
  std::printf("Janus stopped -> publishing again after %lld ms\n", MsSince(gone_at));
  EXPECT_GE(Get("cam").whip().attempts(), 2u);

  JanusSubscriber again;
  absl::Status subscribed = again.Subscribe(janus_.janus_url(), JanusServer::kRoom, 15s);
  ASSERT_TRUE(subscribed.ok()) << subscribed;
  EXPECT_TRUE(again.receiver().WaitFor([](const auto& s) { return s.frames >= 10; }, 20s))
      << "decoded " << again.receiver().frames();
}

}  // namespace
