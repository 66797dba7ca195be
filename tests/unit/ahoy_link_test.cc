// AhoyLink against a real websocketpp server on 127.0.0.1 acting as a
// scripted director. Every wait is a condition variable with a timeout.
#include "signaling/ahoy_link.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "websocketpp/config/asio_no_tls.hpp"
#include "websocketpp/server.hpp"

namespace signaling {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kWait = 5s;  // generous upper bound; normal runs take milliseconds
constexpr char kKey[] = "s3cret-Key-42";
constexpr char kFeed[] = "cam 1";

// ---- a scripted director ----------------------------------------------------------

class TestDirector {
 public:
  using Server = websocketpp::server<websocketpp::config::asio>;
  struct Handshake {
    std::string api_key;
    bool has_api_key = false;
    std::string resource;
  };

  // `reject_status` != 0: every upgrade is answered with that HTTP status.
  explicit TestDirector(int reject_status = 0) : reject_status_(reject_status) {
    server_.clear_access_channels(websocketpp::log::alevel::all);
    server_.clear_error_channels(websocketpp::log::elevel::all);
    server_.init_asio();
    server_.set_reuse_addr(true);
    server_.set_validate_handler([this](websocketpp::connection_hdl hdl) {
      Server::connection_ptr con = server_.get_con_from_hdl(hdl);
      Handshake handshake;
      handshake.api_key = con->get_request_header("x-api-key");
      std::string raw = con->get_request().raw();
      std::transform(raw.begin(), raw.end(), raw.begin(), ::tolower);
      handshake.has_api_key = raw.find("x-api-key:") != std::string::npos;
      handshake.resource = con->get_resource();
      Push(handshakes_, std::move(handshake));
      if (reject_status_ != 0) {
        con->set_status(static_cast<websocketpp::http::status_code::value>(reject_status_));
        return false;
      }
      return true;
    });
    server_.set_open_handler([this](websocketpp::connection_hdl hdl) {
      std::lock_guard<std::mutex> lock(mu_);
      current_ = hdl;
    });
    server_.set_message_handler([this](websocketpp::connection_hdl, Server::message_ptr message) {
      Push(frames_, message->get_payload());
    });
    server_.set_ping_handler([this](websocketpp::connection_hdl, std::string) {
      bool answer;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++pings_;
        answer = answer_pings_;
      }
      cv_.notify_all();
      return answer;  // false: no pong
    });
    server_.listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    server_.start_accept();
    std::error_code ec;
    port_ = server_.get_local_endpoint(ec).port();
    thread_ = std::thread([this] { server_.run(); });
  }

  ~TestDirector() {
    asio::post(server_.get_io_service(), [this] {
      websocketpp::lib::error_code ec;
      server_.stop_listening(ec);
      server_.stop();
    });
    thread_.join();
  }

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/feeds/"; }

  std::optional<Handshake> NextHandshake() { return Pop(handshakes_); }

  std::optional<json> NextFrame() {
    std::optional<std::string> text = Pop(frames_);
    if (!text) return std::nullopt;
    return json::parse(*text);
  }

  // Sends a text frame on the most recently opened connection.
  void SendText(const std::string& text) {
    asio::post(server_.get_io_service(), [this, text] {
      websocketpp::lib::error_code ec;
      server_.send(Current(), text, websocketpp::frame::opcode::text, ec);
    });
  }
  void Send(const json& message) { SendText(message.dump()); }

  void CloseCurrent() {
    asio::post(server_.get_io_service(), [this] {
      websocketpp::lib::error_code ec;
      server_.close(Current(), websocketpp::close::status::normal, "bye", ec);
    });
  }

  bool WaitPings(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return pings_ >= n; });
  }

  void set_answer_pings(bool answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_pings_ = answer;
  }

 private:
  template <typename T>
  void Push(std::deque<T>& queue, T value) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue.push_back(std::move(value));
    }
    cv_.notify_all();
  }

  template <typename T>
  std::optional<T> Pop(std::deque<T>& queue) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, kWait, [&] { return !queue.empty(); })) return std::nullopt;
    T value = std::move(queue.front());
    queue.pop_front();
    return value;
  }

  websocketpp::connection_hdl Current() {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }

  const int reject_status_;
  Server server_;
  std::thread thread_;
  std::uint16_t port_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Handshake> handshakes_;
  std::deque<std::string> frames_;
  websocketpp::connection_hdl current_;
  bool answer_pings_ = true;
  int pings_ = 0;
};

