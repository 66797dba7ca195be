#include "control/stream_registry.h"

#include <spdlog/spdlog.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/proto_convert.h"
#include "control/stats_hub.h"
#include "engine/quoted.h"
#include "engine/uri_secret.h"

namespace control {

absl::Status ValidateStreamId(const std::string& id) {
  if (id.empty() || id.size() > 64) {
    return absl::InvalidArgumentError("stream_id must be 1 to 64 characters");
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "stream_id ", engine::Quoted(id), " may only hold letters, digits, '.', '_' and '-'"));
    }
  }
  return absl::OkStatus();
}

// One live stream. It is the feed's listener, so it outlives the feed's
// callbacks: the feed is shut down before the entry goes.
struct StreamRegistry::Entry : engine::Feed::Listener {
  StreamSpec spec;
  std::string encoder;  // resolved API name
  StatsHub* hub = nullptr;
  // First: the link and the publisher (below) drive it until they are gone.
  std::unique_ptr<StreamFeed> feed;
  std::unique_ptr<signaling::AhoyLink> link;
  // The listener runs before `link` is set; it reads the link through this.
  std::atomic<signaling::AhoyLink*> link_view{nullptr};
  std::unique_ptr<signaling::WhipPublisher> whip;
  std::atomic<signaling::WhipPublisher*> whip_view{nullptr};
  // Guarded by the registry's mu_: Start() has built everything above. Until
  // then only the starting thread touches the entry (other threads see just
  // that the id is taken), and spec/hub are set before it is published.
  bool ready = false;

  bool has_link() const { return !spec.director_url.empty(); }
  signaling::LinkState LinkState() const {
    auto* l = link_view.load();
    if (!has_link()) return signaling::LinkState::kClosed;
    return l ? l->Status().state : signaling::LinkState::kConnecting;
  }
  void OnFeedState(const engine::FeedSnapshot& snapshot) override {
    hub->PublishEvent(StateEventToProto(spec.stream_id, snapshot, LinkState()));
  }
  void OnFeedStats(const engine::FeedStats& stats) override {
    hub->PublishSample(StatsToProto(spec.stream_id, stats, LinkState()));
  }
  void Shutdown() {
    // The link first: no viewer request may reach a feed being torn down.
    if (link) link->Close();
    // The publisher ends its session and DELETEs its resource.
    if (whip) whip->Stop();
    if (feed) feed->Shutdown();
  }
};

StreamRegistry::StreamRegistry(std::unique_ptr<FeedFactory> feeds, signaling::LinkPool* links,
                               StatsHub* hub, RegistryOptions options)
    : feeds_(std::move(feeds)), links_(links), hub_(hub), options_(std::move(options)) {}

StreamRegistry::~StreamRegistry() { StopAll(); }

namespace {
absl::Status ValidateDirectorUrl(const std::string& url) {
  if (!absl::StartsWith(url, "ws://") && !absl::StartsWith(url, "wss://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ahoy.director_url must start with ws:// or wss:// (got ", engine::Quoted(url), ")"));
  }
  return absl::OkStatus();
}

absl::Status StillStopping(const std::string& stream_id) {
  return absl::FailedPreconditionError(
      absl::StrCat("stream ", engine::Quoted(stream_id), " is stopping"));
}
}  // namespace

