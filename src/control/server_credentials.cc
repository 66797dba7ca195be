#include "control/server_credentials.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/bearer_auth.h"

namespace control {
namespace {

// `flag` names the option in errors; the content is never part of one.
absl::StatusOr<std::string> ReadPemFile(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string pem = buffer.str();
  if (pem.find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path, " holds no PEM block"));
  }
  return pem;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const SecurityOptions& options) {
  auto cert = ReadPemFile(options.tls_cert_file, "--tls-cert");
  if (!cert.ok()) return cert.status();
  auto key = ReadPemFile(options.tls_key_file, "--tls-key");
  if (!key.ok()) return key.status();

  if (options.reload_interval_s > 0) {
    // The files were checked above so a bad path fails now, with a clear
    // error, rather than at each handshake. Replace them by rename (write a
    // new file, then mv): the watcher may otherwise read a half-written one
    // (it keeps the previous pair when key and certificate do not match).
    auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        options.tls_key_file, options.tls_cert_file, options.tls_client_ca_file,
        options.reload_interval_s);
    grpc::experimental::TlsServerCredentialsOptions tls(provider);
    tls.watch_identity_key_cert_pairs();
    if (options.tls_client_ca_file.empty()) {
      tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    } else {
      auto ca = ReadPemFile(options.tls_client_ca_file, "--tls-client-ca");
      if (!ca.ok()) return ca.status();
      tls.watch_root_certs();
      tls.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    }
    return grpc::experimental::TlsServerCredentials(tls);
  }
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (options.tls_client_ca_file.empty()) {
    ssl.client_certificate_request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  } else {
    auto ca = ReadPemFile(options.tls_client_ca_file, "--tls-client-ca");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

bool IsLoopbackListenAddress(const std::string& listen_address) {
  return absl::StartsWith(listen_address, "127.") || absl::StartsWith(listen_address, "[::1]:") ||
         absl::StartsWith(listen_address, "localhost:");
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> BuildServerCredentials(
    const SecurityOptions& options, const std::string& listen_address) {
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls && (options.tls_cert_file.empty() || options.tls_key_file.empty())) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!tls && !options.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
  }

  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (tls) {
    auto built = TlsCredentials(options);
    if (!built.ok()) return built.status();
    credentials = *built;
  } else if (!options.auth_token.empty()) {
    if (!IsLoopbackListenAddress(listen_address)) {
      return absl::InvalidArgumentError(
          absl::StrCat("a bearer token without TLS would cross the network in clear text: "
                       "use --tls-cert/--tls-key, or listen on loopback (not ",
                       listen_address, ")"));
    }
    // Local credentials are plaintext on the wire (plain clients such as
    // grpcurl -plaintext still connect) and refuse non-loopback peers, but,
    // unlike insecure credentials, they accept an AuthMetadataProcessor.
    credentials = grpc::experimental::LocalServerCredentials(LOCAL_TCP);
  } else {
    return grpc::InsecureServerCredentials();
  }
  if (!options.auth_token.empty()) {
    credentials->SetAuthMetadataProcessor(std::make_shared<BearerTokenProcessor>(
        options.auth_token_source ? options.auth_token_source
                                  : RotatingSecret::Fixed(options.auth_token)));
  }
  return credentials;
}

std::string DescribeSecurity(const SecurityOptions& options) {
  std::string out = options.tls_cert_file.empty()        ? "plaintext"
                    : options.tls_client_ca_file.empty() ? "TLS"
                                                         : "mutual TLS";
  if (!options.auth_token.empty()) absl::StrAppend(&out, ", bearer token required");
  if (options.reload_interval_s > 0 && !options.tls_cert_file.empty()) {
    absl::StrAppend(&out, ", TLS files watched every ", options.reload_interval_s, " s");
  }
  return out;
}

}  // namespace control
