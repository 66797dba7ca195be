// local-director's protocol logic with a recording outbox: one browser
// connection holding sessions on several feeds at once (the viewer page's
// tiles), each keyed by feed and tile, ending independently; several viewers of
// one feed when the agent speaks v1.1 sessionId, one when it does not (v1).
#include "director_server.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "signaling/ahoy_codec.h"
#include "viewer_protocol.h"

namespace local_director {
namespace {

namespace ahoy = signaling::ahoy;
using nlohmann::json;

class RecordingOutbox : public Outbox {
 public:
  void Send(ConnId conn, const std::string& text) override { sent_.emplace_back(conn, text); }
  void Close(ConnId conn, const std::string&) override { closed_.push_back(conn); }

  // Frames sent to `conn` since the last call.
  std::vector<std::string> Take(ConnId conn) {
    std::vector<std::string> out;
    std::vector<std::pair<ConnId, std::string>> rest;
    for (auto& [c, text] : sent_) {
      if (c == conn) {
        out.push_back(std::move(text));
      } else {
        rest.emplace_back(c, std::move(text));
      }
    }
    sent_ = std::move(rest);
    return out;
  }

 private:
  std::vector<std::pair<ConnId, std::string>> sent_;
  std::vector<ConnId> closed_;
};

ahoy::DirectorMessage DecodeForAgent(const std::string& text) {
  auto decoded = ahoy::DecodeDirectorMessage(text);
  EXPECT_TRUE(std::holds_alternative<ahoy::DirectorMessage>(decoded)) << text;
  return std::get<ahoy::DirectorMessage>(decoded);
}

// `session_id`: what the agent echoes (a v1 agent echoes nothing).
std::string Reply(ahoy::ResponseKind kind, const std::string& uuid, const std::string& feed,
                  const std::string& sdp = "", std::optional<std::string> session_id = {},
                  bool success = true, const std::string& error = "") {
  ahoy::Envelope envelope;
  envelope.to = "director";
  envelope.payload.kind = kind;
  envelope.payload.success = success;
  envelope.payload.uuid = uuid;
  envelope.payload.feed_uuid = feed;
  envelope.payload.sdp = sdp;
  envelope.payload.session_id = std::move(session_id);
  envelope.payload.error = error;
  return ahoy::EncodeAgentMessage(envelope);
}

class DirectorServerTest : public ::testing::Test {
 protected:
  static constexpr ConnId kAgentA = 1;
  static constexpr ConnId kAgentB = 2;
  static constexpr ConnId kBrowser = 10;
  static constexpr ConnId kOtherBrowser = 11;

  void SetUp() override {
    Register(kAgentA, "a");
    Register(kAgentB, "b");
    director_.OnViewerOpen(kBrowser);
    outbox_.Take(kBrowser);
  }

  void Register(ConnId conn, const std::string& name) {
    director_.OnAgentOpen(conn, name);
    director_.OnAgentMessage(conn, ahoy::EncodeAgentMessage(ahoy::Register{name, {"H264"}}));
    outbox_.Take(conn);
  }

  // Sends a play of `feed` (and `tile` when not empty) from `browser`;
  // returns the streamStartRequest the agent got (uuid empty when none).
  ahoy::StreamStartRequest SendPlay(ConnId agent, const std::string& feed,
                                    const std::string& tile = "", ConnId browser = kBrowser) {
    json play = {{"feed", feed}, {"sdp", "offer-" + feed}};
    if (!tile.empty()) play["tile"] = tile;
    director_.OnViewerMessage(browser, json{{"play", play}}.dump());
    auto frames = outbox_.Take(agent);
    if (frames.empty()) return {};
    EXPECT_EQ(frames.size(), 1u);
    auto start = DecodeForAgent(frames.back());
    const auto* request = std::get_if<ahoy::StreamStartRequest>(&start);
    EXPECT_NE(request, nullptr) << frames.back();
    return request != nullptr ? *request : ahoy::StreamStartRequest{};
  }

