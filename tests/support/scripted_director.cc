#include "scripted_director.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

namespace testing_support {

using Server = websocketpp::server<websocketpp::config::asio>;
using Json = nlohmann::json;

struct ScriptedDirector::Impl {
  Server server;
  std::thread thread;
  std::mutex mu;
  std::condition_variable changed;
  websocketpp::connection_hdl agent;
  std::vector<Json> received;
  int registrations = 0;

  void OnMessage(websocketpp::connection_hdl hdl, Server::message_ptr msg) {
    Json frame = Json::parse(msg->get_payload(), nullptr, false);
    if (frame.is_discarded()) return;
    if (frame.contains("register")) {
      const std::string name = frame["register"].value("name", "");
      Json reply = {{"registerResponse", {{"success", true}, {"feedUuid", name}}}};
      std::error_code ec;
      server.send(hdl, reply.dump(), websocketpp::frame::opcode::text, ec);
      std::lock_guard<std::mutex> lock(mu);
      ++registrations;
      changed.notify_all();
      return;
    }
    if (frame.contains("message") && frame["message"].contains("payload")) {
      frame = frame["message"]["payload"];
    }
    std::lock_guard<std::mutex> lock(mu);
    received.push_back(std::move(frame));
    changed.notify_all();
  }
};

ScriptedDirector::ScriptedDirector() : impl_(std::make_unique<Impl>()) {
  auto& s = impl_->server;
  s.clear_access_channels(websocketpp::log::alevel::all);
  s.clear_error_channels(websocketpp::log::elevel::all);
  s.init_asio();
  s.set_reuse_addr(true);
  Impl* impl = impl_.get();
  s.set_open_handler([impl](websocketpp::connection_hdl hdl) {
    std::lock_guard<std::mutex> lock(impl->mu);
    impl->agent = hdl;
  });
  s.set_message_handler([impl](websocketpp::connection_hdl hdl, Server::message_ptr msg) {
    impl->OnMessage(hdl, msg);
  });
}

ScriptedDirector::~ScriptedDirector() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int ScriptedDirector::Listen() {
  impl_->server.listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  impl_->server.start_accept();
  std::error_code ec;
  int port = impl_->server.get_local_endpoint(ec).port();
  impl_->thread = std::thread([this] { impl_->server.run(); });
  return port;
}

void ScriptedDirector::Send(const std::string& text) {
  websocketpp::connection_hdl hdl;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    hdl = impl_->agent;
  }
  std::error_code ec;
  impl_->server.send(hdl, text, websocketpp::frame::opcode::text, ec);
}

std::optional<Json> ScriptedDirector::WaitFor(const std::function<bool(const Json&)>& match,
                                              std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  std::optional<Json> found;
  impl_->changed.wait_for(lock, timeout, [&] {
    for (const auto& frame : impl_->received) {
      if (match(frame)) {
        found = frame;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::optional<Json> ScriptedDirector::WaitForResponse(const std::string& type,
                                                      const std::string& uuid,
                                                      std::chrono::milliseconds timeout) {
  auto frame = WaitFor(
      [&](const Json& f) {
        return f.contains(type) && f[type].is_object() && f[type].value("uuid", "") == uuid;
      },
      timeout);
  if (!frame) return std::nullopt;
  return (*frame)[type];
}

int ScriptedDirector::registrations() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->registrations;
}

bool ScriptedDirector::WaitForRegistrations(int count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->registrations >= count; });
}

}  // namespace testing_support
