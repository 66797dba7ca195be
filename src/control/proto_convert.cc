#include "control/proto_convert.h"

#include <chrono>

#include "absl/strings/str_cat.h"

namespace control {

engine::Quality FromProto(const pb::Quality& q) {
  engine::Quality out;
  if (q.has_bitrate_kbps()) out.bitrate_kbps = q.bitrate_kbps();
  if (q.has_framerate()) out.framerate = q.framerate();
  if (q.has_width()) out.width = q.width();
  if (q.has_height()) out.height = q.height();
  if (q.has_fec_percentage()) out.fec_percentage = q.fec_percentage();
  if (q.has_keyframe_interval()) out.keyframe_interval = q.keyframe_interval();
  if (q.has_nack()) out.nack = q.nack();
  if (q.has_speed_preset()) out.speed_preset = q.speed_preset();
  if (q.has_mtu()) out.mtu = q.mtu();
  if (q.has_adaptive()) out.adaptive = q.adaptive();
  if (q.has_min_bitrate_kbps()) out.min_bitrate_kbps = q.min_bitrate_kbps();
  if (q.has_max_bitrate_kbps()) out.max_bitrate_kbps = q.max_bitrate_kbps();
  switch (q.degradation()) {
    case pb::DEGRADATION_BALANCED:
      out.degradation = engine::Degradation::kBalanced;
      break;
    case pb::DEGRADATION_MAINTAIN_FRAMERATE:
      out.degradation = engine::Degradation::kMaintainFramerate;
      break;
    case pb::DEGRADATION_MAINTAIN_RESOLUTION:
      out.degradation = engine::Degradation::kMaintainResolution;
      break;
    default:  // UNSPECIFIED keeps what is in force; CheckEnums refuses others
      break;
  }
  out.preset = q.preset();
  return out;
}

void ToProto(const engine::Quality& q, pb::Quality* out) {
  if (q.bitrate_kbps) out->set_bitrate_kbps(*q.bitrate_kbps);
  if (q.framerate) out->set_framerate(*q.framerate);
  if (q.width) out->set_width(*q.width);
  if (q.height) out->set_height(*q.height);
  if (q.fec_percentage) out->set_fec_percentage(*q.fec_percentage);
  if (q.keyframe_interval) out->set_keyframe_interval(*q.keyframe_interval);
  if (q.nack) out->set_nack(*q.nack);
  if (q.speed_preset) out->set_speed_preset(*q.speed_preset);
  if (q.mtu) out->set_mtu(*q.mtu);
  if (q.adaptive) out->set_adaptive(*q.adaptive);
  if (q.min_bitrate_kbps) out->set_min_bitrate_kbps(*q.min_bitrate_kbps);
  if (q.max_bitrate_kbps) out->set_max_bitrate_kbps(*q.max_bitrate_kbps);
  if (q.degradation) {
    switch (*q.degradation) {
      case engine::Degradation::kBalanced:
        out->set_degradation(pb::DEGRADATION_BALANCED);
        break;
      case engine::Degradation::kMaintainFramerate:
        out->set_degradation(pb::DEGRADATION_MAINTAIN_FRAMERATE);
        break;
      case engine::Degradation::kMaintainResolution:
        out->set_degradation(pb::DEGRADATION_MAINTAIN_RESOLUTION);
        break;
    }
  }
  if (!q.preset.empty()) out->set_preset(q.preset);
}

absl::Status CheckEnums(const pb::Quality& q) {
  // proto3 enums are open: a number this build does not know arrives as is.
  if (!pb::Degradation_IsValid(q.degradation())) {
    return absl::InvalidArgumentError(
        absl::StrCat("quality.degradation: unknown value ", q.degradation(),
                     " (valid: DEGRADATION_UNSPECIFIED, DEGRADATION_BALANCED, "
                     "DEGRADATION_MAINTAIN_FRAMERATE, DEGRADATION_MAINTAIN_RESOLUTION)"));
  }
  return absl::OkStatus();
}

void ToProto(const engine::SessionCongestion& c, pb::Congestion* out) {
  const engine::RateEstimate& e = c.estimate;
  out->set_adaptive(c.adaptive);
  out->set_estimate_kbps(static_cast<uint32_t>(e.delay_based_bps / 1000));
  out->set_loss_based_kbps(static_cast<uint32_t>(e.loss_based_bps / 1000));
  out->set_target_kbps(static_cast<uint32_t>(e.target_bps / 1000));
  out->set_acked_kbps(static_cast<uint32_t>(e.acked_bps / 1000));
  out->set_loss_fraction(e.loss_fraction);
  out->set_last_reason(engine::AdaptReasonName(e.reason));
  out->set_last_change_unix_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(c.changed_at.time_since_epoch())
          .count());
  out->set_feedback_reports(c.feedback_events);
  out->set_round_trip_time_ms(static_cast<double>(e.rtt_us) / 1000.0);
  out->set_quality_reason(c.quality_reason);
  if (c.quality_changed_at.time_since_epoch().count() != 0) {
    out->set_quality_change_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        c.quality_changed_at.time_since_epoch())
                                        .count());
  }
  out->set_pacer_queue_ms(static_cast<double>(c.pacer.queue_delay_us) / 1000.0);
  out->set_pacing_rate_kbps(static_cast<uint32_t>(c.pacer.pacing_rate_bps / 1000));
  out->set_pacer_packets_delayed(c.pacer.packets_delayed);
}