  // Plays `feed` from `browser` through start + sdp; returns the session
  // uuid. `v11`: the agent echoes sessionId as a v1.1 agent does.
  std::string PlayThrough(ConnId agent, const std::string& feed, const std::string& tile = "",
                          ConnId browser = kBrowser, bool v11 = false) {
    const ahoy::StreamStartRequest request = SendPlay(agent, feed, tile, browser);
    EXPECT_FALSE(request.uuid.empty());
    if (request.uuid.empty()) return "";
    const std::string uuid = request.uuid;
    EXPECT_EQ(request.session_id, uuid) << "every play is its own sessionId";
    const std::optional<std::string> echo = v11 ? request.session_id : std::nullopt;
    director_.OnAgentMessage(agent, Reply(ahoy::ResponseKind::kStreamStart, uuid, feed, "", echo));
    auto frames = outbox_.Take(agent);
    EXPECT_EQ(frames.size(), 1u);
    if (frames.empty()) return "";
    auto sdp = DecodeForAgent(frames.back());
    const auto* sdp_request = std::get_if<ahoy::SdpRequest>(&sdp);
    EXPECT_NE(sdp_request, nullptr) << frames.back();
    if (sdp_request != nullptr) {
      EXPECT_EQ(sdp_request->sdp, "offer-" + feed);
      EXPECT_EQ(sdp_request->session_id, uuid);
    }
    director_.OnAgentMessage(
        agent, Reply(ahoy::ResponseKind::kSdp, uuid, feed, "answer-" + feed + tile, echo));
    return uuid;
  }

  // The browser's frames since the last call, parsed.
  std::vector<json> BrowserFrames(ConnId conn = kBrowser) {
    std::vector<json> out;
    for (const auto& text : outbox_.Take(conn)) out.push_back(json::parse(text));
    return out;
  }

  std::string StateOf(const std::string& feed) {
    const FeedSummary* f = Summary(feed);
    return f == nullptr ? "absent" : f->busy ? f->phase : "idle";
  }

  const FeedSummary* Summary(const std::string& feed) {
    feeds_ = director_.Feeds();
    for (const auto& f : feeds_) {
      if (f.name == feed) return &f;
    }
    return nullptr;
  }

  // The stop requests `agent` got since the last call, as sessionIds.
  std::vector<std::string> StopsTo(ConnId agent) {
    std::vector<std::string> out;
    for (const auto& text : outbox_.Take(agent)) {
      auto message = DecodeForAgent(text);
      const auto* stop = std::get_if<ahoy::StreamStopRequest>(&message);
      EXPECT_NE(stop, nullptr) << text;
      if (stop != nullptr) {
        EXPECT_EQ(stop->session_id, stop->uuid);
        out.push_back(stop->session_id.value_or(""));
      }
    }
    return out;
  }

  std::vector<FeedSummary> feeds_;

  asio::io_context io_;
  RecordingOutbox outbox_;
  DirectorServer director_{io_, outbox_, DirectorOptions{}};
};

TEST_F(DirectorServerTest, OneBrowserPlaysTwoFeedsEachAnsweredByFeed) {
  const std::string uuid_a = PlayThrough(kAgentA, "a");
  const std::string uuid_b = PlayThrough(kAgentB, "b");
  EXPECT_NE(uuid_a, uuid_b);
  EXPECT_EQ(StateOf("a"), "playing");
  EXPECT_EQ(StateOf("b"), "playing");

  std::vector<std::string> answers;
  for (const auto& frame : BrowserFrames()) {
    if (frame.contains("answer")) {
      answers.push_back(frame["answer"]["feed"].get<std::string>() + "=" +
                        frame["answer"]["sdp"].get<std::string>());
    }
    EXPECT_FALSE(frame.contains("error")) << frame.dump();
  }
  EXPECT_EQ(answers, (std::vector<std::string>{"a=answer-a", "b=answer-b"}));
}

TEST_F(DirectorServerTest, StoppingOneFeedLeavesTheOtherSession) {
  PlayThrough(kAgentA, "a");
  const std::string uuid_b = PlayThrough(kAgentB, "b");
  BrowserFrames();

  director_.OnViewerMessage(kBrowser, R"({"stop":{"feed":"a"}})");
  auto to_a = outbox_.Take(kAgentA);
  ASSERT_EQ(to_a.size(), 1u);
  auto stop = DecodeForAgent(to_a[0]);
  ASSERT_NE(std::get_if<ahoy::StreamStopRequest>(&stop), nullptr) << to_a[0];
  EXPECT_TRUE(outbox_.Take(kAgentB).empty()) << "feed b's agent is not told anything";
  EXPECT_EQ(StateOf("a"), "idle");
  EXPECT_EQ(StateOf("b"), "playing");
  bool acked = false;
  for (const auto& frame : BrowserFrames()) {
    if (frame.contains("stopped")) acked = frame["stopped"]["feed"] == "a";
  }
  EXPECT_TRUE(acked);

  // Feed b's agent going away reaches the browser as an error keyed by b.
  director_.OnAgentClose(kAgentB);
  bool error_b = false;
  for (const auto& frame : BrowserFrames()) {
    if (frame.contains("error")) error_b = frame["error"]["feed"] == "b";
  }
  EXPECT_TRUE(error_b);
  EXPECT_EQ(StateOf("b"), "absent");
  (void)uuid_b;
}

TEST_F(DirectorServerTest, ClosingTheBrowserStopsEverySessionItHolds) {
  const std::string uuid_a = PlayThrough(kAgentA, "a");
  const std::string uuid_b = PlayThrough(kAgentB, "b");
  director_.OnViewerClose(kBrowser);
  for (const auto& [agent, uuid] : {std::pair{kAgentA, uuid_a}, std::pair{kAgentB, uuid_b}}) {
    auto frames = outbox_.Take(agent);
    ASSERT_EQ(frames.size(), 1u);
    auto stop = DecodeForAgent(frames[0]);
    const auto* request = std::get_if<ahoy::StreamStopRequest>(&stop);
    ASSERT_NE(request, nullptr) << frames[0];
    EXPECT_EQ(request->uuid, uuid);
  }
  EXPECT_EQ(StateOf("a"), "idle");
  EXPECT_EQ(StateOf("b"), "idle");
}

TEST_F(DirectorServerTest, AV1AgentsFeedHeldByOneBrowserIsBusyForAnother) {
  PlayThrough(kAgentA, "a");
  director_.OnViewerOpen(kOtherBrowser);
  BrowserFrames(kOtherBrowser);
  director_.OnViewerMessage(kOtherBrowser, R"({"play":{"feed":"a","sdp":"x"}})");
  const auto frames = BrowserFrames(kOtherBrowser);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["error"]["feed"], "a");
  EXPECT_EQ(frames[0]["error"]["message"], "feed busy");
  EXPECT_TRUE(outbox_.Take(kAgentA).empty());
  EXPECT_EQ(StateOf("a"), "playing");
  EXPECT_FALSE(Summary("a")->joinable);
  EXPECT_EQ(Summary("a")->viewers, 1u);
}

TEST_F(DirectorServerTest, AV1AgentsFeedIsBusyForASecondTileOfTheSameBrowser) {
  PlayThrough(kAgentA, "a");
  BrowserFrames();
  EXPECT_TRUE(SendPlay(kAgentA, "a", "2").uuid.empty()) << "the agent is not asked";
  const auto frames = BrowserFrames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["error"]["message"], "feed busy");
  EXPECT_EQ(frames[0]["error"]["tile"], "2");
}

