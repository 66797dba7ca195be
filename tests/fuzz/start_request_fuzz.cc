// The proto -> module conversion of what a gRPC caller sends (Debian has no
// libprotobuf-mutator: the bytes are parsed as a StartRequest, or a
// SetQualityRequest, in the wire format), then every check the service and
// the registry run before a stream is built. Properties: never crashes; a
// quality that validates overlays the codec's defaults into one that
// validates too (what the engine is handed), and survives proto and back.
#include <google/protobuf/stubs/logging.h>

#include "control/proto_convert.h"
#include "control/stream_registry.h"
#include "engine/ice_servers.h"
#include "engine/quality.h"
#include "engine/source_options.h"
#include "fuzz_check.h"

namespace pb = streamcontrol::v1;

namespace {

void CheckQuality(const pb::Quality& proto, engine::Codec codec) {
  const engine::Quality quality = control::FromProto(proto);
  if (!quality.Validate(codec).ok()) return;
  const engine::Quality in_force = engine::Quality::Defaults(codec).Overlay(quality);
  // A ceiling below the default floor (max_bitrate_kbps 100 over min 150) is
  // allowed: the rate controller lowers the floor to the ceiling
  // (viewer_session_congestion.cc BoundsOf). Every other rule must hold.
  engine::Quality checked = in_force;
  if (checked.min_bitrate_kbps > checked.max_bitrate_kbps) checked.min_bitrate_kbps.reset();
  const absl::Status status = checked.Validate(codec);
  if (!status.ok()) std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
  FUZZ_CHECK(status.ok());
  FUZZ_CHECK(in_force.preset.empty());
  pb::Quality back;
  control::ToProto(in_force, &back);
  FUZZ_CHECK(control::FromProto(back) == in_force);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Invalid UTF-8 in a string field is refused by the parser, with a log line
  // per input: quiet, so that the fuzzer's own output stays readable.
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pb::StartRequest start;
  if (start.ParseFromArray(data, static_cast<int>(size))) {
    (void)control::ValidateStreamId(start.stream_id());
    absl::StatusOr<engine::SourceOptions> options = control::FromProto(start.source_options());
    if (options.ok()) (void)engine::ValidateSource(start.source_uri(), *options);
    const std::vector<engine::IceServer> servers = control::FromProto(start.ice().servers());
    (void)engine::ValidateIceServers(servers);
    (void)engine::ParseIceTransportPolicy(start.ice().transport_policy());
    for (engine::Codec codec :
         {engine::Codec::kH264, engine::Codec::kVP8, engine::Codec::kVP9, engine::Codec::kH265}) {
      CheckQuality(start.quality(), codec);
    }
  }
  pb::SetQualityRequest set;
  if (set.ParseFromArray(data, static_cast<int>(size))) {
    CheckQuality(set.quality(), engine::Codec::kH264);
  }
  return 0;
}
