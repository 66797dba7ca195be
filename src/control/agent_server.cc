#include "control/agent_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"

namespace control {

absl::StatusOr<std::unique_ptr<AgentServer>> AgentServer::Start(AgentOptions options) {
  std::unique_ptr<AgentServer> agent(new AgentServer());
  agent->engine_ = std::make_unique<engine::Engine>();
  agent->engine_->PreloadPlugins();
  agent->links_ = std::make_unique<signaling::LinkPool>();
  agent->hub_ = std::make_unique<StatsHub>();
  agent->registry_ = std::make_unique<StreamRegistry>(agent->engine_.get(), agent->links_.get(),
                                                      agent->hub_.get(), options.registry);
  agent->service_ = std::make_unique<StreamControlService>(agent->registry_.get(),
                                                           agent->hub_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.grpc_listen, grpc::InsecureServerCredentials(),
                           &agent->port_);
  builder.RegisterService(agent->service_.get());
  agent->server_ = builder.BuildAndStart();
  if (!agent->server_ || agent->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", options.grpc_listen));
  }
  agent->server_->GetHealthCheckService()->SetServingStatus(true);
  spdlog::info("gRPC listening on {} (port {})", options.grpc_listen, agent->port_);
  return agent;
}

AgentServer::~AgentServer() { Shutdown(std::chrono::seconds(3)); }

void AgentServer::Shutdown(std::chrono::milliseconds deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  auto until = std::chrono::system_clock::now() + deadline;
  server_->GetHealthCheckService()->SetServingStatus(false);
  service_->BeginShutdown();
  hub_->Shutdown();
  registry_->StopAll();
  // In-flight RPCs get until the deadline, then are cancelled.
  server_->Shutdown(until);
}

void AgentServer::Wait() { server_->Wait(); }

}  // namespace control
