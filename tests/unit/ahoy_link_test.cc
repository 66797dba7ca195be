// AhoyLink against a real websocketpp server on 127.0.0.1 acting as a
// scripted director (ahoy_test_peers.h). Every wait is a condition variable
// with a timeout.
#include "signaling/ahoy_link.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ahoy_test_peers.h"

namespace signaling {
namespace {

class AhoyLinkTest : public ::testing::Test {
 protected:
  LinkConfig Config(const TestDirector& director) {
    LinkConfig config;
    config.director_url = director.url();
    config.feed_name = kFeed;
    config.api_key = kKey;
    config.backoff_initial = 10ms;
    config.backoff_max = 40ms;
    config.on_status_change = status_.Callback();
    return config;
  }

  // Waits for the link to connect and register, answers registerResponse and
  // waits until the link reports kRegistered.
  void ExpectRegistration(TestDirector& director) {
    std::optional<TestDirector::Handshake> handshake = director.NextHandshake();
    ASSERT_TRUE(handshake.has_value());
    EXPECT_EQ(handshake->api_key, kKey);
    EXPECT_EQ(handshake->resource, "/feeds/cam%201");
    std::optional<json> frame = director.NextFrame();
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(*frame, json::parse(R"({"register": {"name": "cam 1",
        "capabilities": {"video": {"codecs": ["H264"]}}}})"));
    director.Send(json{{"registerResponse", {{"success", true}, {"feedUuid", kFeed}}}});
    ASSERT_TRUE(status_.Wait(LinkState::kRegistered).has_value());
  }

  LogCapture logs_;
  StatusLog status_;
};

TEST_F(AhoyLinkTest, RegistersWithKeyHeaderEscapedPathAndRegisterFrame) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ExpectRegistration(director);
  LinkStatus status = link->Status();
  EXPECT_EQ(status.state, LinkState::kRegistered);
  EXPECT_EQ(status.connect_attempts, 1);
  EXPECT_EQ(status.last_error, "");
  EXPECT_STREQ(LinkStateName(status.state), "REGISTERED");
  link.reset();
  EXPECT_EQ(logs_.text().find(kKey), std::string::npos) << logs_.text();
}

TEST_F(AhoyLinkTest, NoKeyHeaderWhenKeyIsEmpty) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  LinkConfig config = Config(director);
  config.api_key.clear();
  std::unique_ptr<AhoyLink> link = pool.Open(config, &signals);
  std::optional<TestDirector::Handshake> handshake = director.NextHandshake();
  ASSERT_TRUE(handshake.has_value());
  EXPECT_FALSE(handshake->has_api_key);
}

// v1.1: the sessionId of each request reaches the feed and comes back in its
// response; a v1 request (no sessionId) reaches it as the default session.
TEST_F(AhoyLinkTest, PassesSessionIdsThroughAndEchoesThem) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ExpectRegistration(director);

  director.Send(json{
      {"streamStartRequest", {{"uuid", "r-1"}, {"feedUuid", kFeed}, {"sessionId", "tile-2"}}}});
  std::optional<json> frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(
      *frame,
      Envelope(
          {{"streamStartResponse",
            {{"success", true}, {"uuid", "r-1"}, {"feedUuid", kFeed}, {"sessionId", "tile-2"}}}}));
  EXPECT_EQ(signals.last_session(), SessionId("tile-2"));

  director.Send(json{{"sdpRequest", {{"uuid", "r-2"}, {"sdp", "o"}, {"sessionId", "tile-2"}}}});
  frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(*frame, Envelope({{"sdpResponse",
                               {{"success", true},
                                {"uuid", "r-2"},
                                {"sdp", "answer-sdp"},
                                {"sessionId", "tile-2"}}}}));

  director.Send(json{{"streamStopRequest", {{"uuid", "r-3"}, {"feedUuid", kFeed}}}});
  frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(*frame, Envelope({{"streamStopResponse",
                               {{"success", true}, {"uuid", "r-3"}, {"feedUuid", kFeed}}}}));
  EXPECT_EQ(signals.last_session(), std::nullopt) << "no sessionId: every session stops";

  // A bad sessionId is answered success:false naming it; the link stays.
  director.Send(
      json{{"streamStartRequest", {{"uuid", "r-4"}, {"feedUuid", kFeed}, {"sessionId", ""}}}});
  frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  const json& body = (*frame)["message"]["payload"]["streamStartResponse"];
  EXPECT_EQ(body["success"], false);
  EXPECT_EQ(body["uuid"], "r-4");
  EXPECT_NE(body["error"].get<std::string>().find("sessionId"), std::string::npos) << body;
  EXPECT_EQ(link->Status().state, LinkState::kRegistered);
}

