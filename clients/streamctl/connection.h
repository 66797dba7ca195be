// How streamctl reaches the agent: the channel (plaintext, TLS or mutual TLS,
// from the global flags) and the bearer token every call carries.
#ifndef GWA_CLIENTS_STREAMCTL_CONNECTION_H_
#define GWA_CLIENTS_STREAMCTL_CONNECTION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace streamctl {

struct Connection {
  std::shared_ptr<grpc::Channel> channel;
  std::string bearer_token;  // empty: send none. Secret: never printed.
};

// Builds the connection from --server, --tls, --ca-file, --cert-file,
// --key-file and --token-file. On a local problem (a flag combination, an
// unreadable or empty file) returns false with `error` set; `error` names
// files, never their content.
bool Connect(Connection* out, std::string* error);

// Adds `authorization: Bearer <token>` to a call when a token is configured.
void Authorize(const std::string& bearer_token, grpc::ClientContext* context);

}  // namespace streamctl

#endif  // GWA_CLIENTS_STREAMCTL_CONNECTION_H_