TEST_F(DirectorServerTest, AV11AgentsFeedPlaysInTwoTilesAndTwoBrowsersEachItsOwnSession) {
  director_.OnViewerOpen(kOtherBrowser);
  BrowserFrames(kOtherBrowser);
  const std::string first = PlayThrough(kAgentA, "a", "", kBrowser, /*v11=*/true);
  EXPECT_TRUE(Summary("a")->joinable);
  const std::string second = PlayThrough(kAgentA, "a", "2", kBrowser, /*v11=*/true);
  const std::string other = PlayThrough(kAgentA, "a", "", kOtherBrowser, /*v11=*/true);
  EXPECT_NE(first, second);
  EXPECT_NE(second, other);
  EXPECT_NE(first, other);
  EXPECT_EQ(Summary("a")->viewers, 3u);
  EXPECT_EQ(StateOf("a"), "playing");

  // Each answer reaches its own tile.
  std::vector<std::string> answers;
  for (const auto& frame : BrowserFrames()) {
    if (frame.contains("answer")) {
      answers.push_back(frame["answer"]["sdp"].get<std::string>() + "@" +
                        frame["answer"].value("tile", "-"));
    }
    EXPECT_FALSE(frame.contains("error")) << frame.dump();
  }
  EXPECT_EQ(answers, (std::vector<std::string>{"answer-a@-", "answer-a2@2"}));
  const auto other_frames = BrowserFrames(kOtherBrowser);
  ASSERT_FALSE(other_frames.empty());
  EXPECT_EQ(other_frames.back()["answer"]["sdp"], "answer-a");

  // Stopping tile 2 stops that session only.
  director_.OnViewerMessage(kBrowser, R"({"stop":{"feed":"a","tile":"2"}})");
  EXPECT_EQ(StopsTo(kAgentA), std::vector<std::string>{second});
  EXPECT_EQ(Summary("a")->viewers, 2u);
  bool acked = false;
  for (const auto& frame : BrowserFrames()) {
    if (frame.contains("stopped")) acked = frame["stopped"].value("tile", "") == "2";
  }
  EXPECT_TRUE(acked);

  // Closing the other browser stops its session only; the first keeps playing.
  director_.OnViewerClose(kOtherBrowser);
  EXPECT_EQ(StopsTo(kAgentA), std::vector<std::string>{other});
  EXPECT_EQ(Summary("a")->viewers, 1u);
  EXPECT_EQ(StateOf("a"), "playing");
}

