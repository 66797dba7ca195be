// LinkPool: one asio thread, one websocketpp client endpoint for ws:// and
// one for wss://; WsLink: the websocketpp transport under a LinkCore.
#include "signaling/ahoy_link.h"

#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "asio/executor_work_guard.hpp"
#include "asio/io_context.hpp"
#include "asio/post.hpp"
#include "asio/ssl/context.hpp"
#include "asio/ssl/host_name_verification.hpp"
#include "asio/steady_timer.hpp"
#include "openssl/x509.h"
#include "signaling/link_core.h"
#include "spdlog/spdlog.h"
#include "websocketpp/client.hpp"
#include "websocketpp/config/asio_client.hpp"
#include "websocketpp/config/asio_no_tls_client.hpp"

namespace signaling {
namespace {

using PlainClient = websocketpp::client<websocketpp::config::asio_client>;
using TlsClient = websocketpp::client<websocketpp::config::asio_tls_client>;

// How long the pool's destructor lets closing connections finish their
// close handshake before it stops the asio thread regardless.
constexpr std::chrono::milliseconds kShutdownGrace{2000};
constexpr long kCloseHandshakeTimeoutMs = 1000;

// What the TLS init handler needs to build a context for one connection.
struct TlsRequest {
  std::string host;
  std::string ca_file;
  bool insecure = false;
  std::string error;  // set by the handler when the context cannot be built
  // Why the peer's certificate was refused, filled during the handshake so a
  // failed connection can say more than "handshake failed".
  std::shared_ptr<std::string> verify_error = std::make_shared<std::string>();
};

// State shared by the pool and its links; asio thread only.
struct PoolShared {
  // websocketpp asks for the TLS context from inside get_connection() (on the
  // asio thread); the link puts its settings here just around that call.
  TlsRequest* pending_tls = nullptr;
  int live_connections = 0;
  bool shutting_down = false;
  std::unique_ptr<asio::steady_timer> shutdown_deadline;

  void ConnectionStarted() { ++live_connections; }
  void ConnectionGone() {
    if (--live_connections == 0 && shutting_down && shutdown_deadline) {
      shutdown_deadline->cancel();
    }
  }
};

bool IsTls(const std::string& url) {
  if (url.size() < 6) return false;
  std::string scheme = url.substr(0, 6);
  for (char& c : scheme) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return scheme == "wss://";
}

template <typename Config>
class WsLink final : public internal::LinkCore {
 public:
  using Client = websocketpp::client<Config>;
  using ConnectionPtr = typename Client::connection_ptr;
  using MessagePtr = typename Client::message_ptr;

  WsLink(asio::io_context& io, std::thread::id io_thread, Client& client, PoolShared& shared,
         LinkConfig config, FeedSignals* signals)
      : LinkCore(io, io_thread, std::move(config), signals), client_(client), shared_(shared) {}

 private:
  static constexpr bool kTls = std::is_same_v<Config, websocketpp::config::asio_tls_client>;

  std::string Connect(const std::string& url, std::uint64_t gen) override {
    websocketpp::lib::error_code ec;
    TlsRequest tls;
    ConnectionPtr con;
    if constexpr (kTls) {
      try {
        tls.host = websocketpp::uri(url).get_host();
      } catch (const std::exception&) {
        // An unparsable URL fails in get_connection() below.
      }
      tls.ca_file = config().ca_file;
      tls.insecure = config().tls_insecure;
      shared_.pending_tls = &tls;
      con = client_.get_connection(url, ec);
      shared_.pending_tls = nullptr;
      verify_error_ = tls.verify_error;
    } else {
      con = client_.get_connection(url, ec);
    }
    if (ec || !con) {
      std::string error = "cannot connect to " + Scrub(url) + ": " + ec.message();
      if (!tls.error.empty()) error += " (" + Scrub(tls.error) + ")";
      return error;
    }

    if (!api_key().empty()) con->append_header("x-api-key", api_key());
    con->set_max_message_size(internal::kMaxFrameBytes);
    con->set_close_handshake_timeout(kCloseHandshakeTimeoutMs);

    std::weak_ptr<WsLink> weak = std::static_pointer_cast<WsLink>(shared_from_this());
    Client* client = &client_;
    PoolShared* shared = &shared_;
    con->set_open_handler([weak, gen, client](websocketpp::connection_hdl hdl) {
      auto self = weak.lock();
      if (!self) return;
      // Small frames (SDP answers, keep-alive) must not wait for Nagle.
      websocketpp::lib::error_code con_ec;
      if (ConnectionPtr opened = client->get_con_from_hdl(hdl, con_ec)) {
        std::error_code ignored;
        opened->get_raw_socket().set_option(asio::ip::tcp::no_delay(true), ignored);
      }
      self->HandleOpen(gen);
    });
    con->set_fail_handler([weak, gen, client, shared](websocketpp::connection_hdl hdl) {
      shared->ConnectionGone();
      auto self = weak.lock();
      if (!self) return;
      websocketpp::lib::error_code con_ec;
      ConnectionPtr failed = client->get_con_from_hdl(hdl, con_ec);
      if (!failed) {
        self->HandleFail(gen, 0, "connection failed");
        return;
      }
      std::string reason = DescribeFailure(*failed);
      if (self->verify_error_ && !self->verify_error_->empty()) {
        reason += ": director certificate refused: " + *self->verify_error_;
      }
      self->HandleFail(gen, static_cast<int>(failed->get_response_code()), self->Scrub(reason));
    });
    con->set_close_handler([weak, gen, client, shared](websocketpp::connection_hdl hdl) {
      shared->ConnectionGone();
      auto self = weak.lock();
      if (!self) return;
      websocketpp::lib::error_code con_ec;
      ConnectionPtr closed = client->get_con_from_hdl(hdl, con_ec);
      self->HandleClose(gen, closed ? self->Scrub(DescribeClose(*closed)) : "connection closed");
    });
    con->set_message_handler([weak, gen](websocketpp::connection_hdl, MessagePtr message) {
      auto self = weak.lock();
      if (!self || !message) return;
      if (message->get_opcode() != websocketpp::frame::opcode::text) {
        spdlog::debug("ahoy[{}]: ignoring non-text frame", self->config().feed_name);
        return;
      }
      self->HandleMessage(gen, message->get_payload());
    });
    con->set_pong_handler([weak, gen](websocketpp::connection_hdl, std::string) {
      if (auto self = weak.lock()) self->HandlePong(gen);
    });

    client_.connect(con);
    shared_.ConnectionStarted();
    con_ = std::move(con);
    return {};
  }

