#include "control/agent_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"

namespace control {

absl::StatusOr<std::unique_ptr<AgentServer>> AgentServer::Start(AgentOptions options) {
  auto credentials = BuildServerCredentials(options.security, options.grpc_listen);
  if (!credentials.ok()) return credentials.status();
  if (options.max_watchers == 0) {
    return absl::InvalidArgumentError("--max-watchers must be at least 1");
  }
  if (options.max_message_bytes <= 0) {
    return absl::InvalidArgumentError("--max-message-bytes must be positive");
  }

  std::unique_ptr<AgentServer> agent(new AgentServer());
  agent->engine_ = std::make_unique<engine::Engine>();
  agent->engine_->PreloadPlugins();
  // A bad template stops the agent now, not a viewer's play later.
  for (auto& [name, tmpl] : options.registry.pipeline_templates) {
    auto checked = std::make_shared<engine::PipelineTemplate>(*tmpl);
    if (absl::Status s =
            agent->engine_->Call([&] { return engine::ValidatePipelineTemplate(checked.get()); });
        !s.ok()) {
      return s;
    }
    tmpl = std::move(checked);
  }
  agent->links_ = std::make_unique<signaling::LinkPool>();
  agent->hub_ = std::make_unique<StatsHub>(options.max_watchers);
  agent->registry_ = std::make_unique<StreamRegistry>(agent->engine_.get(), agent->links_.get(),
                                                      agent->hub_.get(), options.registry);
  agent->service_ =
      std::make_unique<StreamControlService>(agent->registry_.get(), agent->hub_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.grpc_listen, *credentials, &agent->port_);
  // Larger requests fail with gRPC's own RESOURCE_EXHAUSTED before parsing.
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.RegisterService(agent->service_.get());
  agent->server_ = builder.BuildAndStart();
  if (!agent->server_ || agent->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", options.grpc_listen));
  }
  agent->server_->GetHealthCheckService()->SetServingStatus(true);
  // Never the token itself: only whether one is required.
  spdlog::info("gRPC listening on {} (port {}, {})", options.grpc_listen, agent->port_,
               DescribeSecurity(options.security));
  return agent;
}

AgentServer::~AgentServer() { Shutdown(std::chrono::seconds(3)); }

void AgentServer::Shutdown(std::chrono::milliseconds deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  auto until = std::chrono::system_clock::now() + deadline;
  // server_ is null when Start failed to listen and is unwinding.
  if (server_) server_->GetHealthCheckService()->SetServingStatus(false);
  // The rest is null when Start refused a pipeline template.
  if (!registry_) return;
  service_->BeginShutdown();
  hub_->Shutdown();
  registry_->StopAll();
  // In-flight RPCs get until the deadline, then are cancelled.
  if (server_) server_->Shutdown(until);
}

void AgentServer::Wait() {
  if (server_) server_->Wait();
}

}  // namespace control
