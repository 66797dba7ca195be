#include "engine/feed.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/heap.h"
#include "engine/passthrough.h"
#include "engine/pipeline_description.h"
#include "engine/play_steps.h"
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
  if (absl::Status s = ValidateIceOptions(config.ice); !s.ok()) return s;
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
  if (config.max_viewers < 1 || config.max_viewers > kMaxViewersLimit) {
    return absl::InvalidArgumentError(absl::StrCat("max_viewers must be 1 to ", kMaxViewersLimit,
                                                   " (got ", config.max_viewers, ")"));
  }
  if (config.shared_encode && tmpl) {
    return absl::InvalidArgumentError(
        "shared_encode: not with a pipeline template (its encode part ends in a payloader)");
  }
  config.quality = Quality::Defaults(config.codec).Overlay(config.quality);
  if (passthrough) config.quality = PassthroughQuality(config.quality);
  std::shared_ptr<Feed> feed(new Feed(engine, std::move(config), listener));
  engine->Call([&] { feed->StartStatsTimer(); });
  return feed;
}

Feed::Feed(Engine* engine, FeedConfig config, Listener* listener)
    : engine_(engine), config_(std::move(config)), listener_(listener) {
  quality_ = config_.quality;
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
    for (auto& [id, viewer] : viewers_) viewer.on_end = nullptr;
    while (!viewers_.empty()) EndViewer(viewers_.begin()->first, std::nullopt);
    SetState(FeedState::kStopped, std::nullopt);
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

void Feed::UpdateState(std::optional<std::string> error) {
  FeedState state = FeedState::kWaitingForViewer;
  if (!viewers_.empty()) {
    bool connected = false;
    for (const auto& [id, viewer] : viewers_) connected |= viewer.connected;
    state = source_down_ && source_ ? FeedState::kReconnectingSource
            : connected             ? FeedState::kStreaming
                                    : FeedState::kNegotiating;
  }
  PublishViewers();
  SetState(state, std::move(error));
}

void Feed::PublishViewers() {
  std::vector<ViewerSnapshot> viewers;
  for (const auto& [id, v] : viewers_) {
    ViewerSnapshot snap{id,
                        v.since,
                        v.connected ? ViewerState::kStreaming : ViewerState::kNegotiating,
                        v.quality,
                        v.selected_pair,
                        std::nullopt};
    if (v.session) {
      snap.quality = v.session->InForce(v.quality);
      snap.congestion = v.session->congestion();
    }
    viewers.push_back(std::move(snap));
  }
  // Oldest first, as the API promises (viewers_ is keyed by session id).
  std::stable_sort(viewers.begin(), viewers.end(),
                   [](const auto& a, const auto& b) { return a.since < b.since; });
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_.viewers = std::move(viewers);
  snapshot_.pipeline_running =
      source_ != nullptr ||
      std::any_of(viewers_.begin(), viewers_.end(), [](const auto& v) { return v.second.session; });
}

void Feed::StartViewer(const std::string& session_id, std::function<void(absl::Status)> done) {
  engine_->Post([self = shared_from_this(), session_id, done = std::move(done)] {
    if (self->Snapshot().state == FeedState::kStopped) {
      return done(absl::FailedPreconditionError("stream is stopped"));
    }
    auto it = self->viewers_.find(session_id);
    if (it != self->viewers_.end()) {
      // A retried start before the offer changes nothing; a second viewer on
      // a session that plays is refused.
      if (it->second.session) {
        return done(absl::FailedPreconditionError(
            session_id.empty()
                ? "feed busy: a viewer is already watching"
                : absl::StrCat("session ", Quoted(session_id), " is already playing")));
      }
      return done(absl::OkStatus());
    }
    if (self->CountedViewers() >= self->config_.max_viewers) {
      return done(absl::ResourceExhaustedError(
          absl::StrCat("feed has its maximum of ", self->config_.max_viewers,
                       " viewers (max_viewers); stop one, or publish to an SFU (WHIP) for more")));
    }
    Viewer viewer;
    viewer.id = session_id;
    viewer.since = std::chrono::system_clock::now();
    viewer.since_steady = std::chrono::steady_clock::now();
    viewer.quality = self->quality_;
    self->viewers_.emplace(session_id, std::move(viewer));
    self->UpdateState();
    done(absl::OkStatus());
  });
}

// Puts a built session on the feed: the frames it takes (the shared
// encoder's or the source's), the quality it runs, the session count.
void Feed::Attach(Viewer& viewer, std::shared_ptr<ViewerSession> session) {
  viewer.session = std::move(session);
  viewer.quality = viewer.session->quality();
  viewer.fanout = shared_ ? shared_->output().get() : source_fanout_.get();
  viewer.fanout->Add(viewer.session->feeder());
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++snapshot_.viewer_sessions;
  }
  UpdateState();
}

