#include "ws_endpoint.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <asio/ssl/context.hpp>
#include <websocketpp/config/asio.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "api_key.h"
#include "http_routes.h"
#include "url_path.h"

namespace local_director {
namespace {

using Hdl = websocketpp::connection_hdl;
namespace status = websocketpp::http::status_code;

constexpr std::string_view kFeedsPrefix = "/feeds/";
constexpr std::string_view kViewerPath = "/viewer";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// True when there is no Origin (non-browser client) or its host:port equals
// the Host header, i.e. the page was served by this director.
bool SameOrigin(std::string_view origin, std::string_view host) {
  if (origin.empty()) return true;
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view origin_host = origin.substr(scheme_end + 3);
  origin_host = origin_host.substr(0, origin_host.find('/'));
  return EqualsIgnoreCase(origin_host, host);
}

}  // namespace

// What WsEndpoint needs from a server, plain or TLS.
struct WsEndpoint::Impl {
  virtual ~Impl() = default;
  const ViewerCongestionSource* congestion = nullptr;  // /api/congestion; may be null
  virtual void Attach(DirectorServer* director) = 0;
  virtual std::optional<uint16_t> Listen(const ListenAddress& address, std::string* error) = 0;
  virtual void Shutdown() = 0;
  virtual std::size_t OpenConnections() const = 0;
  virtual void Send(ConnId conn, const std::string& text) = 0;
  virtual void Close(ConnId conn, const std::string& reason) = 0;
};

namespace {

// The same endpoint over websocketpp's plain (config::asio) or TLS
// (config::asio_tls) transport; only the TLS context differs.
template <typename Config>
struct ServerImpl final : WsEndpoint::Impl {
  using Server = websocketpp::server<Config>;
  enum class Kind { kAgent, kViewer };
  struct Conn {
    Kind kind;
    Hdl hdl;
  };

  Server server;
  std::optional<std::string> api_key;
  DirectorServer* director = nullptr;
  bool shutting_down = false;
  ConnId next_id = 1;
  std::map<ConnId, Conn> conns;
  std::map<Hdl, ConnId, std::owner_less<Hdl>> ids;

  bool Validate(Hdl hdl) {
    const typename Server::connection_ptr con = server.get_con_from_hdl(hdl);
    const std::string_view path = PathOf(con->get_resource());
    if (shutting_down) {
      con->set_status(status::service_unavailable);
      return false;
    }
    if (path.substr(0, kFeedsPrefix.size()) == kFeedsPrefix) {
      const auto name = PercentDecode(path.substr(kFeedsPrefix.size()));
      if (!name || name->empty()) {
        spdlog::warn("agent upgrade refused: bad feed name in URL");
        con->set_status(status::bad_request);
        return false;
      }
      if (api_key && !ApiKeyMatches(*api_key, con->get_request_header("x-api-key"))) {
        spdlog::warn("agent upgrade for feed '{}' refused: missing or wrong x-api-key", *name);
        con->set_status(status::unauthorized);
        return false;
      }
      return true;
    }
    if (path == kViewerPath) {
      if (!SameOrigin(con->get_request_header("Origin"), con->get_request_header("Host"))) {
        spdlog::warn("viewer upgrade refused: cross-origin request");
        con->set_status(status::forbidden);
        return false;
      }
      return true;
    }
    con->set_status(status::not_found);
    return false;
  }

  void OnOpen(Hdl hdl) {
    const typename Server::connection_ptr con = server.get_con_from_hdl(hdl);
    const std::string_view path = PathOf(con->get_resource());
    const ConnId id = next_id++;
    const bool agent = path != kViewerPath;
    conns[id] = Conn{agent ? Kind::kAgent : Kind::kViewer, hdl};
    ids[hdl] = id;
    spdlog::debug("connection {} opened: {} from {}", id, std::string(path),
                  con->get_remote_endpoint());
    if (agent) {
      director->OnAgentOpen(id, PercentDecode(path.substr(kFeedsPrefix.size())).value_or(""));
    } else {
      director->OnViewerOpen(id);
    }
  }

  void OnMessage(Hdl hdl, typename Server::message_ptr message) {
    const auto it = ids.find(hdl);
    if (it == ids.end()) return;
    const ConnId id = it->second;
    if (message->get_opcode() != websocketpp::frame::opcode::text) {
      spdlog::warn("connection {}: binary frame ignored", id);
      return;
    }
    if (conns.at(id).kind == Kind::kAgent) {
      director->OnAgentMessage(id, message->get_payload());
    } else {
      director->OnViewerMessage(id, message->get_payload());
    }
  }

  void OnGone(Hdl hdl) {
    const auto it = ids.find(hdl);
    if (it == ids.end()) return;
    const ConnId id = it->second;
    const Kind kind = conns.at(id).kind;
    ids.erase(it);
    conns.erase(id);
    spdlog::debug("connection {} closed", id);
    if (kind == Kind::kAgent) {
      director->OnAgentClose(id);
    } else {
      director->OnViewerClose(id);
    }
  }

