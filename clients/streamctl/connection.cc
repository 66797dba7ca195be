#include "connection.h"

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "flags.h"

namespace streamctl {
namespace {

bool ReadFile(const std::string& path, const char* flag, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = absl::StrCat(flag, ": cannot read ", path);
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

}  // namespace

bool Connect(Connection* out, std::string* error) {
  const std::string ca_file = absl::GetFlag(FLAGS_ca_file);
  const std::string cert_file = absl::GetFlag(FLAGS_cert_file);
  const std::string key_file = absl::GetFlag(FLAGS_key_file);
  const std::string token_file = absl::GetFlag(FLAGS_token_file);
  if (cert_file.empty() != key_file.empty()) {
    *error = "--cert-file and --key-file go together";
    return false;
  }

  if (!token_file.empty()) {
    std::string token;
    if (!ReadFile(token_file, "--token-file", &token, error)) return false;
    out->bearer_token = std::string(absl::StripAsciiWhitespace(token));
    if (out->bearer_token.empty()) {
      *error = absl::StrCat("--token-file: ", token_file, " is empty");
      return false;
    }
  }

  std::shared_ptr<grpc::ChannelCredentials> credentials;
  const bool tls = absl::GetFlag(FLAGS_tls) || !ca_file.empty() || !cert_file.empty();
  if (tls) {
    grpc::SslCredentialsOptions ssl;  // empty roots: gRPC's default trust store
    if (!ca_file.empty() && !ReadFile(ca_file, "--ca-file", &ssl.pem_root_certs, error)) {
      return false;
    }
    if (!cert_file.empty() && (!ReadFile(cert_file, "--cert-file", &ssl.pem_cert_chain, error) ||
                               !ReadFile(key_file, "--key-file", &ssl.pem_private_key, error))) {
      return false;
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  out->channel = grpc::CreateChannel(absl::GetFlag(FLAGS_server), credentials);
  return true;
}

void Authorize(const std::string& bearer_token, grpc::ClientContext* context) {
  // Plain metadata rather than grpc::AccessTokenCredentials: gRPC refuses call
  // credentials on plaintext channels, and the agent accepts a token over
  // plaintext on loopback.
  if (!bearer_token.empty()) context->AddMetadata("authorization", "Bearer " + bearer_token);
}

}  // namespace streamctl
