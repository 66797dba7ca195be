#include "control/bearer_auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/match.h"

namespace control {
namespace {

constexpr absl::string_view kExemptServices[] = {
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
};

constexpr absl::string_view kBearerPrefix = "Bearer ";

absl::string_view ToView(const grpc::string_ref& ref) {
  return absl::string_view(ref.data(), ref.size());
}

}  // namespace

bool IsExemptFromAuth(absl::string_view method_path) {
  for (absl::string_view prefix : kExemptServices) {
    if (absl::StartsWith(method_path, prefix)) return true;
  }
  return false;
}

bool SecretsEqual(absl::string_view a, absl::string_view b) {
  // Hashing first makes the compare fixed-length, so the time taken tells
  // nothing about the expected token's length either.
  unsigned char da[SHA256_DIGEST_LENGTH];
  unsigned char db[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db);
  return CRYPTO_memcmp(da, db, sizeof da) == 0;
}

grpc::Status BearerTokenProcessor::Process(const InputMetadata& auth_metadata,
                                           grpc::AuthContext* /*context*/,
                                           OutputMetadata* consumed_auth_metadata,
                                           OutputMetadata* /*response_metadata*/) {
  // Deny by default: only a path we recognise as exempt skips the check, so a
  // call without a :path (should not happen) still needs the token.
  auto path = auth_metadata.find(":path");
  if (path != auth_metadata.end() && IsExemptFromAuth(ToView(path->second))) {
    return grpc::Status::OK;
  }
  auto header = auth_metadata.find("authorization");
  if (header == auth_metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, kRefusal);
  }
  absl::string_view value = ToView(header->second);
  // The scheme name is case-insensitive (RFC 7235); the token is not.
  bool ok = absl::StartsWithIgnoreCase(value, kBearerPrefix) &&
            SecretsEqual(value.substr(kBearerPrefix.size()), token_->Get());
  if (!ok) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, kRefusal);
  // Consumed: handlers (and anything they might log) never see the token.
  consumed_auth_metadata->insert(
      {std::string(header->first.data(), header->first.size()), std::string(value)});
  return grpc::Status::OK;
}

}  // namespace control
