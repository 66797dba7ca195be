// A feed's stats: every interval, webrtcbin's figures from each viewer
// session (asked for at once, gathered as they come back on the engine
// thread), turned into per-viewer rates and the feed's totals.
#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "engine/feed.h"

namespace engine {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

template <typename T>
void KeepWorst(std::optional<T>& total, const std::optional<T>& one) {
  if (one && (!total || *one > *total)) total = one;
}

}  // namespace

void Feed::StartStatsTimer() {
  stats_timer_ = g_timeout_source_new(static_cast<guint>(config_.stats_interval.count()));
  g_source_set_callback(
      stats_timer_,
      [](gpointer data) -> gboolean {
        if (auto self = static_cast<std::weak_ptr<Feed>*>(data)->lock()) self->OnStatsTick();
        return G_SOURCE_CONTINUE;
      },
      new std::weak_ptr<Feed>(weak_from_this()),
      [](gpointer data) { delete static_cast<std::weak_ptr<Feed>*>(data); });
  g_source_attach(stats_timer_, engine_->context());
}

void Feed::AdaptSharedEncoder() {
  // One encoder for every viewer: it sends what the thinnest adaptive
  // viewer's link takes (once per stats interval; each viewer's own encoder
  // follows its target on every feedback instead).
  if (!shared_ || !quality_.adaptive.value_or(false)) return;
  std::optional<int64_t> lowest;
  for (const auto& [id, viewer] : viewers_) {
    if (!viewer.session) continue;
    if (auto c = viewer.session->congestion()) {
      lowest = std::min(lowest.value_or(c->estimate.target_bps), c->estimate.target_bps);
    }
  }
  if (!lowest) return;
  const uint32_t kbps = std::clamp<uint32_t>(static_cast<uint32_t>(*lowest / 1000),
                                             limits::kMinBitrateKbps, quality_.CeilingKbps());
  const uint32_t now = shared_->quality().bitrate_kbps.value_or(0);
  if (now != 0 && std::abs(static_cast<int64_t>(kbps) - now) * 100 < 3 * now) return;
  Quality next = shared_->quality();
  next.bitrate_kbps = kbps;
  shared_->Apply(next);
}

// A viewer whose ICE never connects (both ends behind symmetric NATs without
// TURN, a relay that refused us...) would stay NEGOTIATING for as long as
// libnice keeps trying: it ends after ice_connect_timeout with the reason.
void Feed::EndViewersThatNeverConnected() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::string> stalled;
  for (const auto& [id, viewer] : viewers_) {
    if (viewer.session && !viewer.connected &&
        now - viewer.since_steady > config_.ice_connect_timeout) {
      stalled.push_back(id);
    }
  }
  for (const std::string& id : stalled) {
    std::string why = absl::StrCat("ICE did not connect to the viewer within ",
                                   config_.ice_connect_timeout.count(), " ms");
    const std::string& problem = viewers_.at(id).session->ice_problem();
    if (!problem.empty()) absl::StrAppend(&why, ": ", problem);
    EndViewer(id, std::move(why));
  }
}

// An SFU that restarts or dies takes its session state with it and sends
// nothing more: its receiver reports (about one a second) stop. Only after
// the first report, so a peer that sends no RTCP is left to ICE.
void Feed::EndPublishersWithoutRtcp() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::string> silent;
  for (const auto& [id, viewer] : viewers_) {
    if (!viewer.publisher || !viewer.session || !viewer.connected) continue;
    const auto last = viewer.session->last_peer_rtcp();
    if (last && now - *last > config_.peer_rtcp_timeout) silent.push_back(id);
  }
  for (const std::string& id : silent) {
    EndViewer(id, absl::StrCat("no RTCP from the peer for ", config_.peer_rtcp_timeout.count(),
                               " ms (it went away)"));
  }
}