absl::StatusOr<StreamInfo> StreamRegistry::Start(StreamSpec spec) {
  if (absl::Status s = ValidateStreamId(spec.stream_id); !s.ok()) return s;
  std::shared_ptr<const engine::PipelineTemplate> tmpl;
  if (!spec.pipeline_template.empty()) {
    auto found = engine::FindPipelineTemplate(options_.pipeline_templates, spec.pipeline_template);
    if (!found.ok()) return found.status();
    tmpl = *found;
    if (spec.codec_set && spec.codec != tmpl->codec) {
      return absl::InvalidArgumentError(absl::StrCat("codec: pipeline template '", tmpl->name,
                                                     "' produces ", engine::CodecName(tmpl->codec),
                                                     ", not ", engine::CodecName(spec.codec)));
    }
    spec.codec = tmpl->codec;
  }
  if (spec.source_uri.empty() && !(tmpl && !tmpl->source.empty())) {
    return absl::InvalidArgumentError("source_uri is required");
  }
  if (spec.director_url.empty()) spec.director_url = options_.default_director_url;
  // The agent's own key file (not a key given in the request) keeps rotating
  // for the link: it reads the file's value again at every (re)connection.
  const bool key_rotates = spec.api_key.empty() && options_.default_api_key_source != nullptr;
  if (spec.api_key.empty()) {
    spec.api_key = options_.default_api_key_source ? options_.default_api_key_source->Get()
                                                   : options_.default_api_key;
  }
  if (spec.feed_name.empty()) spec.feed_name = spec.stream_id;
  // A WHIP-only stream has no director.
  if (!(spec.whip && spec.director_url.empty())) {
    if (absl::Status s = ValidateDirectorUrl(spec.director_url); !s.ok()) return s;
  }
  if (spec.whip) {
    signaling::WhipConfig whip = options_.whip_template;
    whip.endpoint_url = spec.whip->endpoint_url;
    whip.token_file = spec.whip->token_file;
    if (absl::Status s = signaling::ValidateWhipConfig(whip); !s.ok()) return s;
    spec.whip = std::move(whip);
  }

  auto entry = std::make_shared<Entry>();
  // Before the entry is published in streams_: other Starts read its spec.
  entry->spec = spec;
  entry->hub = hub_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (streams_.count(spec.stream_id)) {
      return absl::AlreadyExistsError(
          absl::StrCat("stream ", engine::Quoted(spec.stream_id), " already exists"));
    }
    if (stopping_.count(spec.stream_id)) return StillStopping(spec.stream_id);
    if (streams_.size() + stopping_.size() >= options_.max_streams) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the agent already runs its maximum of ", options_.max_streams, " streams"));
    }
    // A stopping stream's link may still hold the feed at the director.
    for (const auto* live : {&streams_, &stopping_}) {
      for (const auto& [id, other] : *live) {
        if (other->spec.feed_name == spec.feed_name &&
            other->spec.director_url == spec.director_url) {
          return absl::AlreadyExistsError(absl::StrCat("feed ", engine::Quoted(spec.feed_name),
                                                       " is already published by stream ",
                                                       engine::Quoted(id)));
        }
      }
    }
    // Reserve the id while the feed is built outside the lock.
    streams_[spec.stream_id] = entry;
  }
  // Frees the id, unless StopAll took the entry (and a new Start the id).
  auto release = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(spec.stream_id);
    if (it != streams_.end() && it->second == entry) streams_.erase(it);
  };
  engine::FeedConfig config;
  config.name = spec.stream_id;
  config.source_uri = spec.source_uri;
  config.codec = spec.codec;
  config.quality = spec.quality;
  config.stats_interval = options_.stats_interval;
  config.ice_gather_timeout = options_.ice_gather_timeout;
  config.ice_connect_timeout = options_.ice_connect_timeout;
  config.ice = options_.ice;
  if (spec.ice_servers) config.ice.servers = *spec.ice_servers;
  if (spec.ice_transport_policy) config.ice.transport_policy = *spec.ice_transport_policy;
  config.latency_probe = options_.latency_probe;
  config.pacing_factor = options_.pacing_factor;
  config.encoder = spec.encoder;
  config.pipeline_template = tmpl;
  config.source_options = spec.source_options;
  config.shared_encode = spec.shared_encode;
  config.max_viewers = spec.max_viewers.value_or(options_.max_viewers_per_feed);
  auto feed = feeds_->Create(config, entry.get());
  if (!feed.ok()) {
    release();
    return feed.status();
  }
  entry->feed = *std::move(feed);
  // Feed::Create accepted it, so the name resolves.
  entry->encoder = spec.source_options.passthrough ? "passthrough"
                   : tmpl                          ? tmpl->encoder->encoder_name
                          : (*engine::EncoderFor(spec.codec, spec.encoder))->encoder_name;

  signaling::LinkConfig link_config = options_.link_template;
  link_config.director_url = spec.director_url;
  link_config.feed_name = spec.feed_name;
  link_config.api_key = spec.api_key;
  if (key_rotates) {
    link_config.api_key_source = [source = options_.default_api_key_source] {
      return source->Get();
    };
  }
  link_config.codecs = {engine::CodecName(spec.codec)};
  // Link changes (registered, lost, unauthorized) reach watchers as they
  // happen. Runs on the asio thread; PublishEvent only queues. The entry
  // outlives the link: Shutdown() closes the link first.
  Entry* raw_entry = entry.get();
  link_config.on_status_change = [raw_entry](const signaling::LinkStatus& status) {
    raw_entry->hub->PublishEvent(
        StateEventToProto(raw_entry->spec.stream_id, raw_entry->feed->Snapshot(), status.state));
  };
  if (entry->has_link()) {
    entry->link = links_->Open(std::move(link_config), entry->feed->signals());
    entry->link_view = entry->link.get();
  }
  if (spec.whip) {
    signaling::WhipConfig whip = *spec.whip;
    // WHIP state changes reach watchers like link changes; the entry outlives
    // the publisher (Shutdown() stops it).
    whip.on_status = [raw_entry](const signaling::WhipStatus&) {
      raw_entry->hub->PublishEvent(StateEventToProto(
          raw_entry->spec.stream_id, raw_entry->feed->Snapshot(), raw_entry->LinkState()));
    };
    entry->whip =
        std::make_unique<signaling::WhipPublisher>(std::move(whip), entry->feed->publish_target());
    entry->whip_view = entry->whip.get();
  }

  spdlog::info("stream {} started: {} {} ({}{}) -> {}{}{}", spec.stream_id,
               engine::Abbreviate(engine::RedactUri(spec.source_uri)),
               engine::CodecName(spec.codec), entry->encoder,
               tmpl ? absl::StrCat(", template ", tmpl->name) : "", spec.director_url,
               entry->has_link() ? spec.feed_name : std::string(),
               spec.whip ? absl::StrCat(" WHIP ", spec.whip->endpoint_url) : std::string());
  std::unique_lock<std::mutex> lock(mu_);
  auto it = streams_.find(spec.stream_id);
  if (it == streams_.end() || it->second != entry) {
    // StopAll ran meanwhile and left this half-built stream to us.
    lock.unlock();
    entry->Shutdown();
    return absl::UnavailableError("agent is shutting down");
  }
  entry->ready = true;
  stopped_.erase(spec.stream_id);
  return InfoOf(*entry);
}

