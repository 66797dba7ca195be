#include "health.h"

#include <grpcpp/generic/generic_stub.h>

#include <iostream>
#include <string>
#include <vector>

#include "connection.h"
#include "printing.h"

namespace streamctl {
namespace {

// grpc.health.v1.HealthCheckResponse.ServingStatus
const char* ServingStatusName(int status) {
  switch (status) {
    case 0:
      return "UNKNOWN";
    case 1:
      return "SERVING";
    case 2:
      return "NOT_SERVING";
    case 3:
      return "SERVICE_UNKNOWN";
  }
  return "UNRECOGNISED";
}

// The response is one optional varint field (1: status). Debian ships no
// generated health stubs, and this message is too small to justify vendoring
// health.proto: read the field by hand. An absent field means 0 (UNKNOWN).
int ParseServingStatus(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  if (bytes.empty()) return 0;
  if (bytes.size() == 2 && bytes[0] == 0x08) return static_cast<unsigned char>(bytes[1]);
  return -1;
}

}  // namespace

int RunHealth(const CommandContext& ctx) {
  grpc::GenericStub stub(ctx.channel);
  grpc::ClientContext client;
  client.set_deadline(std::chrono::system_clock::now() + ctx.timeout);
  Authorize(ctx.bearer_token, &client);
  grpc::CompletionQueue cq;
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);  // HealthCheckRequest{service: ""}
  auto call = stub.PrepareUnaryCall(&client, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, nullptr);
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!status.ok()) return PrintRpcError(status);

  const int serving = ParseServingStatus(response);
  const char* name = serving < 0 ? "UNPARSABLE" : ServingStatusName(serving);
  if (ctx.json) {
    std::cout << "{\"status\":\"" << name << "\"}" << std::endl;
  } else {
    std::cout << name << std::endl;
  }
  return serving == 1 ? kExitOk : kExitRpcError;
}

}  // namespace streamctl
