#include "engine/feed.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "engine/heap.h"
#include "engine/passthrough.h"
#include "engine/pipeline_description.h"
#include "engine/source_check.h"
#include "engine/uri_secret.h"

namespace engine {

const char* FeedStateName(FeedState state) {
  switch (state) {
    case FeedState::kWaitingForViewer:
      return "WAITING_FOR_VIEWER";
    case FeedState::kNegotiating:
      return "NEGOTIATING";
    case FeedState::kStreaming:
      return "STREAMING";
    case FeedState::kFailed:
      return "FAILED";
    case FeedState::kStopped:
      return "STOPPED";
    case FeedState::kReconnectingSource:
      return "RECONNECTING_SOURCE";
  }
  return "?";
}

namespace {
const char* IceStateName(GstWebRTCICEConnectionState state) {
  switch (state) {
    case GST_WEBRTC_ICE_CONNECTION_STATE_NEW:
      return "new";
    case GST_WEBRTC_ICE_CONNECTION_STATE_CHECKING:
      return "checking";
    case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED:
      return "connected";
    case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED:
      return "completed";
    case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED:
      return "failed";
    case GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED:
      return "disconnected";
    case GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED:
      return "closed";
  }
  return "?";
}
}  // namespace

namespace {
// speed_preset drives a built-in encoder's own speed knob. openh264enc has
// none, and an operator template's encoder keeps the settings its author
// wrote: asking for one there is refused rather than silently ignored.
absl::Status CheckSpeedSettable(const FeedConfig& config, const Quality& requested) {
  if (!requested.speed_preset) return absl::OkStatus();
  if (config.pipeline_template) {
    return absl::InvalidArgumentError(
        "speed_preset: a pipeline template's encoder keeps the template's settings");
  }
  auto traits = EncoderFor(config.codec, config.encoder);
  if (traits.ok() && *(*traits)->speed_property == '\0') {
    return absl::InvalidArgumentError(
        absl::StrCat("speed_preset: encoder ", (*traits)->encoder_name, " has no speed setting"));
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<std::shared_ptr<Feed>> Feed::Create(Engine* engine, FeedConfig config,
                                                   Listener* listener) {
  const PipelineTemplate* tmpl = config.pipeline_template.get();
  // A template with a source part brings its own source; no URI to check.
  const bool uri_source = !tmpl || tmpl->source.empty();
  if (uri_source) {
    auto source = SourceDescription(config.source_uri, config.source_options);
    if (!source.ok()) return source.status();
  }
  const CodecTraits* traits = nullptr;
  const bool passthrough = config.source_options.passthrough;
  if (passthrough) {
    if (absl::Status s =
            CheckPassthroughStart(config.codec, config.encoder, tmpl != nullptr, config.quality);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = engine->Call([&] { return CheckPassthroughInstalled(config.codec); });
        !s.ok()) {
      return s;
    }
  } else if (tmpl) {
    if (tmpl->codec != config.codec) {
      return absl::InvalidArgumentError(absl::StrCat("pipeline template ", Quoted(tmpl->name),
                                                     " produces ", CodecName(tmpl->codec)));
    }
    if (!config.encoder.empty()) {
      return absl::InvalidArgumentError(
          "encoder: leave it empty with a pipeline template, which brings its own");
    }
  } else {
    auto found = EncoderFor(config.codec, config.encoder);
    if (!found.ok()) return found.status();
    traits = *found;
    // Plugins can be removed after start-up; better refused now than at play.
    if (absl::Status s = engine->Call([&] { return CheckInstalled(*traits); }); !s.ok()) return s;
  }
  if (absl::Status s = config.quality.Validate(config.codec); !s.ok()) return s;
  if (absl::Status s = CheckSpeedSettable(config, config.quality); !s.ok()) return s;
  if (uri_source) {
    if (absl::Status s = engine->Call([&] { return CheckSourceAvailable(config.source_uri); });
        !s.ok()) {
      return s;
    }
  }
  config.quality = Quality::Defaults(config.codec).Overlay(config.quality);
  if (passthrough) config.quality = PassthroughQuality(config.quality);
  std::shared_ptr<Feed> feed(new Feed(engine, std::move(config), listener));
  engine->Call([&] { feed->StartStatsTimer(); });
  return feed;
}

Feed::Feed(Engine* engine, FeedConfig config, Listener* listener)
    : engine_(engine), config_(std::move(config)), listener_(listener) {
  snapshot_.quality = config_.quality;
}

// A posted closure may drop the last reference after the owner's listener is
// gone: clean up without calling it.
Feed::~Feed() {
  engine_->Call([this] { listener_ = nullptr; });
  Shutdown();
}

void Feed::Shutdown() {
  engine_->Call([this] {
    if (stats_timer_) {
      g_source_destroy(stats_timer_);
      g_source_unref(stats_timer_);
      stats_timer_ = nullptr;
    }
    if (session_) EndSession(FeedState::kStopped);
    SetState(FeedState::kStopped);
    listener_ = nullptr;
  });
}

FeedSnapshot Feed::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

void Feed::SetState(FeedState state, std::optional<std::string> error) {
  FeedSnapshot copy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (snapshot_.state == FeedState::kStopped) return;  // terminal
    bool changed = snapshot_.state != state || error.has_value();
    snapshot_.state = state;
    if (error) snapshot_.last_error = *error;
    if (!changed) return;
    copy = snapshot_;
  }
  spdlog::info("feed {}: {}{}",
               config_.name.empty() ? Abbreviate(RedactUri(config_.source_uri)) : config_.name,
               FeedStateName(state), error ? absl::StrCat(" (", *error, ")") : "");
  if (listener_) listener_->OnFeedState(copy);
}

void Feed::StartViewer(std::function<void(absl::Status)> done) {
  engine_->Post([self = shared_from_this(), done = std::move(done)] {
    if (self->Snapshot().state == FeedState::kStopped) {
      return done(absl::FailedPreconditionError("stream is stopped"));
    }
    if (self->session_) {
      return done(absl::FailedPreconditionError("feed busy: a viewer is already watching"));
    }
    self->viewer_requested_ = true;
    self->SetState(FeedState::kNegotiating);
    done(absl::OkStatus());
  });
}

void Feed::Offer(std::string offer_sdp, std::vector<IceCandidate> candidates,
                 std::function<void(absl::StatusOr<std::string>)> done) {
  engine_->Post([self = shared_from_this(), offer = std::move(offer_sdp),
                 candidates = std::move(candidates), done = std::move(done)]() mutable {
    if (self->session_) {
      return done(absl::FailedPreconditionError(
          "a viewer session is already negotiated; stop it before offering again"));
    }
    if (!self->viewer_requested_) {
      return done(absl::FailedPreconditionError("sdpRequest without streamStartRequest"));
    }
    SessionConfig config{
        self->config_.source_uri,           self->config_.codec,   self->Snapshot().quality,
        self->config_.ice_gather_timeout,   self->config_.ice,     self->config_.latency_probe,
        self->config_.source_stall_timeout, self->config_.encoder, self->config_.pipeline_template,
        self->config_.source_options};
    std::weak_ptr<Feed> weak = self;
    ViewerSession::Events events{[weak](GstWebRTCICEConnectionState s) {
                                   if (auto feed = weak.lock()) feed->OnIceState(s);
                                 },
                                 [weak](std::string error) {
                                   if (auto feed = weak.lock())
                                     feed->EndSession(FeedState::kFailed, std::move(error));
                                 },
                                 [weak](std::string error) {
                                   if (auto feed = weak.lock())
                                     feed->OnSourceDown(std::move(error));
                                 },
                                 [weak] {
                                   if (auto feed = weak.lock()) feed->OnSourceUp();
                                 },
                                 [weak] {
                                   auto feed = weak.lock();
                                   if (!feed) return;
                                   std::lock_guard<std::mutex> lock(feed->mu_);
                                   ++feed->snapshot_.source_loops;
                                 }};
    auto session = ViewerSession::Create(self->engine_, config, offer, std::move(events));
    if (!session.ok()) {
      self->viewer_requested_ = false;
      self->SetState(FeedState::kFailed, std::string(session.status().message()));
      return done(session.status());
    }
    self->session_ = *session;
    self->rate_base_.reset();
    self->ice_state_ = "new";
    self->ice_connected_ = false;
    self->source_down_ = false;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      ++self->snapshot_.viewer_sessions;
      self->snapshot_.pipeline_running = true;
      self->snapshot_.source_loops = 0;
    }
    auto offered_at = std::chrono::steady_clock::now();
    self->session_->Answer(
        std::move(offer), std::move(candidates),
        [weak, offered_at, done = std::move(done)](absl::StatusOr<std::string> answer) {
          auto feed = weak.lock();
          auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - offered_at)
                        .count();
          spdlog::info("answer {} after {} ms", answer.ok() ? "ready" : "failed", ms);
          if (!answer.ok() && feed && answer.status().code() != absl::StatusCode::kCancelled) {
            feed->EndSession(FeedState::kFailed, std::string(answer.status().message()));
          }
          done(std::move(answer));
        });
  });
}

void Feed::StopViewer(std::function<void(absl::Status)> done) {
  engine_->Post([self = shared_from_this(), done = std::move(done)] {
    self->EndSession(FeedState::kWaitingForViewer);
    if (done) done(absl::OkStatus());
  });
}

void Feed::EndSession(FeedState next, std::optional<std::string> error) {
  viewer_requested_ = false;
  // Destroying the session sets its pipeline to NULL and frees it.
  std::shared_ptr<ViewerSession> ending = std::move(session_);
  ending.reset();
  // The session's pages back to the OS (engine/heap.h says why).
  ReturnFreedHeap();
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_.pipeline_running = false;
    snapshot_.source_loops = 0;
  }
  ice_state_ = "none";
  ice_connected_ = false;
  source_down_ = false;
  rate_base_.reset();
  SetState(next, std::move(error));
}

