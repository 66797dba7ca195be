// The Ahoy link under faults, with real processes: the director crashes and
// comes back while a viewer watches; the director refuses the API key.
#include <gtest/gtest.h>

#include "agent_harness.h"
#include "director_viewer.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;
using testing_support::AgentHarness;
using testing_support::ChildProcess;
using testing_support::StartDirector;
using testing_support::StatsWatch;

// Plays `feed` through the director into a fresh receiver; returns it once
// frames arrive (nullptr after a failed expectation).
std::unique_ptr<testing_support::WebrtcReceiver> PlayThroughDirector(
    testing_support::DirectorViewer& viewer, const std::string& feed) {
  auto receiver = std::make_unique<testing_support::WebrtcReceiver>("H264");
  auto answer = viewer.Play(feed, receiver->CreateOffer(), 15s);
  EXPECT_TRUE(answer.ok()) << answer.status();
  if (!answer.ok()) return nullptr;
  std::string error;
  EXPECT_TRUE(receiver->SetAnswer(*answer, &error)) << error;
  EXPECT_TRUE(receiver->WaitFor([](const auto& s) { return s.frames > 10; }, 15s));
  return receiver;
}

TEST(AhoyFaultsTest, DirectorCrashAndReturnReRegistersAndViewersCanPlayAgain) {
  auto director = std::make_unique<ChildProcess>();
  std::string error;
  int port = StartDirector(*director, 0, {}, &error);
  ASSERT_NE(port, 0) << error;
  AgentHarness agent;
  ASSERT_TRUE(agent.Start().ok());
  ASSERT_TRUE(agent.StartStream("cam", port).ok());
  StatsWatch watch(agent.stub(), "cam", 200, 120s);
  ASSERT_TRUE(watch.ReadUntil([](const auto& s) { return s.link_state() == pb::LINK_REGISTERED; }));

  {
    testing_support::DirectorViewer viewer;
    ASSERT_TRUE(viewer.Connect(port, 5s).ok());
    auto receiver = PlayThroughDirector(viewer, "cam");
    ASSERT_TRUE(receiver);
    ASSERT_TRUE(watch.ReadUntil([](const auto& s) { return s.state() == pb::STREAMING; }));

    // A crash, not a goodbye: no close frames reach the agent.
    director->Stop(SIGKILL);
    director.reset();
  }
  // The link notices, and the viewer session is torn down with it.
  ASSERT_TRUE(watch.ReadUntil([](const auto& s) {
    return s.link_state() != pb::LINK_REGISTERED && s.state() == pb::WAITING_FOR_VIEWER;
  }));

  director = std::make_unique<ChildProcess>();
  ASSERT_EQ(StartDirector(*director, port, {}, &error), port) << error;
  auto back_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(watch.ReadUntil([](const auto& s) { return s.link_state() == pb::LINK_REGISTERED; }));
  auto reregistered_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - back_at)
                             .count();
  std::cout << "re-registered " << reregistered_ms << " ms after the director returned\n";
  // The protocol's back-off starts at 0.5 s (±20 %) after a lost link.
  EXPECT_LE(reregistered_ms, 2000);

  testing_support::DirectorViewer viewer;
  ASSERT_TRUE(viewer.Connect(port, 5s).ok());
  auto receiver = PlayThroughDirector(viewer, "cam");
  ASSERT_TRUE(receiver);
  EXPECT_TRUE(watch.ReadUntil([](const auto& s) { return s.state() == pb::STREAMING; }));
}

TEST(AhoyFaultsTest, RefusedApiKeyMeansUnauthorizedWithoutAReconnectStorm) {
  const std::string kRightKey = "right-key-5b1e0c";
  const std::string kWrongKey = "wrong-key-93aa41";
  char key_path[] = "/tmp/gwa-key-XXXXXX";
  int fd = mkstemp(key_path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, kRightKey.data(), kRightKey.size()), static_cast<ssize_t>(kRightKey.size()));
  close(fd);

  ChildProcess director;
  std::string error;
  int port = StartDirector(director, 0, {"--api-key-file", key_path}, &error);
  unlink(key_path);
  ASSERT_NE(port, 0) << error;
  AgentHarness agent;
  ASSERT_TRUE(agent.Start().ok());
  // A second feed with the right key shows the director itself is fine.
  ASSERT_TRUE(agent.StartStream("good", port, kRightKey).ok());
  ASSERT_TRUE(agent.StartStream("bad", port, kWrongKey).ok());

  StatsWatch watch(agent.stub(), "", 200, 60s);
  ASSERT_TRUE(watch.ReadUntil([](const auto& s) {
    return s.stream_id() == "bad" && s.link_state() == pb::LINK_UNAUTHORIZED;
  }));
  ASSERT_TRUE(watch.ReadUntil([](const auto& s) {
    return s.stream_id() == "good" && s.link_state() == pb::LINK_REGISTERED;
  }));
  pb::Stream stream;
  {
    grpc::ClientContext ctx;
    pb::GetStreamRequest req;
    req.set_stream_id("bad");
    ASSERT_TRUE(agent.stub().GetStream(&ctx, req, &stream).ok());
  }
  EXPECT_EQ(stream.ahoy().state(), pb::LINK_UNAUTHORIZED);
  EXPECT_TRUE(stream.ahoy().api_key_set());
  EXPECT_EQ(stream.ahoy().connect_attempts(), 1u);
  // The long back-off (30 s ±20 %) is visible as the next attempt's time.
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  EXPECT_GT(stream.ahoy().next_attempt_unix_ms(), now_ms + 20000);

  // Over 20 s the refused feed must not hammer the director: after a 401 the
  // long back-off (30 s ±20 %) applies at once, so no second attempt fits.
  const std::string refusal = "feed 'bad' refused";
  ASSERT_EQ(director.CountInOutput(refusal), 1) << director.Output();
  EXPECT_FALSE(director.WaitForOutputCount(refusal, 2, 20s))
      << "reconnect storm: " << director.CountInOutput(refusal) << " attempts in 20 s";

  EXPECT_EQ(director.Output().find(kWrongKey), std::string::npos);
  EXPECT_EQ(director.Output().find(kRightKey), std::string::npos);
  EXPECT_EQ(stream.DebugString().find(kWrongKey), std::string::npos);
}

}  // namespace
