// Everything the daemon runs, wired together: the engine thread, the Ahoy
// link pool, the registry, the stats hub and the gRPC server (with the health
// service and reflection). Used by agent/main.cc and by in-process tests.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "control/server_credentials.h"
#include "control/stats_hub.h"
#include "control/stream_control_service.h"
#include "control/stream_registry.h"
#include "engine/engine.h"
#include "signaling/ahoy_link.h"

namespace control {

struct AgentOptions {
  std::string grpc_listen = "127.0.0.1:50051";  // port 0: pick a free one
  SecurityOptions security;                     // default: plaintext, no token
  size_t max_watchers = 256;                    // concurrent WatchStats calls
  int max_message_bytes = 1 << 20;              // largest request the server reads
  RegistryOptions registry;
};

class AgentServer {
 public:
  static absl::StatusOr<std::unique_ptr<AgentServer>> Start(AgentOptions options);
  ~AgentServer();

  int grpc_port() const { return port_; }
  StreamRegistry& registry() { return *registry_; }

  // Health NOT_SERVING, new RPCs refused, WatchStats streams ended with
  // UNAVAILABLE, streams stopped, links closed, server shut down; all within
  // `deadline`. Idempotent.
  void Shutdown(std::chrono::milliseconds deadline);
  // Blocks until the gRPC server has shut down.
  void Wait();

 private:
  AgentServer() = default;

  // Declared in construction order; destroyed in reverse.
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<signaling::LinkPool> links_;
  std::unique_ptr<StatsHub> hub_;
  std::unique_ptr<StreamRegistry> registry_;
  std::unique_ptr<StreamControlService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace control