absl::StatusOr<engine::SourceOptions> FromProto(const pb::SourceOptions& in) {
  engine::SourceOptions out;
  switch (in.rtsp_transport()) {
    case pb::SourceOptions::RTSP_TRANSPORT_AUTO:
      out.rtsp_transport = engine::RtspTransport::kAuto;
      break;
    case pb::SourceOptions::RTSP_TRANSPORT_UDP:
      out.rtsp_transport = engine::RtspTransport::kUdp;
      break;
    case pb::SourceOptions::RTSP_TRANSPORT_TCP:
      out.rtsp_transport = engine::RtspTransport::kTcp;
      break;
    default:
      return absl::InvalidArgumentError("source_options.rtsp_transport: unknown value");
  }
  out.loop = in.loop();
  out.passthrough = in.passthrough();
  return out;
}

void ToProto(const engine::SourceOptions& in, pb::SourceOptions* out) {
  switch (in.rtsp_transport) {
    case engine::RtspTransport::kAuto:
      out->set_rtsp_transport(pb::SourceOptions::RTSP_TRANSPORT_AUTO);
      break;
    case engine::RtspTransport::kUdp:
      out->set_rtsp_transport(pb::SourceOptions::RTSP_TRANSPORT_UDP);
      break;
    case engine::RtspTransport::kTcp:
      out->set_rtsp_transport(pb::SourceOptions::RTSP_TRANSPORT_TCP);
      break;
  }
  out->set_loop(in.loop);
  out->set_passthrough(in.passthrough);
}

pb::Codec ToProto(engine::Codec codec) {
  switch (codec) {
    case engine::Codec::kH264:
      return pb::H264;
    case engine::Codec::kVP8:
      return pb::VP8;
    case engine::Codec::kVP9:
      return pb::VP9;
    case engine::Codec::kH265:
      return pb::H265;
  }
  return pb::CODEC_UNSPECIFIED;
}

pb::StreamState ToProto(engine::FeedState state) {
  switch (state) {
    case engine::FeedState::kWaitingForViewer:
      return pb::WAITING_FOR_VIEWER;
    case engine::FeedState::kNegotiating:
      return pb::NEGOTIATING;
    case engine::FeedState::kStreaming:
      return pb::STREAMING;
    case engine::FeedState::kReconnectingSource:
      return pb::RECONNECTING_SOURCE;
    case engine::FeedState::kFailed:
      return pb::FAILED;
    case engine::FeedState::kStopped:
      return pb::STOPPED;
  }
  return pb::STREAM_STATE_UNSPECIFIED;
}

