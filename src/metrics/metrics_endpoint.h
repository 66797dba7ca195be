// The Prometheus scrape endpoint (--metrics-listen): GET /metrics answers
// the text exposition of every registered collectable, serialized by
// prometheus-cpp's TextSerializer.
//
// Served by websocketpp's HTTP handling on asio (the stack the Ahoy link
// already uses, on a thread of its own) rather than prometheus-cpp's pull
// Exposer: the Exposer's civetweb offers HTTP basic auth only, so the
// agent's bearer token, its TLS files and their rotation could not be
// applied the same way as on the gRPC API.
#pragma once

#include <prometheus/collectable.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace metrics {

struct EndpointOptions {
  std::string listen;  // host:port; port 0 picks a free one
  // PEM files; cert + key serve HTTPS, client_ca also requires a client
  // certificate it signed. Re-read when they change, for connections from
  // the second after the change on (websocketpp sets up the next connection
  // as soon as it accepted one).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Set: a scrape needs `Authorization: Bearer <token>` for which this
  // returns true (it may change over time: rotation).
  std::function<bool(absl::string_view token)> token_accepted;
};

class MetricsEndpoint {
 public:
  // Binds and serves on a thread of its own. Fails with INVALID_ARGUMENT on a
  // bad address or TLS file (the error names the flag, never file content),
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      EndpointOptions options, std::vector<std::shared_ptr<prometheus::Collectable>> sources);
  ~MetricsEndpoint();  // stops serving and joins the thread
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  uint16_t port() const;
  void Stop();

  struct Impl;

 private:
  explicit MetricsEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The exposition text of `sources` (what GET /metrics answers).
std::string Scrape(const std::vector<std::shared_ptr<prometheus::Collectable>>& sources);

}  // namespace metrics
