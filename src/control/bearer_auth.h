// Bearer-token check for the gRPC server, as a grpc::AuthMetadataProcessor.
//
// Why a processor and not a server interceptor: gRPC C++ server interceptors
// (1.51) cannot refuse a call before the handler runs; they can only rewrite
// the status afterwards, so Start would already have created a stream. The
// processor runs in the server's auth filter, before any handler, fails the
// call with our status, and removes the consumed `authorization` header from
// the metadata the handlers see. Its catch: it needs secure server
// credentials (TLS, or gRPC's local credentials on loopback; see
// server_credentials.h).
#pragma once

#include <grpcpp/security/auth_metadata_processor.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "control/rotating_secret.h"

namespace control {

// Methods callable without a token, so orchestrators can probe and discover
// the agent: the standard health service and server reflection.
bool IsExemptFromAuth(absl::string_view method_path);

// Compares two secrets in time independent of where they differ and of their
// lengths (both are hashed first, then compared with CRYPTO_memcmp).
bool SecretsEqual(absl::string_view a, absl::string_view b);

class BearerTokenProcessor final : public grpc::AuthMetadataProcessor {
 public:
  // The one reason given to every refused call: it never says what was sent.
  static constexpr char kRefusal[] = "missing or invalid bearer token";

  explicit BearerTokenProcessor(std::string token)
      : token_(RotatingSecret::Fixed(std::move(token))) {}
  // The token in force is the secret's value at each call (rotation).
  explicit BearerTokenProcessor(std::shared_ptr<const RotatingSecret> token)
      : token_(std::move(token)) {}

  // The check is a hash and a compare: cheap enough for gRPC's own thread.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  const std::shared_ptr<const RotatingSecret> token_;
};

}  // namespace control