  void SendText(const std::string& text) override {
    if (!con_) return;
    const websocketpp::lib::error_code ec = con_->send(text, websocketpp::frame::opcode::text);
    if (ec) {
      spdlog::warn("ahoy[{}]: send failed: {}", config().feed_name, Scrub(ec.message()));
    }
  }

  void SendPing() override {
    if (!con_) return;
    websocketpp::lib::error_code ec;
    con_->ping("", ec);
    if (ec) {
      spdlog::debug("ahoy[{}]: ping failed: {}", config().feed_name, Scrub(ec.message()));
    }
  }

  void Drop(bool graceful) override {
    ConnectionPtr con = std::move(con_);
    con_.reset();
    if (!con) return;
    const auto state = con->get_state();
    websocketpp::lib::error_code ec;
    if (state == websocketpp::session::state::open && graceful) {
      con->close(websocketpp::close::status::going_away, "", ec);
      if (!ec) return;
    }
    if (state == websocketpp::session::state::connecting ||
        state == websocketpp::session::state::open) {
      con->terminate(websocketpp::error::make_error_code(websocketpp::error::operation_canceled));
    }
  }

  static std::string DescribeFailure(typename Client::connection_type& con) {
    std::string text = "connect failed: " + con.get_ec().message();
    const auto transport_ec = con.get_transport_ec();
    if (transport_ec && transport_ec.message() != con.get_ec().message()) {
      text += " (" + transport_ec.message() + ")";
    }
    const int status = static_cast<int>(con.get_response_code());
    if (status != 0 && status != 101) text += ", director answered HTTP " + std::to_string(status);
    return text;
  }

  static std::string DescribeClose(typename Client::connection_type& con) {
    const auto code = con.get_remote_close_code();
    if (code != websocketpp::close::status::blank &&
        code != websocketpp::close::status::no_status &&
        code != websocketpp::close::status::abnormal_close) {
      std::string text = "closed by director (code " + std::to_string(code);
      if (!con.get_remote_close_reason().empty()) text += ": " + con.get_remote_close_reason();
      return text + ")";
    }
    if (con.get_local_close_code() == websocketpp::close::status::message_too_big) {
      return "director sent a frame larger than " + std::to_string(internal::kMaxFrameBytes) +
             " bytes";
    }
    return "connection lost: " + con.get_ec().message();
  }

  Client& client_;
  PoolShared& shared_;
  ConnectionPtr con_;                          // asio thread only; released by Drop()
  std::shared_ptr<std::string> verify_error_;  // of the current TLS connection
};

// The handle given to the caller; destroying it closes the link.
class LinkHandle final : public AhoyLink {
 public:
  explicit LinkHandle(std::shared_ptr<internal::LinkCore> core) : core_(std::move(core)) {}
  ~LinkHandle() override { core_->Close(); }
  LinkStatus Status() const override { return core_->Status(); }
  void Close() override { core_->Close(); }

