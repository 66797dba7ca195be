// streamcontrol.v1.StreamControl on gRPC's callback API: validates requests,
// maps them onto the registry, and maps results onto gRPC statuses.
#pragma once

#include <atomic>

#include "control/stats_hub.h"
#include "control/stream_registry.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace control {

// WatchStats is served raw (grpc::ByteBuffer): every subscriber is written the
// same serialized bytes of a sample (control/published_sample.h).
class StreamControlService final
    : public streamcontrol::v1::StreamControl::WithRawCallbackMethod_WatchStats<
          streamcontrol::v1::StreamControl::CallbackService> {
 public:
  StreamControlService(StreamRegistry* registry, StatsHub* hub) : registry_(registry), hub_(hub) {}

  // New RPCs get UNAVAILABLE from now on (graceful shutdown).
  void BeginShutdown() { shutting_down_ = true; }

  grpc::ServerUnaryReactor* Start(grpc::CallbackServerContext* context,
                                  const streamcontrol::v1::StartRequest* request,
                                  streamcontrol::v1::Stream* response) override;
  grpc::ServerUnaryReactor* Stop(grpc::CallbackServerContext* context,
                                 const streamcontrol::v1::StopRequest* request,
                                 streamcontrol::v1::Stream* response) override;
  grpc::ServerUnaryReactor* SetQuality(grpc::CallbackServerContext* context,
                                       const streamcontrol::v1::SetQualityRequest* request,
                                       streamcontrol::v1::Stream* response) override;
  grpc::ServerUnaryReactor* GetStream(grpc::CallbackServerContext* context,
                                      const streamcontrol::v1::GetStreamRequest* request,
                                      streamcontrol::v1::Stream* response) override;
  grpc::ServerUnaryReactor* ListStreams(grpc::CallbackServerContext* context,
                                        const streamcontrol::v1::ListStreamsRequest* request,
                                        streamcontrol::v1::ListStreamsResponse* response) override;
  grpc::ServerUnaryReactor* Disconnect(grpc::CallbackServerContext* context,
                                       const streamcontrol::v1::DisconnectRequest* request,
                                       streamcontrol::v1::Stream* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchStats(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request) override;

 private:
  StreamRegistry* registry_;
  StatsHub* hub_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace control
