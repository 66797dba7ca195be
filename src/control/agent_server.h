// Everything the daemon runs, wired together: the engine thread, the Ahoy
// link pool, the registry, the stats hub and the gRPC server (with the health
// service and reflection). Used by agent/main.cc and by in-process tests.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "control/server_credentials.h"
#include "control/stats_hub.h"
#include "control/stream_control_service.h"
#include "control/stream_metrics.h"
#include "control/stream_registry.h"
#include "engine/engine.h"
#include "metrics/metrics_endpoint.h"
#include "metrics/rpc_metrics.h"
#include "signaling/ahoy_link.h"

namespace control {

struct AgentOptions {
  std::string grpc_listen = "127.0.0.1:50051";  // port 0: pick a free one
  SecurityOptions security;                     // default: plaintext, no token
  size_t max_watchers = 256;                    // concurrent WatchStats calls
  int max_message_bytes = 1 << 20;              // largest request the server reads
  RegistryOptions registry;
  // host:port of the Prometheus scrape endpoint; empty: none. Served with
  // the same TLS files and bearer token as the gRPC API (see
  // metrics/metrics_endpoint.h).
  std::string metrics_listen;
};

class AgentServer {
 public:
  static absl::StatusOr<std::unique_ptr<AgentServer>> Start(AgentOptions options);
  ~AgentServer();

  int grpc_port() const { return port_; }
  // The metrics endpoint's port; 0 without --metrics-listen.
  int metrics_port() const { return metrics_endpoint_ ? metrics_endpoint_->port() : 0; }
  StreamRegistry& registry() { return *registry_; }

  // Health NOT_SERVING, new RPCs refused, WatchStats streams ended with
  // UNAVAILABLE, streams stopped, links closed, server shut down; all within
  // `deadline`. Idempotent.
  void Shutdown(std::chrono::milliseconds deadline);
  // Blocks until the gRPC server has shut down.
  void Wait();

 private:
  AgentServer() = default;
  absl::Status StartMetrics(const AgentOptions& options);
  // Every `interval`, reads the rotating secrets' files again.
  void StartReloading(std::chrono::seconds interval,
                      std::vector<std::shared_ptr<RotatingSecret>> secrets);
  void StopReloading();

  // Declared in construction order; destroyed in reverse.
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<signaling::LinkPool> links_;
  std::unique_ptr<StatsHub> hub_;
  std::unique_ptr<StreamRegistry> registry_;
  std::unique_ptr<StreamControlService> service_;
  std::unique_ptr<metrics::RpcMetrics> rpc_metrics_;  // its interceptors live in server_
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<StreamMetrics> stream_metrics_;  // a hub subscriber while it exists
  std::unique_ptr<metrics::MetricsEndpoint> metrics_endpoint_;
  int port_ = 0;
  bool shut_down_ = false;
  std::thread reload_thread_;
  std::mutex reload_mu_;
  std::condition_variable reload_cv_;
  bool reload_stop_ = false;  // guarded by reload_mu_
};

}  // namespace control
