// The websocketpp server (config::asio or config::asio_tls, runs on the caller's io_context):
// upgrade validation (API key, Origin), routing of /feeds/<name> and /viewer
// connections to DirectorServer, plain HTTP to http_routes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>

#include "director_server.h"
#include "listen_address.h"
#include "viewer_congestion.h"

namespace local_director {

class WsEndpoint : public Outbox {
 public:
  // `api_key`: when set, agent upgrades need a matching `x-api-key` header.
  // `tls`: serve HTTPS/WSS with this context; nullptr serves plain HTTP/WS.
  WsEndpoint(asio::io_context& io, std::optional<std::string> api_key,
             std::shared_ptr<asio::ssl::context> tls = nullptr);
  ~WsEndpoint() override;
  WsEndpoint(const WsEndpoint&) = delete;
  WsEndpoint& operator=(const WsEndpoint&) = delete;

  // Must be called before Listen(); `director` must outlive the endpoint's use.
  void Attach(DirectorServer* director);
  // Optional, before Listen(): what GET /api/congestion answers from; must
  // outlive the endpoint's use.
  void AttachCongestion(const ViewerCongestionSource* source);

  // Binds and starts accepting. Returns the bound port (the real one when
  // address.port is 0), or nullopt with *error set.
  std::optional<uint16_t> Listen(const ListenAddress& address, std::string* error);

  // Stops accepting and starts closing every WebSocket connection.
  void Shutdown();
  std::size_t OpenConnections() const;

  void Send(ConnId conn, const std::string& text) override;
  void Close(ConnId conn, const std::string& reason) override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace local_director
