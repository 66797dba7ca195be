// Conversions between the public proto types and the module types, and the
// one mapping of absl::Status codes onto gRPC statuses.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "control/stream_registry.h"
#include "engine/feed.h"
#include "streamcontrol/v1/streamcontrol.pb.h"

namespace control {

namespace pb = ::streamcontrol::v1;

// Values this build does not know are left out here; CheckEnums refuses them.
engine::Quality FromProto(const pb::Quality& quality);
// INVALID_ARGUMENT for an enum value (degradation) this build does not know.
absl::Status CheckEnums(const pb::Quality& quality);
void ToProto(const engine::Quality& quality, pb::Quality* out);
void ToProto(const engine::SessionCongestion& congestion, pb::Congestion* out);
pb::Codec ToProto(engine::Codec codec);
// INVALID_ARGUMENT for an rtsp_transport value this build does not know.
absl::StatusOr<engine::SourceOptions> FromProto(const pb::SourceOptions& options);
void ToProto(const engine::SourceOptions& options, pb::SourceOptions* out);
pb::StreamState ToProto(engine::FeedState state);
pb::LinkState ToProto(signaling::LinkState state);
void ToProto(const StreamInfo& info, pb::Stream* out);
pb::WhipState ToProto(signaling::WhipState state);
void ToProto(const signaling::WhipStatus& status, const StreamInfo& info, pb::WhipStatus* out);
std::vector<engine::IceServer> FromProto(
    const google::protobuf::RepeatedPtrField<pb::IceServer>& servers);
// Every credential left out: the agent never echoes one.
void ToProto(const engine::IceOptions& ice, pb::IceConfig* out);
pb::StreamStats StatsToProto(const std::string& stream_id, const engine::FeedStats& stats,
                             signaling::LinkState link_state);
pb::StreamStats StateEventToProto(const std::string& stream_id,
                                  const engine::FeedSnapshot& snapshot,
                                  signaling::LinkState link_state);

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace control
