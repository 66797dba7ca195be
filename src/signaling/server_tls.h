// The TLS server context every listener of this project serves from (the
// local director's WebSocket/HTTP endpoint, the agent's metrics endpoint):
// TLS 1.2 or newer, a PEM certificate chain and key, and, when a client CA is
// given, client certificates required and verified against it.
#pragma once

#include <memory>
#include <string>

#include <asio/ssl/context.hpp>

#include "absl/status/statusor.h"

namespace signaling {

struct ServerTlsFiles {
  std::string cert_file;       // PEM chain, server certificate first
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // empty: no client certificates asked for
};

// INVALID_ARGUMENT naming the flag and file (--tls-cert, --tls-key,
// --tls-client-ca) that cannot be used; never the key's content.
absl::StatusOr<std::shared_ptr<asio::ssl::context>> LoadServerTls(const ServerTlsFiles& files);

}  // namespace signaling
