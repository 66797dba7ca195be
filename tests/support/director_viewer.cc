#include "director_viewer.h"

#include <nlohmann/json.hpp>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

namespace testing_support {

using Client = websocketpp::client<websocketpp::config::asio_client>;

struct DirectorViewer::Impl {
  Client client;
  websocketpp::connection_hdl hdl;
  std::thread io_thread;
  std::mutex mu;
  std::condition_variable changed;
  std::deque<std::string> inbox;
  bool open = false;
  bool failed = false;
};

DirectorViewer::DirectorViewer() : impl_(std::make_unique<Impl>()) {
  auto& c = impl_->client;
  c.clear_access_channels(websocketpp::log::alevel::all);
  c.clear_error_channels(websocketpp::log::elevel::all);
  c.init_asio();
  Impl* impl = impl_.get();
  c.set_open_handler([impl](websocketpp::connection_hdl) {
    std::lock_guard<std::mutex> lock(impl->mu);
    impl->open = true;
    impl->changed.notify_all();
  });
  c.set_fail_handler([impl](websocketpp::connection_hdl) {
    std::lock_guard<std::mutex> lock(impl->mu);
    impl->failed = true;
    impl->changed.notify_all();
  });
  c.set_close_handler([impl](websocketpp::connection_hdl) {
    std::lock_guard<std::mutex> lock(impl->mu);
    impl->failed = true;
    impl->changed.notify_all();
  });
  c.set_message_handler([impl](websocketpp::connection_hdl, Client::message_ptr msg) {
    std::lock_guard<std::mutex> lock(impl->mu);
    impl->inbox.push_back(msg->get_payload());
    impl->changed.notify_all();
  });
}

DirectorViewer::~DirectorViewer() {
  websocketpp::lib::error_code ec;
  if (impl_->open) impl_->client.close(impl_->hdl, websocketpp::close::status::normal, "", ec);
  impl_->client.stop();
  if (impl_->io_thread.joinable()) impl_->io_thread.join();
}

absl::Status DirectorViewer::Connect(int director_port, std::chrono::milliseconds timeout) {
  return Connect("127.0.0.1", director_port, timeout);
}

absl::Status DirectorViewer::Connect(const std::string& host, int director_port,
                                     std::chrono::milliseconds timeout) {
  websocketpp::lib::error_code ec;
  std::string url = "ws://" + host + ":" + std::to_string(director_port) + "/viewer";
  auto con = impl_->client.get_connection(url, ec);
  if (ec) return absl::InternalError(ec.message());
  impl_->hdl = con->get_handle();
  impl_->client.connect(con);
  impl_->io_thread = std::thread([this] { impl_->client.run(); });
  std::unique_lock<std::mutex> lock(impl_->mu);
  if (!impl_->changed.wait_for(lock, timeout, [&] { return impl_->open || impl_->failed; }) ||
      !impl_->open) {
    return absl::UnavailableError("cannot connect to " + url);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DirectorViewer::WaitFor(const std::string& key,
                                                    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(impl_->mu);
  while (true) {
    while (!impl_->inbox.empty()) {
      auto msg = nlohmann::json::parse(impl_->inbox.front(), nullptr, false);
      impl_->inbox.pop_front();
      if (msg.is_discarded()) continue;
      if (msg.contains("error")) {
        return absl::FailedPreconditionError(msg["error"].value("message", "error"));
      }
      if (msg.contains(key)) return msg[key].dump();
    }
    if (impl_->failed) return absl::UnavailableError("viewer socket closed");
    if (impl_->changed.wait_until(lock, deadline) == std::cv_status::timeout &&
        impl_->inbox.empty()) {
      return absl::DeadlineExceededError("no " + key + " from the director");
    }
  }
}

absl::StatusOr<std::string> DirectorViewer::Play(const std::string& feed,
                                                 const std::string& offer_sdp,
                                                 std::chrono::milliseconds timeout) {
  nlohmann::json play = {{"play", {{"feed", feed}, {"sdp", offer_sdp}}}};
  websocketpp::lib::error_code ec;
  impl_->client.send(impl_->hdl, play.dump(), websocketpp::frame::opcode::text, ec);
  if (ec) return absl::UnavailableError(ec.message());
  auto answer = WaitFor("answer", timeout);
  if (!answer.ok()) return answer.status();
  return nlohmann::json::parse(*answer).value("sdp", "");
}

absl::Status DirectorViewer::Stop(const std::string& feed, std::chrono::milliseconds timeout) {
  nlohmann::json stop = {{"stop", {{"feed", feed}}}};
  websocketpp::lib::error_code ec;
  impl_->client.send(impl_->hdl, stop.dump(), websocketpp::frame::opcode::text, ec);
  if (ec) return absl::UnavailableError(ec.message());
  return WaitFor("stopped", timeout).status();
}

}  // namespace testing_support
