#include "engine/turn_tls_tunnel.h"

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>
#include <asio.hpp>
#include <asio/ssl.hpp>

#include "absl/strings/str_cat.h"

namespace engine {
namespace {

using asio::ip::tcp;

std::string Describe(const TlsRelayTarget& target) {
  return absl::StrCat("turns:", target.host, ":", target.port,
                      target.host == target.address ? "" : absl::StrCat(" (", target.address, ")"));
}

// One connection libnice opened: its plain side and the server's TLS side,
// each read into its own buffer and written to the other, until either side
// closes. Everything runs on the tunnels' one thread, so no locks.
class Splice : public std::enable_shared_from_this<Splice> {
 public:
  Splice(tcp::socket plain, asio::ssl::context& tls, const TlsRelayTarget& target)
      : plain_(std::move(plain)), secure_(plain_.get_executor(), tls), target_(target) {}

  void Start() {
    std::error_code ec;
    const bool host_is_ip = (asio::ip::make_address(target_.host, ec), !ec);
    // SNI only for names (RFC 6066 forbids addresses there).
    if (!host_is_ip) SSL_set_tlsext_host_name(secure_.native_handle(), target_.host.c_str());
    secure_.set_verify_mode(asio::ssl::verify_peer);
    secure_.set_verify_callback(asio::ssl::host_name_verification(target_.host));
    auto self = shared_from_this();
    tcp::endpoint server(asio::ip::make_address(target_.address), target_.port);
    secure_.next_layer().async_connect(server, [self](std::error_code error) {
      if (error) return self->Fail("connect", error);
      self->secure_.async_handshake(asio::ssl::stream_base::client,
                                    [self](std::error_code handshake) {
                                      if (handshake) return self->Fail("TLS handshake", handshake);
                                      self->PumpToServer();
                                      self->PumpToLibnice();
                                    });
    });
  }

 private:
  void PumpToServer() {
    auto self = shared_from_this();
    plain_.async_read_some(asio::buffer(to_server_), [self](std::error_code error, size_t n) {
      if (error) return self->Close();
      asio::async_write(self->secure_, asio::buffer(self->to_server_, n),
                        [self](std::error_code written, size_t) {
                          if (written) return self->Close();
                          self->PumpToServer();
                        });
    });
  }

  void PumpToLibnice() {
    auto self = shared_from_this();
    secure_.async_read_some(asio::buffer(to_libnice_), [self](std::error_code error, size_t n) {
      if (error) return self->Close();
      asio::async_write(self->plain_, asio::buffer(self->to_libnice_, n),
                        [self](std::error_code written, size_t) {
                          if (written) return self->Close();
                          self->PumpToLibnice();
                        });
    });
  }

  void Fail(const char* step, const std::error_code& error) {
    spdlog::warn("TURN over TLS to {}: {} failed: {}", Describe(target_), step, error.message());
    Close();
  }

  // Closing both sockets ends the other direction's pending operations too.
  void Close() {
    std::error_code ignored;
    plain_.close(ignored);
    secure_.next_layer().close(ignored);
  }

  tcp::socket plain_;
  asio::ssl::stream<tcp::socket> secure_;
  TlsRelayTarget target_;
  std::array<char, 16384> to_server_{};
  std::array<char, 16384> to_libnice_{};
};

class Tunnel {
 public:
  Tunnel(asio::io_context& io, TlsRelayTarget target)
      : acceptor_(io),
        retry_(io),
        tls_(asio::ssl::context::tls_client),
        target_(std::move(target)) {}

  absl::Status Open() {
    std::error_code error;
    tls_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1,
                     error);
    if (target_.ca_file.empty()) {
      tls_.set_default_verify_paths(error);
    } else {
      tls_.load_verify_file(target_.ca_file, error);
    }
    if (error) {
      return absl::InvalidArgumentError(absl::StrCat("TLS CA bundle for ", Describe(target_), " '",
                                                     target_.ca_file, "': ", error.message()));
    }
    const tcp::endpoint loopback(asio::ip::address_v4::loopback(), 0);
    acceptor_.open(loopback.protocol(), error);
    if (!error) acceptor_.bind(loopback, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("TURN over TLS to ", Describe(target_), ": no listener: ", error.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    return absl::OkStatus();
  }

  void Accept() {
    acceptor_.async_accept([this](std::error_code error, tcp::socket plain) {
      if (error == asio::error::operation_aborted) return;
      if (!error) {
        std::make_shared<Splice>(std::move(plain), tls_, target_)->Start();
        return Accept();
      }
      // Out of descriptors and the like: accepting again at once would spin.
      spdlog::warn("TURN over TLS to {}: accept failed: {}", Describe(target_), error.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](std::error_code waited) {
        if (!waited) Accept();
      });
    });
  }

  uint16_t port() const { return port_; }

 private:
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  asio::ssl::context tls_;
  TlsRelayTarget target_;
  uint16_t port_ = 0;
};

class Tunnels {
 public:
  absl::StatusOr<uint16_t> PortFor(const TlsRelayTarget& target) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto found = tunnels_.find(target); found != tunnels_.end()) return found->second->port();
    auto tunnel = std::make_unique<Tunnel>(io_, target);
    if (absl::Status opened = tunnel->Open(); !opened.ok()) return opened;
    Tunnel* started = tunnel.get();
    asio::post(io_, [started] { started->Accept(); });
    if (!thread_.joinable()) thread_ = std::thread([this] { io_.run(); });
    spdlog::info("TURN over TLS to {} through 127.0.0.1:{}", Describe(target), started->port());
    const uint16_t port = started->port();
    tunnels_.emplace(target, std::move(tunnel));
    return port;
  }

 private:
  std::mutex mutex_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
  std::map<TlsRelayTarget, std::unique_ptr<Tunnel>> tunnels_;
};

}  // namespace

absl::StatusOr<uint16_t> TlsRelayTunnelPort(const TlsRelayTarget& target) {
  // Lives as long as the process: sessions of any stream may use a tunnel
  // until the very end, and its thread is never joined at exit.
  static Tunnels* const tunnels = new Tunnels;
  return tunnels->PortFor(target);
}

}  // namespace engine