absl::StatusOr<StreamInfo> StreamRegistry::Stop(const std::string& stream_id) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(stream_id);
    if (it == streams_.end()) {
      if (stopping_.count(stream_id)) return StillStopping(stream_id);
      auto tomb = stopped_.find(stream_id);
      if (tomb != stopped_.end()) return tomb->second;
      return absl::NotFoundError(absl::StrCat("no stream ", engine::Quoted(stream_id)));
    }
    if (!it->second->ready) {
      return absl::FailedPreconditionError(
          absl::StrCat("stream ", engine::Quoted(stream_id), " is still starting"));
    }
    entry = it->second;
    streams_.erase(it);
    stopping_[stream_id] = entry;
  }
  entry->Shutdown();
  StreamInfo info = InfoOf(*entry);
  info.link.state = signaling::LinkState::kClosed;
  if (info.whip) info.whip->state = signaling::WhipState::kStopped;
  spdlog::info("stream {} stopped", stream_id);
  std::lock_guard<std::mutex> lock(mu_);
  stopping_.erase(stream_id);
  stopped_[stream_id] = info;
  return info;
}

void StreamRegistry::SetQuality(const std::string& stream_id, const engine::Quality& changes,
                                bool force_keyframe,
                                std::function<void(absl::StatusOr<StreamInfo>)> done) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(stream_id);
    if (it == streams_.end() || !it->second->ready) {
      if (stopping_.count(stream_id)) {
        done(StillStopping(stream_id));
      } else if (stopped_.count(stream_id)) {
        done(absl::FailedPreconditionError(
            absl::StrCat("stream ", engine::Quoted(stream_id), " is stopped")));
      } else {
        done(absl::NotFoundError(absl::StrCat("no stream ", engine::Quoted(stream_id))));
      }
      return;
    }
    entry = it->second;
  }
  StreamFeed* feed = entry->feed.get();
  // The entry rides along: a Stop() racing with this leaves it alive until
  // `done` has read it.
  feed->SetQuality(changes, force_keyframe,
                   [entry = std::move(entry), stream_id, force_keyframe,
                    done = std::move(done)](absl::StatusOr<engine::Quality> applied) {
                     if (!applied.ok()) {
                       done(applied.status());
                       return;
                     }
                     spdlog::info("stream {} quality now {}{}", stream_id, applied->ToString(),
                                  force_keyframe ? " (keyframe forced)" : "");
                     done(InfoOf(*entry));
                   });
}