void Feed::OnSourceDown(std::string error) {
  if (!session_) return;
  source_down_ = true;
  SetState(FeedState::kReconnectingSource, std::move(error));
}

void Feed::OnSourceUp() {
  if (!session_) return;
  source_down_ = false;
  SetState(ice_connected_ ? FeedState::kStreaming : FeedState::kNegotiating);
}

void Feed::OnIceState(GstWebRTCICEConnectionState state) {
  ice_state_ = IceStateName(state);
  switch (state) {
    case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED:
    case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED:
      ice_connected_ = true;
      if (!source_down_) SetState(FeedState::kStreaming);
      break;
    case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED:
      EndSession(FeedState::kFailed, "ICE connectivity to the viewer failed");
      break;
    default:
      break;
  }
}

absl::StatusOr<Quality> Feed::SetQuality(const Quality& changes, bool force_keyframe) {
  if (absl::Status s = changes.Validate(config_.codec); !s.ok()) return s;
  if (absl::Status s = CheckSpeedSettable(config_, changes); !s.ok()) return s;
  if (config_.source_options.passthrough) {
    if (absl::Status s = CheckPassthroughChange(changes, force_keyframe); !s.ok()) return s;
  }
  return engine_->Call([&]() -> absl::StatusOr<Quality> {
    Quality previous = Snapshot().quality;
    Quality next = previous.Overlay(changes);
    if (session_) {
      if (absl::Status s = session_->ApplyQuality(previous, next); !s.ok()) return s;
      if (force_keyframe) session_->ForceKeyframe();
    }
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_.quality = next;
    return next;
  });
}