TEST_F(DirectorServerTest, AV11AgentsRefusalBeyondItsLimitReachesThatTileWithTheReason) {
  PlayThrough(kAgentA, "a", "", kBrowser, /*v11=*/true);
  BrowserFrames();
  const ahoy::StreamStartRequest request = SendPlay(kAgentA, "a", "2");
  ASSERT_FALSE(request.uuid.empty());
  director_.OnAgentMessage(
      kAgentA, Reply(ahoy::ResponseKind::kStreamStart, request.uuid, "a", "", request.session_id,
                     /*success=*/false, "stream a has 1 viewers, its limit (max_viewers 1)"));
  EXPECT_TRUE(outbox_.Take(kAgentA).empty()) << "a refused start needs no stop";
  json error;
  for (const auto& frame : BrowserFrames()) {
    if (frame.contains("error")) error = frame["error"];
  }
  ASSERT_TRUE(error.is_object());
  EXPECT_EQ(error["tile"], "2");
  EXPECT_EQ(error["message"],
            "agent could not start the stream: stream a has 1 viewers, its limit (max_viewers 1)");
  EXPECT_EQ(Summary("a")->viewers, 1u);
  EXPECT_EQ(StateOf("a"), "playing");
}

TEST_F(DirectorServerTest, AMistypedTileIsABadCommand) {
  director_.OnViewerMessage(kBrowser, R"({"play":{"feed":"a","sdp":"x","tile":2}})");
  const auto frames = BrowserFrames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["error"]["message"], "play.tile must be a string of at most 64 characters");
  EXPECT_TRUE(outbox_.Take(kAgentA).empty());
}

}  // namespace
}  // namespace local_director

namespace local_director {
namespace {

// --ice-server: the list goes to agents (registerResponse and sdpRequest)
// and to the viewer page (GET /api/ice-servers).
TEST(DirectorIceServersTest, HandedToAgentsAndToThePage) {
  asio::io_context io;
  RecordingOutbox outbox;
  DirectorOptions options;
  options.ice_servers = {{{"stun:10.0.0.1:3478"}, "", ""},
                         {{"turn:10.0.0.1:3478?transport=udp"}, "cam", "pw"}};
  DirectorServer director(io, outbox, options);
  director.OnAgentOpen(1, "cam");
  director.OnAgentMessage(1, ahoy::EncodeAgentMessage(ahoy::Register{"cam", {"H264"}}));
  auto frames = outbox.Take(1);
  ASSERT_EQ(frames.size(), 1u);
  auto registered = DecodeForAgent(frames[0]);
  const auto* response = std::get_if<ahoy::RegisterResponse>(&registered);
  ASSERT_NE(response, nullptr);
  ASSERT_TRUE(response->ice_servers.has_value());
  ASSERT_EQ(response->ice_servers->size(), 2u);
  EXPECT_EQ((*response->ice_servers)[1].credential, "pw");

  director.OnViewerOpen(10);
  director.OnViewerMessage(10, json{{"play", {{"feed", "cam"}, {"sdp", "offer"}}}}.dump());
  frames = outbox.Take(1);
  ASSERT_EQ(frames.size(), 1u);
  auto start = DecodeForAgent(frames[0]);
  const std::string uuid = std::get<ahoy::StreamStartRequest>(start).uuid;
  director.OnAgentMessage(1, Reply(ahoy::ResponseKind::kStreamStart, uuid, "cam"));
  frames = outbox.Take(1);
  ASSERT_EQ(frames.size(), 1u);
  auto sdp = DecodeForAgent(frames[0]);
  const auto& request = std::get<ahoy::SdpRequest>(sdp);
  ASSERT_TRUE(request.ice_servers.has_value());
  EXPECT_EQ(request.ice_servers->size(), 2u);

  const json page = json::parse(EncodeIceServersApi(director.IceServers()));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[1]["urls"][0], "turn:10.0.0.1:3478?transport=udp");
  EXPECT_EQ(page[1]["credential"], "pw");
  EXPECT_FALSE(page[0].contains("credential"));
}

TEST(DirectorIceServersTest, NoneConfiguredNoneSent) {
  asio::io_context io;
  RecordingOutbox outbox;
  DirectorServer director(io, outbox, DirectorOptions{});
  director.OnAgentOpen(1, "cam");
  director.OnAgentMessage(1, ahoy::EncodeAgentMessage(ahoy::Register{"cam", {"H264"}}));
  auto frames = outbox.Take(1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].find("iceServers"), std::string::npos) << frames[0];
  EXPECT_EQ(EncodeIceServersApi(director.IceServers()), "[]");
}

}  // namespace
}  // namespace local_director