// v1.1 iceServers: the sdpRequest's list wins, then the registerResponse's;
// without either the feed uses the agent's own (nullopt). The credential is
// never logged.
TEST_F(AhoyLinkTest, IceServersFromRequestWinOverTheLinksAndNeitherIsLogged) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ASSERT_TRUE(director.NextHandshake().has_value());
  ASSERT_TRUE(director.NextFrame().has_value());  // register
  const json link_servers = json::array(
      {{{"urls", "turn:192.0.2.1:3478"}, {"username", "u"}, {"credential", "link-S3CRET"}}});
  director.Send(json{{"registerResponse",
                      {{"success", true}, {"feedUuid", kFeed}, {"iceServers", link_servers}}}});
  ASSERT_TRUE(status_.Wait(LinkState::kRegistered).has_value());

  director.Send(json{{"sdpRequest", {{"uuid", "i-1"}, {"sdp", "o"}}}});
  ASSERT_TRUE(director.NextFrame().has_value());
  auto servers = signals.last_ice_servers();
  ASSERT_TRUE(servers.has_value());
  ASSERT_EQ(servers->size(), 1u);
  EXPECT_EQ((*servers)[0].urls, std::vector<std::string>{"turn:192.0.2.1:3478"});
  EXPECT_EQ((*servers)[0].credential, "link-S3CRET");

  const json request_servers =
      json::array({{{"urls", json::array({"stun:192.0.2.2", "turns:192.0.2.3:5349"})},
                    {"username", "r"},
                    {"credential", "req-S3CRET"}}});
  director.Send(
      json{{"sdpRequest", {{"uuid", "i-2"}, {"sdp", "o"}, {"iceServers", request_servers}}}});
  ASSERT_TRUE(director.NextFrame().has_value());
  servers = signals.last_ice_servers();
  ASSERT_TRUE(servers.has_value());
  ASSERT_EQ(servers->size(), 1u);
  EXPECT_EQ((*servers)[0].urls.size(), 2u);
  EXPECT_EQ((*servers)[0].credential, "req-S3CRET");

  const std::string logs = logs_.text();
  EXPECT_EQ(logs.find("S3CRET"), std::string::npos) << logs;
}

TEST_F(AhoyLinkTest, WithoutIceServersFromTheDirectorTheAgentsOwnAreUsed) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ExpectRegistration(director);
  director.Send(json{{"sdpRequest", {{"uuid", "i-3"}, {"sdp", "o"}}}});
  ASSERT_TRUE(director.NextFrame().has_value());
  EXPECT_EQ(signals.offers(), 1);
  EXPECT_FALSE(signals.last_ice_servers().has_value());
}