absl::Status Feed::EnsureSource() {
  if (source_) return absl::OkStatus();
  const bool passthrough = config_.source_options.passthrough;
  source_fanout_ = std::make_shared<FrameFanout>(/*coded=*/passthrough);
  if (config_.shared_encode && !passthrough) {
    auto traits = EncoderFor(config_.codec, config_.encoder);
    if (!traits.ok()) return traits.status();
    std::weak_ptr<Feed> weak = weak_from_this();
    auto shared = SharedEncoder::Start(engine_, **traits, quality_, config_.latency_probe,
                                       [weak](std::string error) {
                                         auto self = weak.lock();
                                         if (!self) return;
                                         // Every viewer depends on it.
                                         while (!self->viewers_.empty()) {
                                           self->EndViewer(self->viewers_.begin()->first, error);
                                         }
                                       });
    if (!shared.ok()) return shared.status();
    shared_ = *shared;
    source_fanout_->Add(shared_->feeder());
  }
  const PipelineTemplate* tmpl = config_.pipeline_template.get();
  std::weak_ptr<Feed> weak = weak_from_this();
  SourceChain::Events events{
      [weak](const std::string& error, std::chrono::milliseconds retry_in) {
        if (auto self = weak.lock()) {
          self->OnSourceDown(
              absl::StrCat(error, "; restarting the source in ", retry_in.count(), " ms"));
        }
      },
      [weak] {
        if (auto self = weak.lock()) self->OnSourceUp();
      },
      [weak] {
        auto self = weak.lock();
        if (!self) return;
        std::lock_guard<std::mutex> lock(self->mu_);
        ++self->snapshot_.source_loops;
      }};
  auto source = SourceChain::Start(
      engine_, config_.source_uri, quality_, source_fanout_,
      SourceChain::Options{config_.source_stall_timeout, tmpl ? tmpl->source : std::string(),
                           config_.source_options, config_.codec},
      std::move(events));
  if (!source.ok()) {
    shared_.reset();
    source_fanout_.reset();
    return source.status();
  }
  source_ = *source;
  source_down_ = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_.source_loops = 0;
  }
  return absl::OkStatus();
}

void Feed::StopSourceIfIdle() {
  for (const auto& [id, viewer] : viewers_) {
    if (viewer.session) return;
  }
  // The source first: nothing pushes into the encoder or the sessions.
  source_.reset();
  shared_.reset();
  source_fanout_.reset();
  source_down_ = false;
}

absl::StatusOr<std::shared_ptr<ViewerSession>> Feed::BuildSession(const std::string& id,
                                                                  const std::string& offer_sdp,
                                                                  const IceOptions& ice) {
  const bool passthrough = config_.source_options.passthrough;
  SessionConfig config;
  config.codec = config_.codec;
  config.quality = shared_ ? shared_->quality() : quality_;
  config.ice_gather_timeout = config_.ice_gather_timeout;
  config.ice = ice;
  config.latency_probe = config_.latency_probe;
  config.pacing_factor = config_.pacing_factor;
  config.encoder = config_.encoder;
  config.pipeline_template = config_.pipeline_template;
  config.session_id = id;
  if (passthrough) {
    config.input = SessionInput::kCoded;
    config.coded_caps = PassthroughCaps(config_.codec);
  } else if (shared_) {
    config.input = SessionInput::kCoded;
    config.coded_caps = shared_->coded_caps();
  }
  std::weak_ptr<Feed> weak = weak_from_this();
  ViewerSession::Events events{[weak, id](GstWebRTCICEConnectionState s) {
                                 if (auto self = weak.lock()) self->OnIceState(id, s);
                               },
                               [weak, id](std::string error) {
                                 if (auto self = weak.lock()) self->EndViewer(id, std::move(error));
                               },
                               [weak] {
                                 auto self = weak.lock();
                                 if (self && self->shared_) self->shared_->ForceKeyframe();
                               }};
  if (offer_sdp.empty()) return ViewerSession::CreateOfferer(engine_, config, std::move(events));
  return ViewerSession::Create(engine_, config, offer_sdp, std::move(events));
}

