#include "control/stream_control_service.h"

#include "control/proto_convert.h"
#include "control/stats_writer.h"
#include "engine/quoted.h"

namespace control {
namespace {

grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* context, grpc::Status status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

const grpc::Status kShuttingDown(grpc::StatusCode::UNAVAILABLE, "agent is shutting down");

// Maps a registry result onto the response or the error status.
grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* context,
                                const absl::StatusOr<StreamInfo>& result, pb::Stream* response) {
  if (!result.ok()) return FinishWith(context, ToGrpcStatus(result.status()));
  ToProto(*result, response);
  return FinishWith(context, grpc::Status::OK);
}

absl::StatusOr<engine::Codec> CodecFromProto(pb::Codec codec) {
  switch (codec) {
    case pb::CODEC_UNSPECIFIED:
    case pb::H264:
      return engine::Codec::kH264;
    case pb::VP8:
      return engine::Codec::kVP8;
    case pb::VP9:
      return engine::Codec::kVP9;
    case pb::H265:
      return engine::Codec::kH265;
    default:
      return absl::InvalidArgumentError("codec: unknown value");
  }
}

// A WatchStats call refused up front still needs a reactor to carry the error.
class FailedWatch : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit FailedWatch(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* StreamControlService::Start(grpc::CallbackServerContext* context,
                                                      const pb::StartRequest* request,
                                                      pb::Stream* response) {
  if (shutting_down_) return FinishWith(context, kShuttingDown);
  auto codec = CodecFromProto(request->codec());
  if (!codec.ok()) return FinishWith(context, ToGrpcStatus(codec.status()));
  if (absl::Status s = CheckEnums(request->quality()); !s.ok()) {
    return FinishWith(context, ToGrpcStatus(s));
  }
  auto source_options = FromProto(request->source_options());
  if (!source_options.ok()) return FinishWith(context, ToGrpcStatus(source_options.status()));
  StreamSpec spec;
  spec.source_options = *source_options;
  spec.stream_id = request->stream_id();
  spec.source_uri = request->source_uri();
  spec.codec = *codec;
  spec.codec_set = request->codec() != pb::CODEC_UNSPECIFIED;
  spec.encoder = request->encoder();
  // A name only: pipeline text is never taken from the network.
  spec.pipeline_template = request->pipeline_template();
  spec.quality = FromProto(request->quality());
  spec.director_url = request->ahoy().director_url();
  spec.feed_name = request->ahoy().feed_name();
  spec.api_key = request->ahoy().api_key();
  spec.shared_encode = request->shared_encode();
  if (request->has_max_viewers()) spec.max_viewers = request->max_viewers();
  if (request->has_whip()) {
    signaling::WhipConfig whip;
    whip.endpoint_url = request->whip().endpoint_url();
    whip.token_file = request->whip().token_file();
    spec.whip = std::move(whip);
  }
  if (request->has_ice()) {
    auto policy = engine::ParseIceTransportPolicy(request->ice().transport_policy());
    if (!policy.ok()) return FinishWith(context, ToGrpcStatus(policy.status()));
    spec.ice_transport_policy = *policy;
    spec.ice_servers = FromProto(request->ice().servers());
  }
  return Reply(context, registry_->Start(std::move(spec)), response);
}

grpc::ServerUnaryReactor* StreamControlService::Disconnect(grpc::CallbackServerContext* context,
                                                           const pb::DisconnectRequest* request,
                                                           pb::Stream* response) {
  if (shutting_down_) return FinishWith(context, kShuttingDown);
  return Reply(context, registry_->Disconnect(request->stream_id(), request->session_id()),
               response);
}

grpc::ServerUnaryReactor* StreamControlService::Stop(grpc::CallbackServerContext* context,
                                                     const pb::StopRequest* request,
                                                     pb::Stream* response) {
  if (shutting_down_) return FinishWith(context, kShuttingDown);
  return Reply(context, registry_->Stop(request->stream_id()), response);
}

grpc::ServerUnaryReactor* StreamControlService::SetQuality(grpc::CallbackServerContext* context,
                                                           const pb::SetQualityRequest* request,
                                                           pb::Stream* response) {
  if (shutting_down_) return FinishWith(context, kShuttingDown);
  if (absl::Status s = CheckEnums(request->quality()); !s.ok()) {
    return FinishWith(context, ToGrpcStatus(s));
  }
  // Answered from the engine thread when the change is applied: the handler
  // returns at once instead of holding a gRPC thread while it waits.
  auto* reactor = context->DefaultReactor();
  registry_->SetQuality(request->stream_id(), FromProto(request->quality()),
                        request->force_keyframe(),
                        [reactor, response](absl::StatusOr<StreamInfo> info) {
                          if (!info.ok()) {
                            reactor->Finish(ToGrpcStatus(info.status()));
                            return;
                          }
                          ToProto(*info, response);
                          reactor->Finish(grpc::Status::OK);
                        });
  return reactor;
}

grpc::ServerUnaryReactor* StreamControlService::GetStream(grpc::CallbackServerContext* context,
                                                          const pb::GetStreamRequest* request,
                                                          pb::Stream* response) {
  return Reply(context, registry_->Get(request->stream_id()), response);
}

grpc::ServerUnaryReactor* StreamControlService::ListStreams(
    grpc::CallbackServerContext* context, const pb::ListStreamsRequest* /*request*/,
    pb::ListStreamsResponse* response) {
  for (const StreamInfo& info : registry_->List()) ToProto(info, response->add_streams());
  return FinishWith(context, grpc::Status::OK);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamControlService::WatchStats(
    grpc::CallbackServerContext* /*context*/, const grpc::ByteBuffer* raw_request) {
  pb::WatchStatsRequest parsed;
  grpc::ByteBuffer copy(*raw_request);  // Deserialize consumes its input; this shares slices
  if (!grpc::SerializationTraits<pb::WatchStatsRequest>::Deserialize(&copy, &parsed).ok()) {
    return new FailedWatch(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "WatchStatsRequest could not be parsed"));
  }
  const pb::WatchStatsRequest* request = &parsed;
  uint32_t interval_ms = request->interval_ms() == 0 ? 1000 : request->interval_ms();
  if (interval_ms < 100) {
    return new FailedWatch(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                        "interval_ms must be 0 (default 1000) or at least 100"));
  }
  if (!request->stream_id().empty() && !registry_->Get(request->stream_id()).ok()) {
    return new FailedWatch(
        grpc::Status(grpc::StatusCode::NOT_FOUND,
                     absl::StrCat("no stream ", engine::Quoted(request->stream_id()))));
  }
  return new StatsWriter(hub_, request->stream_id(), std::chrono::milliseconds(interval_ms));
}

}  // namespace control
