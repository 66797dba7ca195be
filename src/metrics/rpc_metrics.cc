#include "metrics/rpc_metrics.h"

#include "absl/status/status.h"

namespace metrics {
namespace {

using grpc::experimental::InterceptionHookPoints;

class HandledInterceptor final : public grpc::experimental::Interceptor {
 public:
  HandledInterceptor(RpcMetrics* metrics, const char* method)
      : metrics_(metrics), method_(method ? method : "") {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->Handled(method_, methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  RpcMetrics* metrics_;
  std::string method_;
};

class HandledInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit HandledInterceptorFactory(RpcMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new HandledInterceptor(metrics_, info->method());
  }

 private:
  RpcMetrics* metrics_;
};

}  // namespace

std::string StatusCodeName(grpc::StatusCode code) {
  // gRPC's and absl's canonical codes share their numbers and names.
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

RpcMetrics::RpcMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      handled_(&prometheus::BuildCounter()
                    .Name("gwa_grpc_server_handled_total")
                    .Help("gRPC calls answered, by service, method and status code")
                    .Register(*registry_)) {}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RpcMetrics::InterceptorFactory() {
  return std::make_unique<HandledInterceptorFactory>(this);
}

void RpcMetrics::Handled(const std::string& method_path, grpc::StatusCode code) {
  bool known;
  {
    std::lock_guard<std::mutex> lock(mu_);
    known = methods_seen_.count(method_path) > 0 || methods_seen_.size() < kMaxMethods;
    if (known) methods_seen_.insert(method_path);
  }
  if (!known) {
    handled_
        ->Add({{"grpc_service", "other"},
               {"grpc_method", "other"},
               {"grpc_code", StatusCodeName(code)}})
        .Increment();
    return;
  }
  // "/streamcontrol.v1.StreamControl/Start" -> service, method.
  const size_t slash = method_path.rfind('/');
  std::string service =
      slash == std::string::npos || slash == 0 ? std::string() : method_path.substr(1, slash - 1);
  std::string method = slash == std::string::npos ? method_path : method_path.substr(slash + 1);
  handled_
      ->Add({{"grpc_service", std::move(service)},
             {"grpc_method", std::move(method)},
             {"grpc_code", StatusCodeName(code)}})
      .Increment();
}

}  // namespace metrics