size_t Feed::CountedViewers() const {
  return static_cast<size_t>(std::count_if(viewers_.begin(), viewers_.end(),
                                           [](const auto& v) { return !v.second.publisher; }));
}

void Feed::Publish(const std::string& session_id,
                   std::function<void(absl::StatusOr<std::string>)> done,
                   std::function<void(std::string reason)> on_end) {
  engine_->Post([self = shared_from_this(), session_id, done = std::move(done),
                 on_end = std::move(on_end)]() mutable {
    if (self->Snapshot().state == FeedState::kStopped) {
      return done(absl::FailedPreconditionError("stream is stopped"));
    }
    if (self->viewers_.count(session_id)) {
      return done(absl::AlreadyExistsError(
          absl::StrCat("session ", Quoted(session_id), " already exists")));
    }
    Viewer entry;
    entry.id = session_id;
    entry.publisher = true;
    entry.since = std::chrono::system_clock::now();
    entry.since_steady = std::chrono::steady_clock::now();
    entry.quality = self->quality_;
    auto it = self->viewers_.emplace(session_id, std::move(entry)).first;
    auto fail = [&](const absl::Status& status) {
      self->EndViewer(session_id, std::string(status.message()));
      done(status);
    };
    if (absl::Status s = self->EnsureSource(); !s.ok()) return fail(s);
    auto session = self->BuildSession(session_id, "", self->config_.ice);
    if (!session.ok()) return fail(session.status());
    Viewer& viewer = it->second;
    self->Attach(viewer, *session);
    viewer.on_end = std::move(on_end);
    std::weak_ptr<Feed> weak = self;
    viewer.session->MakeOffer(
        [weak, session_id, done = std::move(done)](absl::StatusOr<std::string> offer) {
          auto feed = weak.lock();
          if (!offer.ok() && feed && offer.status().code() != absl::StatusCode::kCancelled) {
            feed->EndViewer(session_id, std::string(offer.status().message()));
          }
          done(std::move(offer));
        });
  });
}

void Feed::SetPublishAnswer(const std::string& session_id, std::string answer_sdp,
                            std::function<void(absl::Status)> done) {
  engine_->Post([self = shared_from_this(), session_id, answer = std::move(answer_sdp),
                 done = std::move(done)] {
    auto it = self->viewers_.find(session_id);
    if (it == self->viewers_.end() || !it->second.session || !it->second.publisher) {
      return done(absl::NotFoundError(
          absl::StrCat("no publish session ", Quoted(session_id), " on this stream")));
    }
    it->second.session->TakeAnswer(answer, std::move(done));
  });
}