TEST_F(AhoyLinkTest, AnswersRequestsThroughFeedSignals) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ExpectRegistration(director);

  director.Send(json{{"streamStartRequest", {{"uuid", "r-1"}, {"feedUuid", kFeed}}}});
  std::optional<json> frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(*frame, Envelope({{"streamStartResponse",
                               {{"success", true}, {"uuid", "r-1"}, {"feedUuid", kFeed}}}}));
  EXPECT_EQ(signals.starts(), 1);

  director.Send(json{
      {"sdpRequest",
       {{"uuid", "r-2"},
        {"feedUuid", kFeed},
        {"sdp", "offer-sdp"},
        {"candidates",
         {{{"candidate", "candidate:1 1 UDP 9 1.2.3.4 5 typ host"}, {"sdpMLineIndex", 0}}}}}}});
  frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(
      *frame,
      Envelope({{"sdpResponse", {{"success", true}, {"uuid", "r-2"}, {"sdp", "answer-sdp"}}}}));
  EXPECT_EQ(signals.last_offer(), "offer-sdp");
  ASSERT_EQ(signals.last_candidates().size(), 1u);
  EXPECT_EQ(signals.last_candidates()[0].candidate, "candidate:1 1 UDP 9 1.2.3.4 5 typ host");
  EXPECT_EQ(signals.last_candidates()[0].sdp_mline_index, 0);

  // An older director omits feedUuid on sdpRequest: it is this feed's.
  director.Send(json{{"sdpRequest", {{"uuid", "r-3"}, {"sdp", "offer-2"}}}});
  frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(
      *frame,
      Envelope({{"sdpResponse", {{"success", true}, {"uuid", "r-3"}, {"sdp", "answer-sdp"}}}}));
  EXPECT_EQ(signals.offers(), 2);
  EXPECT_TRUE(signals.last_candidates().empty());

  director.Send(json{{"streamStopRequest", {{"uuid", "r-4"}, {"feedUuid", kFeed}}}});
  frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(*frame, Envelope({{"streamStopResponse",
                               {{"success", true}, {"uuid", "r-4"}, {"feedUuid", kFeed}}}}));
  EXPECT_EQ(signals.stops(), 1);

  // A failure of the feed becomes success:false with the reason; the link stays.
  signals.set_start_result(absl::UnavailableError("camera unplugged"));
  director.Send(json{{"streamStartRequest", {{"uuid", "r-5"}, {"feedUuid", kFeed}}}});
  frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(*frame, Envelope({{"streamStartResponse",
                               {{"success", false},
                                {"uuid", "r-5"},
                                {"feedUuid", kFeed},
                                {"error", "camera unplugged"}}}}));
  EXPECT_EQ(link->Status().state, LinkState::kRegistered);
  EXPECT_EQ(signals.links_lost(), 0);

  link.reset();
  const std::string logs = logs_.text();
  EXPECT_EQ(logs.find(kKey), std::string::npos) << logs;
  EXPECT_NE(logs.find("r-2"), std::string::npos) << "expected some request logging";
}

TEST_F(AhoyLinkTest, WrongFeedUuidIsRefusedWithoutCallingTheFeed) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ExpectRegistration(director);

  director.Send(json{{"streamStartRequest", {{"uuid", "r-1"}, {"feedUuid", "cam 2"}}}});
  std::optional<json> frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  const json& start = (*frame)["message"]["payload"]["streamStartResponse"];
  EXPECT_EQ(start["success"], false);
  EXPECT_EQ(start["uuid"], "r-1");
  EXPECT_NE(start["error"].get<std::string>().find("cam 2"), std::string::npos) << start;

  director.Send(json{{"sdpRequest", {{"uuid", "r-2"}, {"feedUuid", "cam 2"}, {"sdp", "o"}}}});
  frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  const json& sdp = (*frame)["message"]["payload"]["sdpResponse"];
  EXPECT_EQ(sdp["success"], false);
  EXPECT_EQ(sdp["uuid"], "r-2");
  EXPECT_TRUE(sdp.contains("error"));

  director.Send(json{{"streamStopRequest", {{"uuid", "r-3"}, {"feedUuid", "cam 2"}}}});
  frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ((*frame)["message"]["payload"]["streamStopResponse"]["success"], false);

  EXPECT_EQ(signals.starts(), 0);
  EXPECT_EQ(signals.offers(), 0);
  EXPECT_EQ(signals.stops(), 0);
}