absl::StatusOr<StreamInfo> StreamRegistry::Disconnect(const std::string& stream_id,
                                                      const std::string& session_id) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = streams_.find(stream_id);
    if (it == streams_.end() || !it->second->ready) {
      if (stopping_.count(stream_id)) return StillStopping(stream_id);
      return absl::NotFoundError(absl::StrCat("no running stream ", engine::Quoted(stream_id)));
    }
    entry = it->second;
  }
  if (absl::Status s = entry->feed->Disconnect(session_id); !s.ok()) return s;
  spdlog::info("stream {}: operator disconnected viewer session {}", stream_id,
               engine::Quoted(session_id));
  return InfoOf(*entry);
}

absl::StatusOr<StreamInfo> StreamRegistry::Get(const std::string& stream_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(stream_id);
  if (it != streams_.end() && it->second->ready) return InfoOf(*it->second);
  auto going = stopping_.find(stream_id);
  if (going != stopping_.end()) return InfoOf(*going->second);
  auto tomb = stopped_.find(stream_id);
  if (tomb != stopped_.end()) return tomb->second;
  return absl::NotFoundError(absl::StrCat("no stream ", engine::Quoted(stream_id)));
}

std::vector<StreamInfo> StreamRegistry::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StreamInfo> out;
  for (const auto& [id, entry] : streams_) {
    if (entry->ready) out.push_back(InfoOf(*entry));
  }
  for (const auto& [id, entry] : stopping_) out.push_back(InfoOf(*entry));
  for (const auto& [id, info] : stopped_) out.push_back(info);
  return out;
}

void StreamRegistry::StopAll() {
  std::map<std::string, std::shared_ptr<Entry>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Entries still starting are their Start()'s to shut down (it sees they
    // are gone from streams_); only it may touch them.
    for (auto& [id, entry] : streams_) {
      if (entry->ready) all.emplace(id, std::move(entry));
    }
    streams_.clear();
  }
  // Every WHIP publisher starts its DELETE now, in parallel; Shutdown() below
  // then only waits for each (WhipPublisher::RequestStop).
  for (auto& [id, entry] : all) {
    if (entry->whip) entry->whip->RequestStop();
  }
  for (auto& [id, entry] : all) entry->Shutdown();
}

StreamInfo StreamRegistry::InfoOf(const Entry& entry) {
  StreamInfo info;
  info.stream_id = entry.spec.stream_id;
  // Operators who list streams see the camera, not its password.
  info.source_uri = engine::RedactUri(entry.spec.source_uri);
  info.codec = entry.spec.codec;
  info.source_options = entry.spec.source_options;
  info.feed = entry.feed ? entry.feed->Snapshot() : engine::FeedSnapshot{};
  info.encoder = entry.encoder;
  info.pipeline_template = entry.spec.pipeline_template;
  info.shared_encode = entry.spec.shared_encode || entry.spec.source_options.passthrough;
  info.max_viewers = entry.feed ? entry.feed->config().max_viewers : 0;
  if (entry.feed) info.ice = entry.feed->config().ice;
  info.director_url = entry.spec.director_url;
  info.feed_name = entry.spec.feed_name;
  info.api_key_set = !entry.spec.api_key.empty();
  if (auto* link = entry.link_view.load()) info.link = link->Status();
  if (!entry.has_link()) info.link.state = signaling::LinkState::kClosed;
  if (entry.spec.whip) {
    info.whip_endpoint_url = entry.spec.whip->endpoint_url;
    info.whip_token_set = !entry.spec.whip->token_file.empty();
    if (auto* whip = entry.whip_view.load()) {
      info.whip = whip->Status();
    } else {
      info.whip = signaling::WhipStatus{};
    }
  }
  return info;
}

}  // namespace control
