// The Ahoy link's test peers: a scripted director (a real websocketpp server
// on 127.0.0.1), a fake feed, a status log and a log capture. Shared by the
// unit tests (ahoy_link_test.cc) and the ThreadSanitizer tests
// (tests/tsan/ahoy_link_concurrency_test.cc). Every wait is a condition
// variable with a timeout.
#pragma once

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
#include "signaling/ahoy_link.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "websocketpp/config/asio_no_tls.hpp"
#include "websocketpp/server.hpp"

namespace signaling {

using json = nlohmann::json;
using namespace std::chrono_literals;

inline constexpr auto kWait = 5s;  // generous upper bound; normal runs take milliseconds
inline constexpr char kKey[] = "s3cret-Key-42";
inline constexpr char kFeed[] = "cam 1";

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

inline json Envelope(const json& payload) {
  return {{"message", {{"to", std::string("director.api_") + kKey}, {"payload", payload}}}};
}

}  // namespace signaling