 private:
  std::shared_ptr<internal::LinkCore> core_;
};

}  // namespace

const char* LinkStateName(LinkState state) {
  switch (state) {
    case LinkState::kConnecting:
      return "CONNECTING";
    case LinkState::kRegistered:
      return "REGISTERED";
    case LinkState::kUnauthorized:
      return "UNAUTHORIZED";
    case LinkState::kBackingOff:
      return "BACKING_OFF";
    case LinkState::kClosed:
      return "CLOSED";
  }
  return "UNKNOWN";
}

std::string UrlEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

struct LinkPool::Impl : PoolShared {
  // Declared first so that it is destroyed last: connections still queued in
  // it refer to its services.
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  PlainClient plain;
  TlsClient tls;
  std::thread thread;

  std::mutex mu;
  std::vector<std::weak_ptr<internal::LinkCore>> links;  // guarded by mu

  Impl() {
    plain.clear_access_channels(websocketpp::log::alevel::all);
    plain.clear_error_channels(websocketpp::log::elevel::all);
    plain.init_asio(&io);
    tls.clear_access_channels(websocketpp::log::alevel::all);
    tls.clear_error_channels(websocketpp::log::elevel::all);
    tls.init_asio(&io);
    tls.set_tls_init_handler([this](websocketpp::connection_hdl) { return MakeTlsContext(); });
    thread = std::thread([this] { Run(); });
  }

  // PoolShared is a base, so its members outlive ours: without this the
  // shutdown timer would be destroyed after `io`, reaching into a timer
  // service already gone (AddressSanitizer: heap-use-after-free). The asio
  // thread has been joined by now, so nothing else touches the timer.
  ~Impl() { shutdown_deadline.reset(); }

  void Run() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("ahoy: unexpected exception on the link thread: {}", e.what());
      }
    }
  }

  std::shared_ptr<asio::ssl::context> MakeTlsContext() {
    TlsRequest* request = pending_tls;
    if (request == nullptr) return nullptr;
    try {
      auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
      context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1);
      if (request->insecure) {
        context->set_verify_mode(asio::ssl::verify_none);
        return context;
      }
      context->set_default_verify_paths();
      if (!request->ca_file.empty()) context->load_verify_file(request->ca_file);
      context->set_verify_mode(asio::ssl::verify_peer);
      // SNI is set by websocketpp from the URI host.
      context->set_verify_callback([check = asio::ssl::host_name_verification(request->host),
                                    verify_error = request->verify_error](
                                       bool preverified, asio::ssl::verify_context& ctx) mutable {
        const bool ok = check(preverified, ctx);
        if (!ok && verify_error->empty()) {
          const int err = X509_STORE_CTX_get_error(ctx.native_handle());
          *verify_error = err != X509_V_OK ? X509_verify_cert_error_string(err)
                                           : "certificate does not name the host";
        }
        return ok;
      });
      return context;
    } catch (const std::exception& e) {
      request->error = std::string("TLS setup failed: ") + e.what();
      return nullptr;
    }
  }

  // Asio thread: let the thread end once closing connections are done (or
  // after kShutdownGrace).
  void BeginShutdown() {
    shutting_down = true;
    if (live_connections > 0) {
      shutdown_deadline = std::make_unique<asio::steady_timer>(io, kShutdownGrace);
      shutdown_deadline->async_wait([this](const std::error_code& ec) {
        if (!ec) io.stop();
      });
    }
    work.reset();
  }
};

LinkPool::LinkPool() : impl_(std::make_unique<Impl>()) {}

LinkPool::~LinkPool() {
  std::vector<std::shared_ptr<internal::LinkCore>> links;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (auto& weak : impl_->links) {
      if (auto link = weak.lock()) links.push_back(std::move(link));
    }
    impl_->links.clear();
  }
  for (auto& link : links) link->Close();
  links.clear();
  asio::post(impl_->io, [impl = impl_.get()] { impl->BeginShutdown(); });
  impl_->thread.join();
}

std::unique_ptr<AhoyLink> LinkPool::Open(LinkConfig config, FeedSignals* signals) {
  const std::thread::id io_thread = impl_->thread.get_id();
  std::shared_ptr<internal::LinkCore> link;
  if (IsTls(config.director_url)) {
    link = std::make_shared<WsLink<websocketpp::config::asio_tls_client>>(
        impl_->io, io_thread, impl_->tls, *impl_, std::move(config), signals);
  } else {
    link = std::make_shared<WsLink<websocketpp::config::asio_client>>(
        impl_->io, io_thread, impl_->plain, *impl_, std::move(config), signals);
  }
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    // Forget links whose handles are gone, then remember this one.
    std::vector<std::weak_ptr<internal::LinkCore>> alive;
    alive.reserve(impl_->links.size() + 1);
    for (auto& weak : impl_->links) {
      if (!weak.expired()) alive.push_back(std::move(weak));
    }
    alive.push_back(link);
    impl_->links = std::move(alive);
  }
  link->Start();
  return std::make_unique<LinkHandle>(std::move(link));
}

}  // namespace signaling
