// A blocking HTTP/1.1 GET over plain TCP or TLS (asio), for tests that
// scrape the agent's metrics endpoint as Prometheus would.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace testing_support {

struct HttpGetOptions {
  std::map<std::string, std::string> headers;  // e.g. Authorization
  bool tls = false;
  std::string ca_pem;           // TLS: the server certificate must chain to it
  std::string client_cert_pem;  // TLS: a client certificate to present
  std::string client_key_pem;
  std::chrono::milliseconds timeout{10000};
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string peer_cert_pem;  // TLS: the certificate the server presented
};

// GET http(s)://127.0.0.1:port/path. An error when the connection or the
// TLS handshake fails; an HTTP error status is a response.
absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path,
                                     const HttpGetOptions& options = {});

// The certificate (PEM) a TLS server on 127.0.0.1:port presents, after a
// handshake offering ALPN `alpn` (gRPC wants "h2"); nothing is sent.
absl::StatusOr<std::string> TlsPeerCertificate(int port, const std::string& ca_pem,
                                               const std::string& alpn = "h2");

// The value of the exposition line that starts with `series` followed by a
// space, e.g. `gwa_stream_viewers{stream="cam"}`; nullopt when absent.
std::optional<double> MetricValue(const std::string& exposition, const std::string& series);

}  // namespace testing_support
