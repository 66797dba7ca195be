#include "commands.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "absl/flags/flag.h"
#include "connection.h"
#include "flags.h"
#include "printing.h"
#include "quality_args.h"

namespace streamctl {
namespace {

namespace pb = streamcontrol::v1;

// A unary call: deadline and token.
void SetDeadline(const CommandContext& ctx, grpc::ClientContext* client) {
  client->set_deadline(std::chrono::system_clock::now() + ctx.timeout);
  Authorize(ctx.bearer_token, client);
}

int PrintStream(const CommandContext& ctx, const pb::Stream& stream) {
  return ctx.json ? PrintJsonLine(stream) : PrintText(FormatStream(stream));
}

// Finishes a unary call that answers with a Stream.
int FinishStreamCall(const CommandContext& ctx, const grpc::Status& status,
                     const pb::Stream& stream) {
  if (!status.ok()) return PrintRpcError(status);
  return PrintStream(ctx, stream);
}

}  // namespace

int RunStart(const CommandContext& ctx) {
  pb::StartRequest request;
  request.set_stream_id(ctx.args[0]);
  // "-": no URI, for a template whose source part replaces it (arguments
  // cannot be empty).
  request.set_source_uri(ctx.args[1] == "-" ? "" : ctx.args[1]);
  if (ctx.given.count("codec") != 0) {
    pb::Codec codec = pb::CODEC_UNSPECIFIED;
    std::string error = ParseCodec(absl::GetFlag(FLAGS_codec), &codec);
    if (!error.empty()) return UsageError(error, ctx.usage);
    request.set_codec(codec);
  }
  request.set_encoder(absl::GetFlag(FLAGS_encoder));
  request.set_pipeline_template(absl::GetFlag(FLAGS_template));
  std::string error = QualityFromFlags(ctx.given, request.mutable_quality());
  if (!error.empty()) return UsageError(error, ctx.usage);
  error = SourceOptionsFromFlags(ctx.given, request.mutable_source_options());
  if (!error.empty()) return UsageError(error, ctx.usage);
  request.set_shared_encode(absl::GetFlag(FLAGS_shared_encode));
  if (ctx.given.count("max_viewers") != 0) {
    uint32_t max_viewers = 0;
    error = ParseUint("max_viewers", absl::GetFlag(FLAGS_max_viewers), &max_viewers);
    if (!error.empty()) return UsageError(error, ctx.usage);
    request.set_max_viewers(max_viewers);
  }
  if (!absl::GetFlag(FLAGS_whip_url).empty()) {
    request.mutable_whip()->set_endpoint_url(absl::GetFlag(FLAGS_whip_url));
    request.mutable_whip()->set_token_file(absl::GetFlag(FLAGS_whip_token_file));
  }

  pb::AhoyConfig* ahoy = request.mutable_ahoy();
  ahoy->set_director_url(absl::GetFlag(FLAGS_director));
  ahoy->set_feed_name(absl::GetFlag(FLAGS_feed));
  // The key is a secret: only ever from the environment, never from argv
  // (visible in ps and shell history) and never printed.
  if (const char* key = std::getenv("AHOY_API_KEY"); key != nullptr && key[0] != '\0') {
    ahoy->set_api_key(key);
  }

  grpc::ClientContext client;
  SetDeadline(ctx, &client);
  pb::Stream stream;
  const grpc::Status status = ctx.stub->Start(&client, request, &stream);
  return FinishStreamCall(ctx, status, stream);
}

int RunDisconnect(const CommandContext& ctx) {
  pb::DisconnectRequest request;
  request.set_stream_id(ctx.args[0]);
  request.set_session_id(ctx.args[1]);
  grpc::ClientContext client;
  SetDeadline(ctx, &client);
  pb::Stream stream;
  const grpc::Status status = ctx.stub->Disconnect(&client, request, &stream);
  return FinishStreamCall(ctx, status, stream);
}

int RunStop(const CommandContext& ctx) {
  pb::StopRequest request;
  request.set_stream_id(ctx.args[0]);
  grpc::ClientContext client;
  SetDeadline(ctx, &client);
  pb::Stream stream;
  const grpc::Status status = ctx.stub->Stop(&client, request, &stream);
  return FinishStreamCall(ctx, status, stream);
}

int RunSet(const CommandContext& ctx) {
  pb::SetQualityRequest request;
  request.set_stream_id(ctx.args[0]);
  std::string error = QualityFromFlags(ctx.given, request.mutable_quality());
  if (!error.empty()) return UsageError(error, ctx.usage);
  request.set_force_keyframe(ctx.given.count("force_keyframe") != 0 &&
                             absl::GetFlag(FLAGS_force_keyframe));
  const pb::Quality& q = request.quality();
  if (!q.has_bitrate_kbps() && !q.has_framerate() && !q.has_width() && !q.has_height() &&
      !q.has_fec_percentage() && !q.has_keyframe_interval() && !q.has_nack() &&
      !q.has_speed_preset() && !q.has_mtu() && q.preset().empty() && !request.force_keyframe()) {
    return UsageError("set needs at least one quality flag or --force_keyframe", ctx.usage);
  }

  grpc::ClientContext client;
  SetDeadline(ctx, &client);
  pb::Stream stream;
  const grpc::Status status = ctx.stub->SetQuality(&client, request, &stream);
  return FinishStreamCall(ctx, status, stream);
}

int RunGet(const CommandContext& ctx) {
  pb::GetStreamRequest request;
  request.set_stream_id(ctx.args[0]);
  grpc::ClientContext client;
  SetDeadline(ctx, &client);
  pb::Stream stream;
  const grpc::Status status = ctx.stub->GetStream(&client, request, &stream);
  return FinishStreamCall(ctx, status, stream);
}

int RunList(const CommandContext& ctx) {
  grpc::ClientContext client;
  SetDeadline(ctx, &client);
  pb::ListStreamsResponse response;
  const grpc::Status status = ctx.stub->ListStreams(&client, pb::ListStreamsRequest(), &response);
  if (!status.ok()) return PrintRpcError(status);

  if (ctx.json) {
    // One Stream object per line; no streams prints nothing.
    for (const pb::Stream& stream : response.streams()) {
      if (int code = PrintJsonLine(stream); code != kExitOk) return code;
    }
    return kExitOk;
  }
  if (response.streams().empty()) return PrintText("no streams\n");
  std::string text;
  for (const pb::Stream& stream : response.streams()) {
    if (!text.empty()) text += "\n";
    text += FormatStream(stream);
  }
  return PrintText(text);
}

}  // namespace streamctl