pb::LinkState ToProto(signaling::LinkState state) {
  switch (state) {
    case signaling::LinkState::kConnecting:
      return pb::LINK_CONNECTING;
    case signaling::LinkState::kRegistered:
      return pb::LINK_REGISTERED;
    case signaling::LinkState::kUnauthorized:
      return pb::LINK_UNAUTHORIZED;
    case signaling::LinkState::kBackingOff:
      return pb::LINK_BACKING_OFF;
    case signaling::LinkState::kClosed:
      return pb::LINK_CLOSED;
  }
  return pb::LINK_STATE_UNSPECIFIED;
}

namespace {
int64_t UnixMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::vector<engine::IceServer> FromProto(
    const google::protobuf::RepeatedPtrField<pb::IceServer>& servers) {
  std::vector<engine::IceServer> out;
  for (const pb::IceServer& server : servers) {
    out.push_back(
        {{server.urls().begin(), server.urls().end()}, server.username(), server.credential()});
  }
  return out;
}

void ToProto(const engine::IceOptions& ice, pb::IceConfig* out) {
  for (const engine::IceServer& server : ice.servers) {
    pb::IceServer* p = out->add_servers();
    for (const std::string& url : server.urls) p->add_urls(url);
    p->set_username(server.username);
  }
  out->set_transport_policy(engine::IceTransportPolicyName(ice.transport_policy));
}

namespace {

void ToProto(const engine::CandidatePairStats& pair, pb::CandidatePair* p) {
  p->set_local_address(pair.local_address);
  p->set_local_port(pair.local_port);
  p->set_local_type(pair.local_type);
  p->set_remote_address(pair.remote_address);
  p->set_remote_port(pair.remote_port);
  p->set_remote_type(pair.remote_type);
  p->set_protocol(pair.protocol);
  p->set_local_relay_protocol(pair.local_relay_protocol);
}

// The figures one viewer (or the feed as a whole) reports.
template <typename Out>
void SenderStatsToProto(const engine::RtpSenderStats& rtp, Out* out) {
  out->set_bytes_sent(rtp.bytes_sent);
  out->set_packets_sent(rtp.packets_sent);
  out->set_nack_count(rtp.nack_count);
  out->set_pli_count(rtp.pli_count);
  out->set_fir_count(rtp.fir_count);
  if (rtp.round_trip_time_ms) out->set_round_trip_time_ms(*rtp.round_trip_time_ms);
  if (rtp.jitter_ms) out->set_jitter_ms(*rtp.jitter_ms);
  if (rtp.packets_lost) out->set_packets_lost(*rtp.packets_lost);
  if (rtp.fraction_lost) out->set_fraction_lost(*rtp.fraction_lost);
  if (rtp.selected_pair) ToProto(*rtp.selected_pair, out->mutable_selected_candidate_pair());
}
}  // namespace

void ToProto(const StreamInfo& info, pb::Stream* out) {
  out->set_stream_id(info.stream_id);
  out->set_source_uri(info.source_uri);
  out->set_codec(ToProto(info.codec));
  out->set_state(ToProto(info.feed.state));
  ToProto(info.feed.quality, out->mutable_quality());
  out->set_last_error(info.feed.last_error);
  out->set_viewer_sessions(info.feed.viewer_sessions);
  out->set_pipeline_running(info.feed.pipeline_running);
  out->set_encoder(info.encoder);
  out->set_pipeline_template(info.pipeline_template);
  ToProto(info.source_options, out->mutable_source_options());
  out->set_source_loops(info.feed.source_loops);
  out->set_shared_encode(info.shared_encode);
  out->set_max_viewers(info.max_viewers);
  ToProto(info.ice, out->mutable_ice());
  for (const engine::ViewerSnapshot& v : info.feed.viewers) {
    pb::Viewer* viewer = out->add_viewers();
    viewer->set_session_id(v.session_id);
    viewer->set_since_unix_ms(UnixMs(v.since));
    viewer->set_state(v.state == engine::ViewerState::kStreaming ? pb::VIEWER_STREAMING
                                                                 : pb::VIEWER_NEGOTIATING);
    ToProto(v.quality, viewer->mutable_quality());
    if (v.selected_pair) ToProto(*v.selected_pair, viewer->mutable_selected_candidate_pair());
    if (v.congestion) ToProto(*v.congestion, viewer->mutable_congestion());
  }
  pb::AhoyStatus* ahoy = out->mutable_ahoy();
  ahoy->set_director_url(info.director_url);
  ahoy->set_feed_name(info.feed_name);
  ahoy->set_state(ToProto(info.link.state));
  ahoy->set_api_key_set(info.api_key_set);
  ahoy->set_last_error(info.link.last_error);
  const bool waiting = info.link.state == signaling::LinkState::kBackingOff ||
                       info.link.state == signaling::LinkState::kUnauthorized;
  if (waiting && info.link.next_attempt.time_since_epoch().count() != 0) {
    ahoy->set_next_attempt_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       info.link.next_attempt.time_since_epoch())
                                       .count());
  }
  ahoy->set_connect_attempts(static_cast<uint32_t>(info.link.connect_attempts));
  if (info.whip) ToProto(*info.whip, info, out->mutable_whip());
}