// ---- a fake feed ----------------------------------------------------------------

class FakeSignals : public FeedSignals {
 public:
  ~FakeSignals() override {
    for (std::thread& t : threads_) t.join();
  }

  void OnStreamStart(const SessionId& session, std::function<void(absl::Status)> done) override {
    std::function<void()> hook;
    absl::Status result;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++starts_;
      last_session_ = session;
      hook = start_hook_;
      result = start_result_;
    }
    cv_.notify_all();
    if (hook) hook();
    done(result);  // inline, on the link's own thread
  }

  void OnOffer(const SessionId& session, std::string offer_sdp,
               std::vector<ahoy::IceCandidate> candidates,
               std::function<void(absl::StatusOr<std::string>)> done,
               std::optional<std::vector<ahoy::IceServer>> ice_servers) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++offers_;
    last_session_ = session;
    last_ice_servers_ = std::move(ice_servers);
    last_offer_ = std::move(offer_sdp);
    last_candidates_ = std::move(candidates);
    if (hold_offers_) {
      held_offer_done_ = std::move(done);
    } else {
      // Answer from another thread, like the engine does.
      threads_.emplace_back([done = std::move(done)] { done(std::string("answer-sdp")); });
    }
    cv_.notify_all();
  }

  void OnStreamStop(const SessionId& session, std::function<void(absl::Status)> done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stops_;
      last_session_ = session;
    }
    cv_.notify_all();
    done(absl::OkStatus());
  }

  void OnLinkLost() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++links_lost_;
    }
    cv_.notify_all();
  }

  bool WaitLinksLost(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return links_lost_ >= n; });
  }
  bool WaitStarts(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return starts_ >= n; });
  }
  bool WaitOffers(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return offers_ >= n; });
  }

  void set_start_result(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    start_result_ = std::move(status);
  }
  void set_start_hook(std::function<void()> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    start_hook_ = std::move(hook);
  }
  void set_hold_offers(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_offers_ = hold;
  }
  std::function<void(absl::StatusOr<std::string>)> TakeHeldOfferDone() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(held_offer_done_);
  }

  int starts() const { return Get(starts_); }
  int offers() const { return Get(offers_); }
  int stops() const { return Get(stops_); }
  int links_lost() const { return Get(links_lost_); }
  std::string last_offer() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_offer_;
  }
  std::vector<ahoy::IceCandidate> last_candidates() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_candidates_;
  }
  SessionId last_session() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_session_;
  }
  std::optional<std::vector<ahoy::IceServer>> last_ice_servers() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_ice_servers_;
  }

 private:
  int Get(const int& field) const {
    std::lock_guard<std::mutex> lock(mu_);
    return field;
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  int starts_ = 0, offers_ = 0, stops_ = 0, links_lost_ = 0;
  absl::Status start_result_;
  std::function<void()> start_hook_;
  bool hold_offers_ = false;
  std::function<void(absl::StatusOr<std::string>)> held_offer_done_;
  std::string last_offer_;
  std::vector<ahoy::IceCandidate> last_candidates_;
  std::optional<std::vector<ahoy::IceServer>> last_ice_servers_;
  SessionId last_session_;
  std::vector<std::thread> threads_;
};

// Collects the link's status changes (LinkConfig::on_status_change).
class StatusLog {
 public:
  std::function<void(const LinkStatus&)> Callback() {
    return [this](const LinkStatus& status) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        history_.push_back(status);
      }
      cv_.notify_all();
    };
  }
  // The next status (after those already consumed) in `state`.
  std::optional<LinkStatus> Wait(LinkState state) {
    std::unique_lock<std::mutex> lock(mu_);
    std::optional<LinkStatus> found;
    cv_.wait_for(lock, kWait, [&] {
      for (; cursor_ < history_.size(); ++cursor_) {
        if (history_[cursor_].state == state) {
          found = history_[cursor_++];
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<LinkStatus> history_;
  std::size_t cursor_ = 0;
};

// Routes spdlog into a string for the test's lifetime.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return stream_.str();
  }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

json Envelope(const json& payload) {
  return {{"message", {{"to", std::string("director.api_") + kKey}, {"payload", payload}}}};
}

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