TEST_F(AhoyLinkTest, MalformedFramesAreAnsweredOrIgnoredAndTheLinkStays) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ExpectRegistration(director);

  director.SendText(R"({"sdpRequest": {"uuid": "r-9", "sdp": 5}})");
  std::optional<json> frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(*frame, Envelope({{"sdpResponse",
                               {{"success", false},
                                {"uuid", "r-9"},
                                {"sdp", ""},
                                {"error", "sdpRequest.sdp: missing or not a string"}}}}));

  // No uuid to answer, unknown type, bad JSON, binary: nothing is sent back.
  director.SendText(R"({"streamStartRequest": {"feedUuid": "cam 1"}})");
  director.SendText(R"({"viewerJoined": {"uuid": "x"}})");
  director.SendText("{not json");
  director.SendText("[1, 2, 3]");
  director.Send(json{{"streamStopRequest", {{"uuid", "r-10"}, {"feedUuid", kFeed}}}});
  frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ((*frame)["message"]["payload"]["streamStopResponse"]["uuid"], "r-10");
  EXPECT_EQ(signals.offers(), 0);
  EXPECT_EQ(signals.starts(), 0);
  EXPECT_EQ(signals.links_lost(), 0);
  EXPECT_EQ(link->Status().state, LinkState::kRegistered);
}

TEST_F(AhoyLinkTest, ReconnectsAndReregistersAfterTheDirectorCloses) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ExpectRegistration(director);

  director.CloseCurrent();
  ASSERT_TRUE(signals.WaitLinksLost(1));
  std::optional<LinkStatus> backing_off = status_.Wait(LinkState::kBackingOff);
  ASSERT_TRUE(backing_off.has_value());
  EXPECT_NE(backing_off->last_error.find("closed by director"), std::string::npos)
      << backing_off->last_error;

  ExpectRegistration(director);
  EXPECT_EQ(link->Status().connect_attempts, 2);
  EXPECT_EQ(signals.links_lost(), 1);

  // The new connection works.
  director.Send(json{{"streamStartRequest", {{"uuid", "r-1"}, {"feedUuid", kFeed}}}});
  std::optional<json> frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ((*frame)["message"]["payload"]["streamStartResponse"]["success"], true);
}

TEST_F(AhoyLinkTest, LateAnswerForALostConnectionIsDropped) {
  TestDirector director;
  FakeSignals signals;
  signals.set_hold_offers(true);
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ExpectRegistration(director);

  director.Send(json{{"sdpRequest", {{"uuid", "r-1"}, {"sdp", "offer"}}}});
  ASSERT_TRUE(signals.WaitOffers(1));
  director.CloseCurrent();
  ASSERT_TRUE(signals.WaitLinksLost(1));
  ExpectRegistration(director);

  // The answer arrives after the reconnect: it must not go out on the new link.
  auto done = signals.TakeHeldOfferDone();
  ASSERT_TRUE(done);
  done(std::string("stale-answer"));
  director.Send(json{{"streamStartRequest", {{"uuid", "r-2"}, {"feedUuid", kFeed}}}});
  std::optional<json> frame = director.NextFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ((*frame)["message"]["payload"]["streamStartResponse"]["uuid"], "r-2") << *frame;
}

TEST_F(AhoyLinkTest, AnswerAfterCloseAndAfterPoolIsGoneIsHarmless) {
  TestDirector director;
  FakeSignals signals;
  signals.set_hold_offers(true);
  auto pool = std::make_unique<LinkPool>();
  std::unique_ptr<AhoyLink> link = pool->Open(Config(director), &signals);
  ExpectRegistration(director);
  director.Send(json{{"sdpRequest", {{"uuid", "r-1"}, {"sdp", "offer"}}}});
  ASSERT_TRUE(signals.WaitOffers(1));
  auto done = signals.TakeHeldOfferDone();

  link->Close();
  EXPECT_EQ(link->Status().state, LinkState::kClosed);
  link->Close();  // idempotent
  done(std::string("late"));

  // A second link whose handle outlives the pool.
  signals.set_hold_offers(true);
  std::unique_ptr<AhoyLink> second = pool->Open(Config(director), &signals);
  ExpectRegistration(director);
  director.Send(json{{"sdpRequest", {{"uuid", "r-2"}, {"sdp", "offer"}}}});
  ASSERT_TRUE(signals.WaitOffers(2));
  auto second_done = signals.TakeHeldOfferDone();
  pool.reset();  // closes `second`
  EXPECT_EQ(second->Status().state, LinkState::kClosed);
  second_done(std::string("late"));
  second->Close();
  second.reset();
  EXPECT_EQ(signals.links_lost(), 0);  // Close() is not a link loss
}