pb::WhipState ToProto(signaling::WhipState state) {
  switch (state) {
    case signaling::WhipState::kOffering:
      return pb::WHIP_OFFERING;
    case signaling::WhipState::kPublishing:
      return pb::WHIP_PUBLISHING;
    case signaling::WhipState::kBackingOff:
      return pb::WHIP_BACKING_OFF;
    case signaling::WhipState::kStopped:
      return pb::WHIP_STOPPED;
  }
  return pb::WHIP_STATE_UNSPECIFIED;
}

void ToProto(const signaling::WhipStatus& status, const StreamInfo& info, pb::WhipStatus* out) {
  out->set_endpoint_url(info.whip_endpoint_url);
  out->set_token_set(info.whip_token_set);
  out->set_state(ToProto(status.state));
  out->set_resource_url(status.resource_url);
  out->set_last_error(status.last_error);
  out->set_attempts(status.attempts);
  out->set_session_id(status.session_id);
  if (status.state == signaling::WhipState::kBackingOff &&
      status.next_attempt.time_since_epoch().count() != 0) {
    out->set_next_attempt_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      status.next_attempt.time_since_epoch())
                                      .count());
  }
}

pb::StreamStats StatsToProto(const std::string& stream_id, const engine::FeedStats& s,
                             signaling::LinkState link_state) {
  pb::StreamStats out;
  out.set_timestamp_unix_ms(UnixMs(s.timestamp));
  out.set_stream_id(stream_id);
  out.set_state(ToProto(s.state));
  ToProto(s.quality, out.mutable_quality());
  SenderStatsToProto(s.rtp, &out);
  out.set_frames_encoded(s.frames_encoded);
  out.set_keyframes_encoded(s.keyframes_encoded);
  out.set_send_bitrate_kbps(s.send_bitrate_kbps);
  out.set_encode_fps(s.encode_fps);
  out.set_ice_connection_state(s.ice_connection_state);
  out.set_link_state(ToProto(link_state));
  for (const engine::ViewerStats& v : s.viewers) {
    pb::ViewerStats* viewer = out.add_viewers();
    viewer->set_session_id(v.session_id);
    SenderStatsToProto(v.rtp, viewer);
    viewer->set_frames_encoded(v.frames_encoded);
    viewer->set_keyframes_encoded(v.keyframes_encoded);
    viewer->set_send_bitrate_kbps(v.send_bitrate_kbps);
    viewer->set_encode_fps(v.encode_fps);
    viewer->set_ice_connection_state(v.ice_connection_state);
    ToProto(v.quality, viewer->mutable_quality());
    if (v.congestion) ToProto(*v.congestion, viewer->mutable_congestion());
  }
  return out;
}

pb::StreamStats StateEventToProto(const std::string& stream_id,
                                  const engine::FeedSnapshot& snapshot,
                                  signaling::LinkState link_state) {
  pb::StreamStats out;
  out.set_timestamp_unix_ms(UnixMs(std::chrono::system_clock::now()));
  out.set_stream_id(stream_id);
  out.set_state(ToProto(snapshot.state));
  ToProto(snapshot.quality, out.mutable_quality());
  out.set_link_state(ToProto(link_state));
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace control
