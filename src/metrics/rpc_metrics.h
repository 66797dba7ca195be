// Counts every gRPC call the server answers, by method and status code
// (gwa_grpc_server_handled_total), from a server interceptor that sees the
// status as it is sent. Calls the bearer-token check refuses never reach a
// handler or an interceptor (gRPC refuses them in its auth filter), so
// UNAUTHENTICATED refusals are not counted here.
#pragma once

#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace metrics {

class RpcMetrics {
 public:
  RpcMetrics();

  // For the endpoint's collectables.
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  // For ServerBuilder::experimental().SetInterceptorCreators; the factory
  // must not outlive this object.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();

  // Thread-safe: called on gRPC's threads. `method_path` is /pkg.Service/Method.
  void Handled(const std::string& method_path, grpc::StatusCode code);

 private:
  // A client may name any method (answered UNIMPLEMENTED): past this many
  // distinct paths the rest are counted as method "other", so a hostile
  // client cannot grow the exposition without bound.
  static constexpr size_t kMaxMethods = 64;

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* handled_;
  std::mutex mu_;
  std::set<std::string> methods_seen_;  // guarded by mu_
};

// "INVALID_ARGUMENT" for grpc::StatusCode::INVALID_ARGUMENT.
std::string StatusCodeName(grpc::StatusCode code);

}  // namespace metrics
