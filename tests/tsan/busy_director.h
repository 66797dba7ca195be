// A director for the ThreadSanitizer tests that needs no script: a real
// websocketpp server on 127.0.0.1 that accepts every registration, then
// sends kOffersPerRegistration sdpRequests on that connection and counts the
// successful sdpResponses per feed.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "ahoy_test_peers.h"

namespace signaling {

inline constexpr int kOffersPerRegistration = 20;

class BusyDirector {
 public:
  using Server = websocketpp::server<websocketpp::config::asio>;

  BusyDirector() {
    server_.clear_access_channels(websocketpp::log::alevel::all);
    server_.clear_error_channels(websocketpp::log::elevel::all);
    server_.init_asio();
    server_.set_reuse_addr(true);
    server_.set_open_handler([this](websocketpp::connection_hdl hdl) { open_.insert(hdl); });
    server_.set_close_handler([this](websocketpp::connection_hdl hdl) { open_.erase(hdl); });
    server_.set_fail_handler([this](websocketpp::connection_hdl hdl) { open_.erase(hdl); });
    server_.set_message_handler([this](websocketpp::connection_hdl hdl, Server::message_ptr m) {
      OnFrame(hdl, json::parse(m->get_payload()));
    });
    server_.listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    server_.start_accept();
    std::error_code ec;
    port_ = server_.get_local_endpoint(ec).port();
    thread_ = std::thread([this] { server_.run(); });
  }

  ~BusyDirector() {
    asio::post(server_.get_io_service(), [this] {
      websocketpp::lib::error_code ec;
      server_.stop_listening(ec);
      server_.stop();
    });
    thread_.join();
  }

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/feeds/"; }

  // Closes every open connection (the links see the director go away).
  void DropAll() {
    asio::post(server_.get_io_service(), [this] {
      for (const auto& hdl : std::set<websocketpp::connection_hdl, Owner>(open_)) {
        websocketpp::lib::error_code ec;
        server_.close(hdl, websocketpp::close::status::going_away, "restart", ec);
      }
    });
  }

  // Waits until every feed in `feeds` has had `n` offers answered.
  bool WaitAnswers(const std::vector<std::string>& feeds, int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 4 * kWait, [&] {
      for (const std::string& feed : feeds) {
        if (answers_[feed] < n) return false;
      }
      return true;
    });
  }
  int registrations(const std::string& feed) {
    std::lock_guard<std::mutex> lock(mu_);
    return registrations_[feed];
  }
  int bad_frames() {
    std::lock_guard<std::mutex> lock(mu_);
    return bad_frames_;
  }

 private:
  using Owner = std::owner_less<websocketpp::connection_hdl>;

  // Server thread.
  void OnFrame(websocketpp::connection_hdl hdl, const json& frame) {
    if (frame.contains("register")) {
      const std::string feed = frame["register"]["name"];
      names_[hdl] = feed;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++registrations_[feed];
      }
      Send(hdl, json{{"registerResponse", {{"success", true}, {"feedUuid", feed}}}});
      for (int i = 0; i < kOffersPerRegistration; ++i) {
        Send(hdl, json{{"sdpRequest",
                        {{"uuid", "o-" + std::to_string(i)}, {"feedUuid", feed}, {"sdp", "o"}}}});
      }
      return;
    }
    const json* body = nullptr;
    if (frame.contains("message")) {
      const json& payload = frame["message"]["payload"];
      if (payload.contains("sdpResponse")) body = &payload["sdpResponse"];
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (body && (*body)["success"] == true && (*body)["sdp"] == "answer-sdp") {
        ++answers_[names_[hdl]];
      } else {
        ++bad_frames_;
      }
    }
    cv_.notify_all();
  }

  void Send(websocketpp::connection_hdl hdl, const json& message) {
    websocketpp::lib::error_code ec;
    server_.send(hdl, message.dump(), websocketpp::frame::opcode::text, ec);
  }

  Server server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  // ---- server thread only ----
  std::set<websocketpp::connection_hdl, Owner> open_;
  std::map<websocketpp::connection_hdl, std::string, Owner> names_;
  // ---- guarded by mu_ ----
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> answers_;
  std::map<std::string, int> registrations_;
  int bad_frames_ = 0;
};

}  // namespace signaling