  void OnHttp(Hdl hdl) {
    const typename Server::connection_ptr con = server.get_con_from_hdl(hdl);
    const HttpReply reply =
        RouteHttp(con->get_request().get_method(), con->get_resource(), *director, congestion);
    con->set_status(static_cast<status::value>(reply.status));
    for (const auto& [name, value] : reply.headers) con->replace_header(name, value);
    con->set_body(reply.body);
    spdlog::debug("HTTP {} {} -> {}", con->get_request().get_method(), con->get_resource(),
                  reply.status);
  }

  ServerImpl(asio::io_context& io, std::optional<std::string> key,
             std::shared_ptr<asio::ssl::context> tls)
      : api_key(std::move(key)) {
    // Our own logs report what matters; websocketpp's would go to stdout/stderr raw.
    server.clear_access_channels(websocketpp::log::alevel::all);
    server.clear_error_channels(websocketpp::log::elevel::all);
    server.init_asio(&io);
    server.set_reuse_addr(true);
    server.set_validate_handler([this](Hdl hdl) { return Validate(hdl); });
    server.set_open_handler([this](Hdl hdl) { OnOpen(hdl); });
    server.set_message_handler(
        [this](Hdl hdl, typename Server::message_ptr message) { OnMessage(hdl, message); });
    server.set_close_handler([this](Hdl hdl) { OnGone(hdl); });
    server.set_fail_handler([this](Hdl hdl) { OnGone(hdl); });
    server.set_http_handler([this](Hdl hdl) { OnHttp(hdl); });
    if constexpr (!std::is_same_v<Config, websocketpp::config::asio>) {
      // One context for every connection: certificate and key were loaded
      // (and checked) once at start-up.
      server.set_tls_init_handler([tls](Hdl) { return tls; });
    } else {
      (void)tls;
    }
  }

  void Attach(DirectorServer* d) override { director = d; }

  std::optional<uint16_t> Listen(const ListenAddress& address, std::string* error) override {
    std::error_code ec;
    server.listen(address.host, std::to_string(address.port), ec);
    if (!ec) server.start_accept(ec);
    if (ec) {
      *error = "cannot listen on " + HttpUrl(address.host, address.port) + ": " + ec.message();
      return std::nullopt;
    }
    const auto local = server.get_local_endpoint(ec);
    if (ec) {
      *error = "cannot read the bound address: " + ec.message();
      return std::nullopt;
    }
    return local.port();
  }

  void Shutdown() override {
    shutting_down = true;
    std::error_code ec;
    if (server.is_listening()) server.stop_listening(ec);
    std::vector<Hdl> open;
    for (const auto& [id, conn] : conns) open.push_back(conn.hdl);
    for (const Hdl& hdl : open) {
      server.close(hdl, websocketpp::close::status::going_away, "director shutting down", ec);
    }
  }

  std::size_t OpenConnections() const override { return conns.size(); }

  void Send(ConnId conn, const std::string& text) override {
    const auto it = conns.find(conn);
    if (it == conns.end()) return;
    std::error_code ec;
    server.send(it->second.hdl, text, websocketpp::frame::opcode::text, ec);
    if (ec) spdlog::debug("connection {}: send failed: {}", conn, ec.message());
  }

  void Close(ConnId conn, const std::string& reason) override {
    const auto it = conns.find(conn);
    if (it == conns.end()) return;
    std::error_code ec;
    server.close(it->second.hdl, websocketpp::close::status::policy_violation, reason, ec);
    if (ec) spdlog::debug("connection {}: close failed: {}", conn, ec.message());
  }
};

}  // namespace

WsEndpoint::WsEndpoint(asio::io_context& io, std::optional<std::string> api_key,
                       std::shared_ptr<asio::ssl::context> tls) {
  if (tls) {
    impl_ = std::make_unique<ServerImpl<websocketpp::config::asio_tls>>(io, std::move(api_key),
                                                                        std::move(tls));
  } else {
    impl_ =
        std::make_unique<ServerImpl<websocketpp::config::asio>>(io, std::move(api_key), nullptr);
  }
}

WsEndpoint::~WsEndpoint() = default;

void WsEndpoint::Attach(DirectorServer* director) { impl_->Attach(director); }

void WsEndpoint::AttachCongestion(const ViewerCongestionSource* source) {
  impl_->congestion = source;
}

std::optional<uint16_t> WsEndpoint::Listen(const ListenAddress& address, std::string* error) {
  return impl_->Listen(address, error);
}

void WsEndpoint::Shutdown() { impl_->Shutdown(); }

std::size_t WsEndpoint::OpenConnections() const { return impl_->OpenConnections(); }

void WsEndpoint::Send(ConnId conn, const std::string& text) { impl_->Send(conn, text); }

void WsEndpoint::Close(ConnId conn, const std::string& reason) { impl_->Close(conn, reason); }

}  // namespace local_director