void Feed::OnStatsTick() {
  EndViewersThatNeverConnected();
  EndPublishersWithoutRtcp();
  // A round a session never answered (it was going away) ends now with what
  // came back.
  if (!round_.pending.empty()) EmitStats();
  AdaptSharedEncoder();
  round_ = StatsRound{round_.id + 1, {}, {}};
  for (auto& [id, viewer] : viewers_) {
    if (viewer.session) round_.pending.insert(id);
  }
  if (round_.pending.empty()) return EmitStats();
  std::weak_ptr<Feed> weak = weak_from_this();
  for (auto& [id, viewer] : viewers_) {
    if (!viewer.session) continue;
    viewer.session->RequestStats([weak, round = round_.id, id = id](RtpSenderStats rtp) {
      if (auto self = weak.lock()) self->OnViewerStats(round, id, rtp);
    });
  }
}

void Feed::OnViewerStats(uint64_t round, const std::string& id, const RtpSenderStats& rtp) {
  if (round != round_.id || !round_.pending.erase(id)) return;  // late or gone
  auto it = viewers_.find(id);
  if (it == viewers_.end() || !it->second.session) return;
  Viewer& viewer = it->second;
  ViewerStats stats;
  stats.session_id = id;
  stats.rtp = rtp;
  stats.frames_encoded = viewer.session->frames_encoded();
  stats.keyframes_encoded = viewer.session->keyframes_encoded();
  stats.ice_connection_state = viewer.ice_state;
  stats.quality = shared_ ? shared_->quality() : viewer.session->InForce(viewer.quality);
  stats.congestion = viewer.session->congestion();
  const auto now = std::chrono::steady_clock::now();
  if (viewer.rate_base) {
    const double seconds = Seconds(now - viewer.rate_base->at);
    if (seconds > 0) {
      stats.send_bitrate_kbps = (rtp.bytes_sent - viewer.rate_base->bytes) * 8.0 / 1000.0 / seconds;
      stats.encode_fps = (stats.frames_encoded - viewer.rate_base->frames) / seconds;
    }
  }
  viewer.rate_base = Viewer::RateBase{now, rtp.bytes_sent, stats.frames_encoded};
  if (rtp.selected_pair) viewer.selected_pair = rtp.selected_pair;
  round_.got.push_back(std::move(stats));
  if (round_.pending.empty()) EmitStats();
}

void Feed::EmitStats() {
  round_.pending.clear();
  if (!listener_) return;
  PublishViewers();  // the selected pairs just read
  FeedStats stats;
  stats.timestamp = std::chrono::system_clock::now();
  FeedSnapshot snap = Snapshot();
  stats.state = snap.state;
  stats.quality = snap.quality;
  std::sort(round_.got.begin(), round_.got.end(), [&](const ViewerStats& a, const ViewerStats& b) {
    return viewers_.count(a.session_id) && viewers_.count(b.session_id) &&
           viewers_[a.session_id].since_steady < viewers_[b.session_id].since_steady;
  });
  stats.ice_connection_state =
      round_.got.empty() ? "none" : round_.got.front().ice_connection_state;
  if (!round_.got.empty()) stats.rtp.selected_pair = round_.got.front().rtp.selected_pair;
  for (const ViewerStats& v : round_.got) {
    stats.rtp.bytes_sent += v.rtp.bytes_sent;
    stats.rtp.packets_sent += v.rtp.packets_sent;
    stats.rtp.nack_count += v.rtp.nack_count;
    stats.rtp.pli_count += v.rtp.pli_count;
    stats.rtp.fir_count += v.rtp.fir_count;
    KeepWorst(stats.rtp.round_trip_time_ms, v.rtp.round_trip_time_ms);
    KeepWorst(stats.rtp.jitter_ms, v.rtp.jitter_ms);
    KeepWorst(stats.rtp.packets_lost, v.rtp.packets_lost);
    KeepWorst(stats.rtp.fraction_lost, v.rtp.fraction_lost);
    stats.send_bitrate_kbps += v.send_bitrate_kbps;
    stats.encode_fps = std::max(stats.encode_fps, v.encode_fps);
    stats.frames_encoded = std::max(stats.frames_encoded, v.frames_encoded);
    stats.keyframes_encoded = std::max(stats.keyframes_encoded, v.keyframes_encoded);
  }
  stats.viewers = std::move(round_.got);
  round_.got.clear();
  listener_->OnFeedStats(stats);
}

}  // namespace engine
