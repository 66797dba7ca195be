// `streamctl health`: asks the agent's standard gRPC health service
// (grpc.health.v1.Health/Check, overall server) and exits 0 only when it
// answers SERVING — what the Dockerfile's HEALTHCHECK and scripts use.
#ifndef GWA_CLIENTS_STREAMCTL_HEALTH_H_
#define GWA_CLIENTS_STREAMCTL_HEALTH_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "commands.h"

namespace streamctl {

int RunHealth(const CommandContext& ctx);

}  // namespace streamctl

#endif  // GWA_CLIENTS_STREAMCTL_HEALTH_H_
