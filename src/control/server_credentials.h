// Turns the agent's security options into gRPC server credentials: TLS,
// mutual TLS, or plaintext, with the bearer-token check attached when a
// token is configured.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "control/rotating_secret.h"

namespace control {

struct SecurityOptions {
  // PEM files. cert + key turn TLS on; client_ca also requires and verifies a
  // client certificate signed by that CA (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Non-empty: every StreamControl call needs `authorization: Bearer <token>`
  // (health and reflection are exempt, see bearer_auth.h). Secret.
  std::string auth_token;
  // Set: the token in force at each call (rotation); auth_token is then its
  // value at start-up.
  std::shared_ptr<RotatingSecret> auth_token_source;
  // > 0: the TLS files are watched (gRPC's FileWatcherCertificateProvider)
  // and a changed certificate, key or client CA is served to new
  // connections within this many seconds. 0: read once.
  unsigned reload_interval_s = 0;
};

// Errors name the option or file at fault, never a file's content.
// A token without TLS is only accepted on a loopback listen address: the
// token would otherwise cross the network in clear text.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> BuildServerCredentials(
    const SecurityOptions& options, const std::string& listen_address);

// Whether host:port names only the local machine (127.x.x.x, [::1], localhost).
bool IsLoopbackListenAddress(const std::string& listen_address);

// Human summary for the start-up log line, e.g. "mutual TLS, bearer token".
std::string DescribeSecurity(const SecurityOptions& options);

}  // namespace control