TEST_F(AhoyLinkTest, CloseFromInsideAFeedCallbackDoesNotDeadlock) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  AhoyLink* raw = link.get();
  signals.set_start_hook([raw] { raw->Close(); });
  ExpectRegistration(director);
  director.Send(json{{"streamStartRequest", {{"uuid", "r-1"}, {"feedUuid", kFeed}}}});
  ASSERT_TRUE(signals.WaitStarts(1));
  link.reset();  // waits for the asio thread; must not hang
  EXPECT_EQ(signals.links_lost(), 0);
}

TEST_F(AhoyLinkTest, MissingPongMeansADeadLink) {
  TestDirector director;
  director.set_answer_pings(false);
  FakeSignals signals;
  LinkPool pool;
  LinkConfig config = Config(director);
  config.ping_interval = 30ms;
  config.pong_timeout = 60ms;
  std::unique_ptr<AhoyLink> link = pool.Open(config, &signals);
  ExpectRegistration(director);
  ASSERT_TRUE(signals.WaitLinksLost(1));
  std::optional<LinkStatus> lost = status_.Wait(LinkState::kBackingOff);
  ASSERT_TRUE(lost.has_value());
  EXPECT_NE(lost->last_error.find("no pong"), std::string::npos) << lost->last_error;
  director.set_answer_pings(true);
  ExpectRegistration(director);  // and it comes back
}

TEST_F(AhoyLinkTest, AnsweredPingsKeepTheLink) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  LinkConfig config = Config(director);
  config.ping_interval = 10ms;
  config.pong_timeout = 30ms;
  std::unique_ptr<AhoyLink> link = pool.Open(config, &signals);
  ExpectRegistration(director);
  // Five ping rounds span more than the pong timeout.
  ASSERT_TRUE(director.WaitPings(5));
  director.Send(json{{"streamStartRequest", {{"uuid", "r"}, {"feedUuid", kFeed}}}});
  ASSERT_TRUE(director.NextFrame().has_value());
  EXPECT_EQ(signals.links_lost(), 0);
  EXPECT_EQ(link->Status().connect_attempts, 1);
}

TEST_F(AhoyLinkTest, OversizedFrameDropsTheLinkAndItReconnects) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ExpectRegistration(director);
  director.SendText(std::string(1100 * 1024, 'x'));
  ASSERT_TRUE(signals.WaitLinksLost(1));
  ExpectRegistration(director);
}

TEST_F(AhoyLinkTest, RegistrationRejectedBacksOffAndRetries) {
  TestDirector director;
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ASSERT_TRUE(director.NextHandshake().has_value());
  ASSERT_TRUE(director.NextFrame().has_value());
  director.Send(json{{"registerResponse", {{"success", false}, {"error", "name taken"}}}});
  std::optional<LinkStatus> backing_off = status_.Wait(LinkState::kBackingOff);
  ASSERT_TRUE(backing_off.has_value());
  EXPECT_NE(backing_off->last_error.find("name taken"), std::string::npos)
      << backing_off->last_error;
  ExpectRegistration(director);  // retried after the back-off
}

