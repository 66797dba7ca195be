#include "printing.h"

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "cli.h"
#include "format_fields.h"

namespace streamctl {

namespace pb = streamcontrol::v1;

namespace {
const char* WhipStateName(pb::WhipState state) {
  switch (state) {
    case pb::WHIP_OFFERING:
      return "OFFERING";
    case pb::WHIP_PUBLISHING:
      return "PUBLISHING";
    case pb::WHIP_BACKING_OFF:
      return "BACKING_OFF";
    case pb::WHIP_STOPPED:
      return "STOPPED";
    default:
      return "-";
  }
}
}  // namespace

// "  (stepped down: bandwidth, since 10:42:07)" when the degradation ladder
// holds the viewer below the operator's picture; "" otherwise.
std::string PictureReason(const pb::Viewer& v) {
  if (!v.has_congestion() || v.congestion().quality_reason().empty()) return "";
  return absl::StrCat("  (stepped down: ", v.congestion().quality_reason(), ", since ",
                      TimeOfDay(v.congestion().quality_change_unix_ms()), ")");
}

std::string FormatStream(const pb::Stream& stream) {
  const pb::Quality& q = stream.quality();
  std::string out = absl::StrCat(stream.stream_id(), "  ", StateName(stream.state()),
                                 "  (viewer sessions: ", stream.viewer_sessions(), ")\n");
  absl::StrAppend(&out, "  source:   ", stream.source_uri(), "\n");
  absl::StrAppend(&out, "  codec:    ", CodecName(stream.codec()), " (", stream.encoder(), ")",
                  stream.pipeline_template().empty()
                      ? ""
                      : absl::StrCat("  template: ", stream.pipeline_template()),
                  "\n");
  absl::StrAppend(&out, "  quality:  ", FrameShape(q));
  if (q.has_bitrate_kbps()) absl::StrAppend(&out, "  ", q.bitrate_kbps(), " kbps");
  if (q.has_fec_percentage()) absl::StrAppend(&out, "  FEC ", q.fec_percentage(), "%");
  if (q.has_keyframe_interval()) {
    absl::StrAppend(&out, "  keyframe every ",
                    q.keyframe_interval() == 0 ? std::string("2 s (auto)")
                                               : absl::StrCat(q.keyframe_interval(), " frames"));
  }
  if (q.has_nack()) absl::StrAppend(&out, "  NACK ", q.nack() ? "on" : "off");
  if (q.has_speed_preset()) absl::StrAppend(&out, "  speed ", q.speed_preset());
  if (q.has_mtu()) absl::StrAppend(&out, "  MTU ", q.mtu());
  if (q.has_adaptive()) {
    absl::StrAppend(&out, "  adaptive ",
                    q.adaptive() ? absl::StrCat(DegradationName(q.degradation())) : "off");
  }
  absl::StrAppend(&out, "\n");
  const pb::SourceOptions& so = stream.source_options();
  if (so.rtsp_transport() != pb::SourceOptions::RTSP_TRANSPORT_AUTO || so.loop()) {
    absl::StrAppend(&out, "  options: ",
                    so.rtsp_transport() == pb::SourceOptions::RTSP_TRANSPORT_UDP   ? " rtsp udp"
                    : so.rtsp_transport() == pb::SourceOptions::RTSP_TRANSPORT_TCP ? " rtsp tcp"
                                                                                   : "",
                    so.loop() ? absl::StrCat(" loop (", stream.source_loops(), " so far)") : "",
                    "\n");
  }

  absl::StrAppend(&out, "  viewers:  ", stream.viewers_size(), " of ", stream.max_viewers(),
                  stream.shared_encode() ? "  (one shared encoder)" : "", "\n");
  for (const pb::Viewer& v : stream.viewers()) {
    const pb::CandidatePair& pair = v.selected_candidate_pair();
    absl::StrAppend(&out, "    ", v.session_id().empty() ? "(default)" : v.session_id(), "  ",
                    v.state() == pb::VIEWER_STREAMING ? "STREAMING" : "NEGOTIATING", "  ",
                    FrameShape(v.quality()), "  ", v.quality().bitrate_kbps(), " kbps",
                    PictureReason(v),
                    pair.local_type().empty()
                        ? ""
                        : absl::StrCat("  via ", pair.local_type(), "/", pair.protocol(), " to ",
                                       pair.remote_address(), ":", pair.remote_port()),
                    "\n");
  }
  if (stream.has_whip()) {
    const pb::WhipStatus& w = stream.whip();
    absl::StrAppend(&out, "  whip:     ", WhipStateName(w.state()), "  ", w.endpoint_url(),
                    w.resource_url().empty() ? "" : absl::StrCat(" -> ", w.resource_url()),
                    "  attempts ", w.attempts(), w.token_set() ? "  (token set)" : "  (no token)",
                    "\n");
    if (!w.last_error().empty()) absl::StrAppend(&out, "            ", w.last_error(), "\n");
  }
  const pb::AhoyStatus& ahoy = stream.ahoy();
  absl::StrAppend(&out, "  ahoy:     ", LinkName(ahoy.state()), "  feed ",
                  ahoy.feed_name().empty() ? "-" : ahoy.feed_name(), " at ",
                  ahoy.director_url().empty() ? "-" : ahoy.director_url(),
                  ahoy.api_key_set() ? "  (api key set)" : "  (no api key)", "\n");
  if (!ahoy.last_error().empty()) {
    absl::StrAppend(&out, "  ahoy err: ", ahoy.last_error(), "\n");
  }
  if (!stream.last_error().empty()) {
    absl::StrAppend(&out, "  error:    ", stream.last_error(), "\n");
  }
  return out;
}

std::string FormatStats(const pb::StreamStats& s) {
  const pb::Quality& q = s.quality();
  std::string line = absl::StrCat(TimeOfDay(s.timestamp_unix_ms()), " ", s.stream_id(), " ",
                                  StateName(s.state()), " ", FrameShape(q), " target=");
  absl::StrAppend(&line, q.has_bitrate_kbps() ? absl::StrCat(q.bitrate_kbps()) : "?", "kbps");
  absl::StrAppend(&line, " sent=", Fixed(s.send_bitrate_kbps(), 1), "kbps");
  absl::StrAppend(&line, " enc=", Fixed(s.encode_fps(), 1), "fps");
  absl::StrAppend(
      &line, " rtt=", s.has_round_trip_time_ms() ? Fixed(s.round_trip_time_ms(), 1) + "ms" : "-");
  absl::StrAppend(
      &line, " loss=", s.has_fraction_lost() ? Fixed(s.fraction_lost() * 100.0, 2) + "%" : "-");
  if (s.has_packets_lost()) absl::StrAppend(&line, " lost=", s.packets_lost());
  absl::StrAppend(&line,
                  " ice=", s.ice_connection_state().empty() ? "-" : s.ice_connection_state());
  absl::StrAppend(&line, " link=", LinkName(s.link_state()));
  if (s.dropped_samples() != 0) absl::StrAppend(&line, " dropped=", s.dropped_samples());
  for (const pb::ViewerStats& v : s.viewers()) {
    if (!v.has_congestion()) continue;
    const pb::Congestion& c = v.congestion();
    absl::StrAppend(&line, " [", v.session_id().empty() ? "default" : v.session_id(),
                    " pic=", FrameShape(v.quality()),
                    c.quality_reason().empty() ? "" : absl::StrCat("(", c.quality_reason(), ")"),
                    " est=", c.estimate_kbps(), "kbps target=", c.target_kbps(),
                    "kbps acked=", c.acked_kbps(), "kbps pacer=", Fixed(c.pacer_queue_ms(), 0),
                    "ms@", c.pacing_rate_kbps(), "kbps ", c.adaptive() ? c.last_reason() : "fixed",
                    "]");
  }
  return line;
}

int PrintJsonLine(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::cerr << "streamctl: INTERNAL: cannot print as JSON: " << status.message() << "\n";
    return kExitRpcError;
  }
  std::cout << json << std::endl;
  return kExitOk;
}

int PrintText(const std::string& text) {
  std::cout << text << std::flush;
  return kExitOk;
}

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

int PrintRpcError(const grpc::Status& status) {
  std::cerr << "streamctl: " << StatusCodeName(status.error_code()) << ": "
            << status.error_message() << std::endl;
  return kExitRpcError;
}

}  // namespace streamctl