void Feed::Offer(const std::string& session_id, std::string offer_sdp,
                 std::vector<IceCandidate> candidates,
                 std::function<void(absl::StatusOr<std::string>)> done,
                 std::optional<std::vector<IceServer>> ice_servers) {
  engine_->Post([self = shared_from_this(), session_id, offer = std::move(offer_sdp),
                 candidates = std::move(candidates), done = std::move(done),
                 ice_servers = std::move(ice_servers)]() mutable {
    auto it = self->viewers_.find(session_id);
    if (it == self->viewers_.end()) {
      return done(absl::FailedPreconditionError("sdpRequest without streamStartRequest"));
    }
    if (it->second.session) {
      return done(absl::FailedPreconditionError(
          "a viewer session is already negotiated; stop it before offering again"));
    }
    auto fail = [&](const absl::Status& status) {
      self->EndViewer(session_id, std::string(status.message()));
      done(status);
    };
    StampPlayStep(session_id, "offer_on_engine");
    if (absl::Status s = self->EnsureSource(); !s.ok()) return fail(s);
    StampPlayStep(session_id, "source_running");
    IceOptions ice = self->config_.ice;
    if (ice_servers) ice.servers = std::move(*ice_servers);
    auto session = self->BuildSession(session_id, offer, ice);
    if (!session.ok()) return fail(session.status());
    Viewer& viewer = it->second;
    self->Attach(viewer, *session);
    StampPlayStep(session_id, "session_built");
    std::weak_ptr<Feed> weak = self;
    auto offered_at = std::chrono::steady_clock::now();
    viewer.session->Answer(
        std::move(offer), std::move(candidates),
        [weak, session_id, offered_at, done = std::move(done)](absl::StatusOr<std::string> answer) {
          auto feed = weak.lock();
          auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - offered_at)
                        .count();
          spdlog::info("answer {} after {} ms", answer.ok() ? "ready" : "failed", ms);
          if (answer.ok() && feed) feed->NoteIceProblem(session_id);
          if (!answer.ok() && feed && answer.status().code() != absl::StatusCode::kCancelled) {
            feed->EndViewer(session_id, std::string(answer.status().message()));
          }
          done(std::move(answer));
        });
  });
}

void Feed::StopViewer(const std::optional<std::string>& session_id,
                      std::function<void(absl::Status)> done) {
  engine_->Post([self = shared_from_this(), session_id, done = std::move(done)] {
    // Asked for: no publisher is told its session ended.
    for (auto& [id, viewer] : self->viewers_) {
      if (!session_id || id == *session_id) viewer.on_end = nullptr;
    }
    if (session_id) {
      self->EndViewer(*session_id, std::nullopt);
    } else {
      while (!self->viewers_.empty()) self->EndViewer(self->viewers_.begin()->first, std::nullopt);
    }
    if (done) done(absl::OkStatus());
  });
}

absl::Status Feed::Disconnect(const std::string& session_id) {
  return engine_->Call([&]() -> absl::Status {
    if (!viewers_.count(session_id)) {
      return absl::NotFoundError(
          absl::StrCat("no viewer session ", Quoted(session_id), " on this stream"));
    }
    EndViewer(session_id, std::nullopt);
    return absl::OkStatus();
  });
}

void Feed::EndViewer(std::string id, std::optional<std::string> error) {
  auto it = viewers_.find(id);
  if (it == viewers_.end()) return;
  Viewer viewer = std::move(it->second);
  viewers_.erase(it);
  round_.pending.erase(id);
  // Detach first so no frame reaches a pipeline on its way to NULL, then
  // destroying the session sets its pipeline to NULL and frees it.
  if (viewer.session && viewer.fanout) viewer.fanout->Remove(viewer.session->feeder());
  // The last viewer: the source goes first, as its producer, so nothing is
  // produced for a pipeline being torn down.
  StopSourceIfIdle();
  viewer.session.reset();
  if (viewer.on_end) viewer.on_end(error ? *error : std::string("disconnected by the operator"));
  // The session's pages back to the OS (engine/heap.h says why).
  ReturnFreedHeap();
  if (error && viewers_.empty()) {
    // The last viewer failed: FAILED until the next play.
    PublishViewers();
    return SetState(FeedState::kFailed, std::move(error));
  }
  UpdateState(std::move(error));
}

void Feed::OnSourceDown(std::string error) {
  if (!source_) return;
  source_down_ = true;
  UpdateState(std::move(error));
}

void Feed::OnSourceUp() {
  if (!source_) return;
  source_down_ = false;
  // A clean picture at once rather than deltas on the old one.
  if (shared_) shared_->ForceKeyframe();
  for (auto& [id, viewer] : viewers_) {
    if (viewer.session) viewer.session->ForceKeyframe();
  }
  UpdateState();
}