std::optional<SessionSettings> Feed::SessionSettingsNow() {
  return engine_->Call([&]() -> std::optional<SessionSettings> {
    if (!session_) return std::nullopt;
    return session_->Settings();
  });
}

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

void Feed::OnStatsTick() {
  if (!session_) return EmitStats({});
  std::weak_ptr<Feed> weak = weak_from_this();
  session_->RequestStats([weak](RtpSenderStats rtp) {
    if (auto self = weak.lock()) self->EmitStats(rtp);
  });
}

void Feed::EmitStats(const RtpSenderStats& rtp) {
  if (!listener_) return;
  FeedStats stats;
  stats.timestamp = std::chrono::system_clock::now();
  FeedSnapshot snap = Snapshot();
  stats.state = snap.state;
  stats.quality = snap.quality;
  stats.rtp = rtp;
  stats.frames_encoded = session_ ? session_->frames_encoded() : 0;
  stats.keyframes_encoded = session_ ? session_->keyframes_encoded() : 0;
  stats.ice_connection_state = ice_state_;
  auto now = std::chrono::steady_clock::now();
  if (session_ && rate_base_) {
    double seconds = std::chrono::duration<double>(now - rate_base_->at).count();
    if (seconds > 0) {
      stats.send_bitrate_kbps = (rtp.bytes_sent - rate_base_->bytes) * 8.0 / 1000.0 / seconds;
      stats.encode_fps = (stats.frames_encoded - rate_base_->frames) / seconds;
    }
  }
  if (session_) rate_base_ = RateBase{now, rtp.bytes_sent, stats.frames_encoded};
  listener_->OnFeedStats(stats);
}

}  // namespace engine