void ExpectUnauthorized(int http_status) {
  LogCapture logs;
  TestDirector director(http_status);
  FakeSignals signals;
  StatusLog status_log;
  LinkPool pool;
  LinkConfig config;
  config.director_url = director.url();
  config.feed_name = kFeed;
  config.api_key = kKey;
  config.backoff_initial = 10ms;
  config.backoff_max = 60s;  // the cap applies at once: no second attempt within the test
  config.on_status_change = status_log.Callback();
  std::unique_ptr<AhoyLink> link = pool.Open(config, &signals);

  std::optional<TestDirector::Handshake> handshake = director.NextHandshake();
  ASSERT_TRUE(handshake.has_value());
  EXPECT_EQ(handshake->api_key, kKey);
  const auto before = std::chrono::system_clock::now();
  std::optional<LinkStatus> status = status_log.Wait(LinkState::kUnauthorized);
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(status->last_error.find(std::to_string(http_status)), std::string::npos)
      << status->last_error;
  EXPECT_EQ(status->last_error.find(kKey), std::string::npos);
  EXPECT_EQ(status->connect_attempts, 1);
  EXPECT_GE(status->next_attempt, before + 45s);  // 60 s -20 %, minus slack

  LinkStatus snapshot = link->Status();
  EXPECT_EQ(snapshot.state, LinkState::kUnauthorized);
  link.reset();  // cancels the long back-off at once
  EXPECT_EQ(signals.links_lost(), 0);
  EXPECT_EQ(logs.text().find(kKey), std::string::npos) << logs.text();
}

TEST(AhoyLinkAuthTest, Http401MeansUnauthorizedWithLongBackoff) { ExpectUnauthorized(401); }
TEST(AhoyLinkAuthTest, Http403MeansUnauthorizedWithLongBackoff) { ExpectUnauthorized(403); }

TEST_F(AhoyLinkTest, OtherHttpFailureBacksOffShortly) {
  TestDirector director(500);
  FakeSignals signals;
  LinkPool pool;
  std::unique_ptr<AhoyLink> link = pool.Open(Config(director), &signals);
  ASSERT_TRUE(director.NextHandshake().has_value());
  std::optional<LinkStatus> status = status_.Wait(LinkState::kBackingOff);
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(status->last_error.find("500"), std::string::npos) << status->last_error;
  ASSERT_TRUE(director.NextHandshake().has_value());  // retried within the short back-off
}

TEST_F(AhoyLinkTest, UnreachableDirectorBacksOff) {
  FakeSignals signals;
  LinkPool pool;
  LinkConfig config;
  {
    TestDirector gone;  // take a port, then free it
    config = Config(gone);
  }
  std::unique_ptr<AhoyLink> link = pool.Open(config, &signals);
  std::optional<LinkStatus> status = status_.Wait(LinkState::kBackingOff);
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(status->last_error.find("connect failed"), std::string::npos) << status->last_error;
  EXPECT_GT(status->next_attempt, std::chrono::system_clock::time_point{});
  ASSERT_TRUE(status_.Wait(LinkState::kConnecting).has_value());  // and tries again
}

TEST_F(AhoyLinkTest, UnsupportedSchemeIsReported) {
  FakeSignals signals;
  LinkPool pool;
  LinkConfig config;
  config.director_url = "http://127.0.0.1:1/feeds/";
  config.feed_name = kFeed;
  config.on_status_change = status_.Callback();
  std::unique_ptr<AhoyLink> link = pool.Open(config, &signals);
  std::optional<LinkStatus> status = status_.Wait(LinkState::kBackingOff);
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(status->last_error.find("scheme"), std::string::npos) << status->last_error;
}

TEST(UrlEscapeTest, EscapesAllButUnreserved) {
  EXPECT_EQ(UrlEscape("cam 1"), "cam%201");
  EXPECT_EQ(UrlEscape("cam1"), "cam1");
  EXPECT_EQ(UrlEscape("A-z_0.9~"), "A-z_0.9~");
  EXPECT_EQ(UrlEscape("a/b?c#d%e"), "a%2Fb%3Fc%23d%25e");
  EXPECT_EQ(UrlEscape("\xc3\xbc"), "%C3%BC");
  EXPECT_EQ(UrlEscape(""), "");
}

}  // namespace
}  // namespace signaling