// A session answered but saw something that may keep it from connecting: the
// operator reads it in last_error while the feed carries on.
void Feed::NoteIceProblem(const std::string& id) {
  auto it = viewers_.find(id);
  if (it == viewers_.end() || !it->second.session) return;
  const std::string& problem = it->second.session->ice_problem();
  if (problem.empty()) return;
  FeedState state;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state = snapshot_.state;
  }
  SetState(state, problem);
}

void Feed::OnIceState(const std::string& id, GstWebRTCICEConnectionState state) {
  auto it = viewers_.find(id);
  if (it == viewers_.end()) return;
  it->second.ice_state = IceStateName(state);
  switch (state) {
    case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED:
    case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED:
      it->second.connected = true;
      UpdateState();
      break;
    case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED: {
      std::string why = "ICE connectivity to the viewer failed";
      if (it->second.session && !it->second.session->ice_problem().empty()) {
        absl::StrAppend(&why, ": ", it->second.session->ice_problem());
      }
      EndViewer(id, std::move(why));
      break;
    }
    default:
      break;
  }
}

absl::Status Feed::CheckQualityRequest(const Quality& changes, bool force_keyframe) const {
  if (absl::Status s = changes.Validate(config_.codec); !s.ok()) return s;
  if (absl::Status s = CheckSpeedSettable(config_, changes); !s.ok()) return s;
  if (config_.source_options.passthrough) {
    if (absl::Status s = CheckPassthroughChange(changes, force_keyframe); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<Quality> Feed::SetQuality(const Quality& changes, bool force_keyframe) {
  if (absl::Status s = CheckQualityRequest(changes, force_keyframe); !s.ok()) return s;
  return engine_->Call([&] { return ApplyQualityChange(changes, force_keyframe); });
}

void Feed::SetQualityAsync(const Quality& changes, bool force_keyframe,
                           std::function<void(absl::StatusOr<Quality>)> done) {
  if (absl::Status s = CheckQualityRequest(changes, force_keyframe); !s.ok()) {
    done(s);
    return;
  }
  // The closure holds the feed: the engine runs every posted closure, even
  // those left at shutdown, so `done` is always called.
  engine_->Post([self = shared_from_this(), changes, force_keyframe, done = std::move(done)] {
    done(self->ApplyQualityChange(changes, force_keyframe));
  });
}

absl::StatusOr<Quality> Feed::ApplyQualityChange(const Quality& changes, bool force_keyframe) {
  const Quality previous = quality_;
  const Quality next = previous.Overlay(changes);
  // Whole or not at all: every session must be able to take it.
  for (auto& [id, viewer] : viewers_) {
    if (!viewer.session) continue;
    if (absl::Status s = viewer.session->CheckQuality(viewer.session->quality(), next); !s.ok()) {
      return s;
    }
  }
  quality_ = next;
  // The source delivers the operator's size and framerate, the ceiling of
  // every path behind it.
  if (source_ && !config_.source_options.passthrough) source_->SetQuality(next);
  if (shared_) shared_->Apply(next);
  for (auto& [id, viewer] : viewers_) {
    viewer.quality = next;
    if (!viewer.session) continue;
    (void)viewer.session->ApplyQuality(viewer.session->quality(), next);
    if (force_keyframe) viewer.session->ForceKeyframe();
  }
  if (force_keyframe && shared_) shared_->ForceKeyframe();
  PublishViewers();
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_.quality = next;
  return next;
}

Feed::Viewer* Feed::Longest() {
  Viewer* found = nullptr;
  for (auto& [id, viewer] : viewers_) {
    if (viewer.session && (!found || viewer.since_steady < found->since_steady)) found = &viewer;
  }
  return found;
}

std::optional<SessionSettings> Feed::SessionSettingsNow(const std::string& session_id) {
  return engine_->Call([&]() -> std::optional<SessionSettings> {
    Viewer* viewer = nullptr;
    auto it = viewers_.find(session_id);
    if (it != viewers_.end() && it->second.session) {
      viewer = &it->second;
    } else if (session_id.empty()) {
      viewer = Longest();
    }
    if (!viewer) return std::nullopt;
    SessionSettings settings = viewer->session->Settings();
    if (shared_) settings.speed = shared_->speed();
    return settings;
  });
}

}  // namespace engine
