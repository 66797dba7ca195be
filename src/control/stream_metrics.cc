#include "control/stream_metrics.h"

#include <set>

#include "engine/element_census.h"
#include "metrics/families.h"

namespace control {
namespace {

namespace pb = streamcontrol::v1;
using metrics::AddFamily;
using metrics::AddSample;
using prometheus::MetricType;

constexpr engine::FeedState kFeedStates[] = {
    engine::FeedState::kWaitingForViewer, engine::FeedState::kNegotiating,
    engine::FeedState::kStreaming,        engine::FeedState::kFailed,
    engine::FeedState::kStopped,          engine::FeedState::kReconnectingSource};
constexpr signaling::LinkState kLinkStates[] = {
    signaling::LinkState::kConnecting, signaling::LinkState::kRegistered,
    signaling::LinkState::kUnauthorized, signaling::LinkState::kBackingOff,
    signaling::LinkState::kClosed};

}  // namespace

void StreamMetrics::Deliver(const SamplePtr& sample) {
  const pb::StreamStats& message = sample->message();
  std::lock_guard<std::mutex> lock(mu_);
  PerStream& stream = streams_[message.stream_id()];
  if (message.state() == pb::RECONNECTING_SOURCE &&
      (!stream.has_sample || stream.latest.state() != pb::RECONNECTING_SOURCE)) {
    ++stream.source_restarts;
  }
  if (message.link_state() == pb::LINK_REGISTERED &&
      (!stream.has_sample || stream.latest.link_state() != pb::LINK_REGISTERED)) {
    if (stream.ever_registered) ++stream.link_reconnects;
    stream.ever_registered = true;
  }
  // Events carry the state only; keep the figures of the last full sample.
  if (message.viewers_size() > 0 || message.bytes_sent() > 0 || !stream.has_sample) {
    stream.latest = message;
  } else {
    stream.latest.set_state(message.state());
    stream.latest.set_link_state(message.link_state());
    if (message.state() != pb::STREAMING) {
      stream.latest.set_send_bitrate_kbps(0);
      stream.latest.set_encode_fps(0);
    }
  }
  stream.has_sample = true;
}

std::vector<prometheus::MetricFamily> StreamMetrics::Collect() const {
  const std::vector<StreamInfo> infos = registry_->List();
  std::vector<prometheus::MetricFamily> out;
  out.reserve(32);

  auto& streams_by_state = AddFamily(&out, "gwa_streams", "Streams by state", MetricType::Gauge);
  for (engine::FeedState state : kFeedStates) {
    double count = 0;
    for (const auto& info : infos) count += info.feed.state == state ? 1 : 0;
    AddSample(&streams_by_state, {{"state", engine::FeedStateName(state)}}, count);
  }

  auto& state =
      AddFamily(&out, "gwa_stream_state", "1 for the state each stream is in", MetricType::Gauge);
  auto& viewers =
      AddFamily(&out, "gwa_stream_viewers", "Viewer sessions of the stream", MetricType::Gauge);
  auto& link_up = AddFamily(&out, "gwa_link_up",
                            "1 while the stream's Ahoy link is registered with its director",
                            MetricType::Gauge);
  auto& link_state =
      AddFamily(&out, "gwa_link_state", "1 for the state each Ahoy link is in", MetricType::Gauge);
  auto& link_attempts =
      AddFamily(&out, "gwa_link_connect_attempts",
                "Connection attempts of the Ahoy link since it last registered", MetricType::Gauge);
  auto& link_reconnects =
      AddFamily(&out, "gwa_link_reconnects_total", "Registrations of the Ahoy link after its first",
                MetricType::Counter);
  auto& source_restarts =
      AddFamily(&out, "gwa_stream_source_restarts_total",
                "Times the stream's source failed and was rebuilt", MetricType::Counter);
  auto& bitrate =
      AddFamily(&out, "gwa_stream_send_bitrate_bits_per_second",
                "Media sent over the last stats interval, all viewers", MetricType::Gauge);
  auto& fps =
      AddFamily(&out, "gwa_stream_encode_frames_per_second",
                "Frames encoded per second over the last stats interval", MetricType::Gauge);
  auto& frames = AddFamily(&out, "gwa_stream_frames_encoded_total",
                           "Frames encoded in the current viewer sessions", MetricType::Counter);
  auto& keyframes =
      AddFamily(&out, "gwa_stream_keyframes_encoded_total",
                "Keyframes encoded in the current viewer sessions", MetricType::Counter);
  auto& bytes = AddFamily(&out, "gwa_stream_sent_bytes_total", "RTP bytes sent (outbound-rtp)",
                          MetricType::Counter);
  auto& packets = AddFamily(&out, "gwa_stream_sent_packets_total",
                            "RTP packets sent (outbound-rtp)", MetricType::Counter);
  auto& nacks = AddFamily(&out, "gwa_stream_nack_received_total", "NACKs received from viewers",
                          MetricType::Counter);
  auto& plis = AddFamily(&out, "gwa_stream_pli_received_total", "PLIs received from viewers",
                         MetricType::Counter);
  auto& rtt = AddFamily(&out, "gwa_stream_round_trip_time_seconds",
                        "RTCP round-trip time of the viewer worst off", MetricType::Gauge);
  auto& lost = AddFamily(&out, "gwa_stream_packets_lost",
                         "Packets the viewer worst off reports lost", MetricType::Gauge);
  auto& fraction_lost = AddFamily(&out, "gwa_stream_fraction_lost_ratio",
                                  "Fraction lost the viewer worst off reports", MetricType::Gauge);

  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> listed;
  for (const auto& info : infos) {
    const metrics::Labels id = {{"stream", info.stream_id}};
    listed.insert(info.stream_id);
    AddSample(&state,
              {{"stream", info.stream_id}, {"state", engine::FeedStateName(info.feed.state)}}, 1);
    AddSample(&viewers, id, static_cast<double>(info.feed.viewers.size()));
    AddSample(&link_up, id, info.link.state == signaling::LinkState::kRegistered ? 1 : 0);
    for (signaling::LinkState s : kLinkStates) {
      if (s == info.link.state) {
        AddSample(&link_state, {{"stream", info.stream_id}, {"state", signaling::LinkStateName(s)}},
                  1);
      }
    }
    AddSample(&link_attempts, id, info.link.connect_attempts);
    const auto it = streams_.find(info.stream_id);
    const PerStream* seen = it == streams_.end() ? nullptr : &it->second;
    AddSample(&link_reconnects, id, seen ? seen->link_reconnects : 0);
    AddSample(&source_restarts, id, seen ? seen->source_restarts : 0);
    // A stopped stream (the registry's tombstone) has no figures any more.
    if (!seen || !seen->has_sample || info.feed.state == engine::FeedState::kStopped) continue;
    const pb::StreamStats& s = seen->latest;
    AddSample(&bitrate, id, s.send_bitrate_kbps() * 1000.0);
    AddSample(&fps, id, s.encode_fps());
    AddSample(&frames, id, static_cast<double>(s.frames_encoded()));
    AddSample(&keyframes, id, static_cast<double>(s.keyframes_encoded()));
    AddSample(&bytes, id, static_cast<double>(s.bytes_sent()));
    AddSample(&packets, id, static_cast<double>(s.packets_sent()));
    AddSample(&nacks, id, s.nack_count());
    AddSample(&plis, id, s.pli_count());
    if (s.has_round_trip_time_ms()) AddSample(&rtt, id, s.round_trip_time_ms() / 1000.0);
    if (s.has_packets_lost()) AddSample(&lost, id, static_cast<double>(s.packets_lost()));
    if (s.has_fraction_lost()) AddSample(&fraction_lost, id, s.fraction_lost());
  }
  for (auto it = streams_.begin(); it != streams_.end();) {
    it = listed.count(it->first) ? std::next(it) : streams_.erase(it);
  }

  // This collector is a subscriber itself; report the operators' only.
  const size_t subscribers = hub_->subscriber_count();
  metrics::AddSingle(&out, "gwa_stats_watchers", "WatchStats subscribers", MetricType::Gauge,
                     subscribers > 0 ? subscribers - 1.0 : 0.0);
  metrics::AddSingle(&out, "gwa_gstreamer_live_elements",
                     "GStreamer elements alive in the process (leak watch)", MetricType::Gauge,
                     engine::LiveElementCount());
  return out;
}

}  // namespace control
