#include "signaling/server_tls.h"

#include "absl/strings/str_cat.h"

namespace signaling {

absl::StatusOr<std::shared_ptr<asio::ssl::context>> LoadServerTls(const ServerTlsFiles& files) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  std::error_code ec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1,
                   ec);
  if (!ec) ctx->use_certificate_chain_file(files.cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-cert ", files.cert_file, ": ", ec.message()));
  }
  ctx->use_private_key_file(files.key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-key ", files.key_file, ": ", ec.message()));
  }
  if (!files.client_ca_file.empty()) {
    ctx->load_verify_file(files.client_ca_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls-client-ca ", files.client_ca_file, ": ", ec.message()));
    }
    ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

}  // namespace signaling
