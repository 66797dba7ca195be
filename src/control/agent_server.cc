#include "control/agent_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "control/bearer_auth.h"
#include "engine/element_census.h"
#include "metrics/process_collector.h"

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
  // The metrics collector is one more subscriber, never taking an
  // operator's WatchStats slot.
  agent->hub_ =
      std::make_unique<StatsHub>(options.max_watchers + (options.metrics_listen.empty() ? 0 : 1));
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
  if (!options.metrics_listen.empty()) {
    agent->rpc_metrics_ = std::make_unique<metrics::RpcMetrics>();
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(agent->rpc_metrics_->InterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(creators));
  }
  agent->server_ = builder.BuildAndStart();
  if (!agent->server_ || agent->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", options.grpc_listen));
  }
  if (absl::Status metrics = agent->StartMetrics(options); !metrics.ok()) return metrics;
  std::vector<std::shared_ptr<RotatingSecret>> secrets;
  for (const auto& secret :
       {options.security.auth_token_source, options.registry.default_api_key_source}) {
    if (secret) secrets.push_back(secret);
  }
  if (options.security.reload_interval_s > 0 && !secrets.empty()) {
    agent->StartReloading(std::chrono::seconds(options.security.reload_interval_s),
                          std::move(secrets));
  }
  agent->server_->GetHealthCheckService()->SetServingStatus(true);
  // Never the token itself: only whether one is required.
  spdlog::info("gRPC listening on {} (port {}, {})", options.grpc_listen, agent->port_,
               DescribeSecurity(options.security));
  return agent;
}

absl::Status AgentServer::StartMetrics(const AgentOptions& options) {
  if (options.metrics_listen.empty()) return absl::OkStatus();
  const SecurityOptions& security = options.security;
  // The gRPC API's rule: a token never crosses the network in clear text.
  if (!security.auth_token.empty() && security.tls_cert_file.empty() &&
      !IsLoopbackListenAddress(options.metrics_listen)) {
    return absl::InvalidArgumentError(
        absl::StrCat("a bearer token without TLS would cross the network in clear text: use "
                     "--tls-cert/--tls-key, or --metrics-listen on loopback (not ",
                     options.metrics_listen, ")"));
  }
  engine_->Call([] { engine::InstallElementCensus(); });
  stream_metrics_ = std::make_shared<StreamMetrics>(registry_.get(), hub_.get());
  // Every sample: the collector keeps only the latest of each stream.
  if (hub_->Subscribe(stream_metrics_.get(), "", std::chrono::milliseconds(0)) !=
      StatsHub::SubscribeResult::kSubscribed) {
    return absl::ResourceExhaustedError("no WatchStats slot left for the metrics collector");
  }
  metrics::EndpointOptions endpoint;
  endpoint.listen = options.metrics_listen;
  endpoint.tls_cert_file = security.tls_cert_file;
  endpoint.tls_key_file = security.tls_key_file;
  endpoint.tls_client_ca_file = security.tls_client_ca_file;
  if (!security.auth_token.empty()) {
    auto token = security.auth_token_source ? security.auth_token_source
                                            : RotatingSecret::Fixed(security.auth_token);
    endpoint.token_accepted = [token](absl::string_view sent) {
      return SecretsEqual(sent, token->Get());
    };
  }
  auto started = metrics::MetricsEndpoint::Start(
      std::move(endpoint),
      {stream_metrics_, rpc_metrics_->registry(), std::make_shared<metrics::ProcessCollector>()});
  if (!started.ok()) return started.status();
  metrics_endpoint_ = std::move(*started);
  spdlog::info("metrics on {} (port {}, {})", options.metrics_listen, metrics_endpoint_->port(),
               DescribeSecurity(security));
  return absl::OkStatus();
}

void AgentServer::StartReloading(std::chrono::seconds interval,
                                 std::vector<std::shared_ptr<RotatingSecret>> secrets) {
  reload_thread_ = std::thread([this, interval, secrets = std::move(secrets)] {
    std::unique_lock<std::mutex> lock(reload_mu_);
    // A timer, not a wait for state: files give no signal when they change.
    while (!reload_cv_.wait_for(lock, interval, [this] { return reload_stop_; })) {
      lock.unlock();
      for (const auto& secret : secrets) secret->Reload();
      lock.lock();
    }
  });
}

void AgentServer::StopReloading() {
  {
    std::lock_guard<std::mutex> lock(reload_mu_);
    reload_stop_ = true;
  }
  reload_cv_.notify_all();
  if (reload_thread_.joinable()) reload_thread_.join();
}

AgentServer::~AgentServer() { Shutdown(std::chrono::seconds(3)); }

void AgentServer::Shutdown(std::chrono::milliseconds deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  StopReloading();
  auto until = std::chrono::system_clock::now() + deadline;
  // server_ is null when Start failed to listen and is unwinding.
  if (server_) server_->GetHealthCheckService()->SetServingStatus(false);
  // The rest is null when Start refused a pipeline template.
  if (!registry_) return;
  // No scrape while the rest is torn down.
  if (metrics_endpoint_) metrics_endpoint_->Stop();
  if (stream_metrics_) hub_->Unsubscribe(stream_metrics_.get());
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
