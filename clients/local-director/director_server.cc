#include "director_server.h"

#include <cstdio>
#include <utility>

#include <spdlog/spdlog.h>

namespace local_director {
namespace {

namespace ahoy = signaling::ahoy;

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

const char* KindName(ahoy::ResponseKind kind) {
  switch (kind) {
    case ahoy::ResponseKind::kStreamStart:
      return "streamStartResponse";
    case ahoy::ResponseKind::kSdp:
      return "sdpResponse";
    case ahoy::ResponseKind::kStreamStop:
      return "streamStopResponse";
  }
  return "response";
}

std::string WithReason(std::string message, const std::string& reason) {
  if (!reason.empty()) message += ": " + reason;
  return message;
}

}  // namespace

DirectorServer::DirectorServer(asio::io_context& io, Outbox& outbox, DirectorOptions options)
    : io_(io), outbox_(outbox), options_(std::move(options)), rng_(std::random_device{}()) {}

DirectorServer::~DirectorServer() = default;

// ---- agents -------------------------------------------------------------------

void DirectorServer::OnAgentOpen(ConnId conn, std::string path_name) {
  if (shut_down_) return;
  spdlog::debug("agent link {} opened for '{}'", conn, path_name);
  agents_[conn] = AgentLink{std::move(path_name), std::nullopt};
}

void DirectorServer::OnAgentMessage(ConnId conn, std::string_view text) {
  if (shut_down_) return;
  const auto link_it = agents_.find(conn);
  if (link_it == agents_.end()) return;
  AgentLink& link = link_it->second;
  auto decoded = ahoy::DecodeAgentMessage(text);
  if (const auto* error = std::get_if<ahoy::DecodeError>(&decoded)) {
    HandleMalformed(link, *error);
    return;
  }
  std::visit(Overloaded{
                 [&](const ahoy::Register& reg) { HandleRegister(conn, link, reg); },
                 [&](const ahoy::Envelope& envelope) { HandleEnvelope(link, envelope); },
             },
             std::get<ahoy::AgentMessage>(decoded));
}

void DirectorServer::OnAgentClose(ConnId conn) {
  const auto link_it = agents_.find(conn);
  if (link_it == agents_.end()) return;
  const std::optional<std::string> name = link_it->second.feed;
  agents_.erase(link_it);
  if (shut_down_ || !name) return;
  const auto feed_it = feeds_.find(*name);
  if (feed_it == feeds_.end() || feed_it->second.agent != conn) return;
  spdlog::info("feed '{}' removed: agent disconnected", *name);
  if (const auto& session = feed_it->second.session;
      session && viewers_.count(session->viewer) != 0) {
    outbox_.Send(session->viewer, EncodeViewerError(*name, "agent disconnected"));
  }
  feeds_.erase(feed_it);
  BroadcastFeeds();
}

ahoy::RegisterResponse DirectorServer::Registered(const std::string& name) const {
  ahoy::RegisterResponse response{true, name, ""};
  if (!options_.ice_servers.empty()) response.ice_servers = options_.ice_servers;
  return response;
}

void DirectorServer::HandleRegister(ConnId conn, AgentLink& link, const ahoy::Register& reg) {
  if (link.feed) {
    // A repeated register on a registered link: idempotent for the same name.
    if (reg.name == *link.feed) {
      feeds_.at(*link.feed).codecs = reg.codecs;
      outbox_.Send(conn, ahoy::EncodeDirectorMessage(Registered(reg.name)));
    } else {
      outbox_.Send(
          conn, ahoy::EncodeDirectorMessage(ahoy::RegisterResponse{
                    false, reg.name, "this link is already registered as '" + *link.feed + "'"}));
    }
    return;
  }
  if (reg.name.empty()) return RejectRegister(conn, "register.name is empty");
  if (reg.name != link.path_name) {
    return RejectRegister(conn, "register.name '" + reg.name +
                                    "' does not match the feed name in the URL '" + link.path_name +
                                    "'");
  }
  if (feeds_.count(reg.name) != 0) {
    return RejectRegister(
        conn, "feed name '" + reg.name + "' is already registered by another live connection");
  }
  link.feed = reg.name;
  feeds_[reg.name] = Feed{reg.name, reg.codecs, conn, std::nullopt};
  ++counters_[reg.name].registrations;
  outbox_.Send(conn, ahoy::EncodeDirectorMessage(Registered(reg.name)));
  spdlog::info("feed '{}' registered ({} codec(s))", reg.name, reg.codecs.size());
  BroadcastFeeds();
}

void DirectorServer::RejectRegister(ConnId conn, const std::string& error) {
  spdlog::warn("agent link {}: registration refused: {}", conn, error);
  outbox_.Send(conn, ahoy::EncodeDirectorMessage(ahoy::RegisterResponse{false, "", error}));
  outbox_.Close(conn, "registration refused");
}

void DirectorServer::HandleEnvelope(AgentLink& link, const ahoy::Envelope& envelope) {
  if (!link.feed) {
    spdlog::warn("agent sent {} before register; ignored", KindName(envelope.payload.kind));
    return;
  }
  Feed& feed = feeds_.at(*link.feed);
  if (options_.api_key && envelope.to != ahoy::DirectorAddress(*options_.api_key)) {
    // Never log `to`: it embeds a key.
    spdlog::warn("feed '{}': {} addressed to another director (message.to); ignored", feed.name,
                 KindName(envelope.payload.kind));
    if (feed.session && feed.session->uuid == envelope.payload.uuid) {
      EndSession(feed, "agent addressed its response to another director (message.to)", true);
    }
    return;
  }
  HandleResponse(feed, envelope.payload);
}

void DirectorServer::HandleResponse(Feed& feed, const ahoy::Response& response) {
  const char* kind = KindName(response.kind);
  if (!feed.session || feed.session->uuid != response.uuid) {
    spdlog::debug("feed '{}': {} for uuid {} (no pending request; {})", feed.name, kind,
                  response.uuid, response.success ? "ok" : response.error);
    return;
  }
  Session& session = *feed.session;
  const bool start = response.kind == ahoy::ResponseKind::kStreamStart;
  const bool sdp = response.kind == ahoy::ResponseKind::kSdp;
  if ((start && session.phase != Phase::kStarting) ||
      (sdp && session.phase != Phase::kNegotiating) || (!start && !sdp)) {
    spdlog::warn("feed '{}': unexpected {} for session {}; ignored", feed.name, kind, session.uuid);
    return;
  }
  if (!response.success) {
    spdlog::warn("feed '{}': {} failed: {}", feed.name, kind, response.error);
    EndSession(
        feed,
        WithReason(start ? "agent could not start the stream" : "agent could not answer the offer",
                   response.error),
        /*send_stop=*/sdp);
    return;
  }
  if (!response.feed_uuid.empty() && response.feed_uuid != feed.name) {
    EndSession(feed, std::string(kind) + " names another feed '" + response.feed_uuid + "'", true);
    return;
  }
  if (start) {
    ahoy::SdpRequest request;
    request.uuid = session.uuid;
    request.feed_uuid = feed.name;
    request.sdp = std::move(session.offer);
    if (!options_.ice_servers.empty()) request.ice_servers = options_.ice_servers;
    session.offer.clear();
    session.phase = Phase::kNegotiating;
    ++counters_[feed.name].negotiations;
    spdlog::info("feed '{}': session {} started, sending sdpRequest", feed.name, session.uuid);
    SendToAgent(feed, request);
    ArmTimer(feed, "sdpRequest");
    return;
  }
  if (response.sdp.empty()) {
    EndSession(feed, "agent sent an empty answer", true);
    return;
  }
  session.phase = Phase::kPlaying;
  session.timer.reset();
  spdlog::info("feed '{}': session {} answered, relaying to viewer {}", feed.name, session.uuid,
               session.viewer);
  outbox_.Send(session.viewer, EncodeAnswer(feed.name, response.sdp));
}

void DirectorServer::HandleMalformed(const AgentLink& link, const ahoy::DecodeError& error) {
  const std::string who = link.feed ? "feed '" + *link.feed + "'" : "unregistered agent";
  spdlog::warn("{} sent a malformed frame: {}", who, error.reason);
  if (!link.feed || !error.uuid) return;
  Feed& feed = feeds_.at(*link.feed);
  if (feed.session && feed.session->uuid == *error.uuid) {
    EndSession(feed, "agent sent a malformed response: " + error.reason, true);
  }
}

// ---- viewers ------------------------------------------------------------------

void DirectorServer::OnViewerOpen(ConnId conn) {
  if (shut_down_) return;
  viewers_.insert(conn);
  spdlog::debug("viewer {} connected", conn);
  outbox_.Send(conn, EncodeFeedList(Feeds()));
}

void DirectorServer::OnViewerMessage(ConnId conn, std::string_view text) {
  if (shut_down_ || viewers_.count(conn) == 0) return;
  auto decoded = DecodeViewerCommand(text);
  if (const auto* error = std::get_if<ViewerCommandError>(&decoded)) {
    spdlog::warn("viewer {}: bad command: {}", conn, error->reason);
    outbox_.Send(conn, EncodeViewerError(error->feed, error->reason));
    return;
  }
  std::visit(Overloaded{
                 [&](const PlayCommand& play) { Play(conn, play); },
                 [&](const StopCommand& stop) { Stop(conn, stop); },
             },
             std::get<ViewerCommand>(decoded));
}

void DirectorServer::OnViewerClose(ConnId conn) {
  if (viewers_.erase(conn) == 0 || shut_down_) return;
  spdlog::debug("viewer {} disconnected", conn);
  bool changed = false;
  for (auto& [name, feed] : feeds_) {
    if (feed.session && feed.session->viewer == conn) {
      spdlog::info("feed '{}': viewer left, stopping session {}", name, feed.session->uuid);
      SendToAgent(feed, ahoy::StreamStopRequest{feed.session->uuid, feed.name});
      feed.session.reset();
      changed = true;
    }
  }
  if (changed) BroadcastFeeds();
}

void DirectorServer::Play(ConnId viewer, const PlayCommand& play) {
  const auto it = feeds_.find(play.feed);
  if (it == feeds_.end()) {
    outbox_.Send(viewer, EncodeViewerError(play.feed, "unknown feed"));
    return;
  }
  Feed& feed = it->second;
  if (feed.session) {
    if (feed.session->viewer != viewer) {
      outbox_.Send(viewer, EncodeViewerError(play.feed, "feed busy"));
      return;
    }
    spdlog::info("feed '{}': viewer replays, stopping session {}", feed.name, feed.session->uuid);
    SendToAgent(feed, ahoy::StreamStopRequest{feed.session->uuid, feed.name});
    feed.session.reset();
  }
  Session& session = feed.session.emplace();
  session.uuid = NewUuid();
  session.viewer = viewer;
  session.offer = play.sdp;
  ++counters_[feed.name].sessions;
  spdlog::info("feed '{}': viewer {} plays, session {}", feed.name, viewer, session.uuid);
  SendToAgent(feed, ahoy::StreamStartRequest{session.uuid, feed.name});
  ArmTimer(feed, "streamStartRequest");
  BroadcastFeeds();
}

void DirectorServer::Stop(ConnId viewer, const StopCommand& stop) {
  const auto it = feeds_.find(stop.feed);
  if (it != feeds_.end() && it->second.session && it->second.session->viewer == viewer) {
    Feed& feed = it->second;
    spdlog::info("feed '{}': viewer {} stops session {}", feed.name, viewer, feed.session->uuid);
    SendToAgent(feed, ahoy::StreamStopRequest{feed.session->uuid, feed.name});
    feed.session.reset();
    BroadcastFeeds();
  }
  outbox_.Send(viewer, EncodeStopped(stop.feed));
}

// ---- helpers ------------------------------------------------------------------

void DirectorServer::ArmTimer(Feed& feed, const char* waiting_for) {
  Session& session = *feed.session;
  session.timer = std::make_unique<asio::steady_timer>(io_, options_.response_timeout);
  session.timer->async_wait([this, name = feed.name, uuid = session.uuid,
                             waiting_for](const std::error_code& ec) {
    if (ec || shut_down_) return;
    const auto it = feeds_.find(name);
    if (it == feeds_.end() || !it->second.session || it->second.session->uuid != uuid) return;
    const std::string message = std::string("agent did not answer ") + waiting_for + " within " +
                                std::to_string(options_.response_timeout.count()) + " ms";
    spdlog::warn("feed '{}': {}", name, message);
    EndSession(it->second, message, /*send_stop=*/true);
  });
}

void DirectorServer::EndSession(Feed& feed, const std::string& viewer_error, bool send_stop) {
  if (!feed.session) return;
  const ConnId viewer = feed.session->viewer;
  if (send_stop) SendToAgent(feed, ahoy::StreamStopRequest{feed.session->uuid, feed.name});
  feed.session.reset();
  if (!viewer_error.empty() && viewers_.count(viewer) != 0) {
    outbox_.Send(viewer, EncodeViewerError(feed.name, viewer_error));
  }
  BroadcastFeeds();
}

void DirectorServer::SendToAgent(const Feed& feed, const ahoy::DirectorMessage& message) {
  outbox_.Send(feed.agent, ahoy::EncodeDirectorMessage(message));
}

void DirectorServer::BroadcastFeeds() {
  const std::string frame = EncodeFeedList(Feeds());
  for (ConnId viewer : viewers_) outbox_.Send(viewer, frame);
}

std::vector<FeedSummary> DirectorServer::Feeds() const {
  std::vector<FeedSummary> out;
  out.reserve(feeds_.size());
  for (const auto& [name, feed] : feeds_) {
    FeedSummary summary;
    summary.name = name;
    summary.codecs = feed.codecs;
    summary.busy = feed.session.has_value();
    if (feed.session) {
      switch (feed.session->phase) {
        case Phase::kStarting:
          summary.phase = "starting";
          break;
        case Phase::kNegotiating:
          summary.phase = "negotiating";
          break;
        case Phase::kPlaying:
          summary.phase = "playing";
          break;
      }
    }
    if (const auto c = counters_.find(name); c != counters_.end()) {
      summary.registrations = c->second.registrations;
      summary.sessions = c->second.sessions;
      summary.negotiations = c->second.negotiations;
    }
    out.push_back(std::move(summary));
  }
  return out;
}

void DirectorServer::Shutdown() {
  shut_down_ = true;
  for (auto& [name, feed] : feeds_) feed.session.reset();
}

std::string DirectorServer::NewUuid() {
  // RFC 4122 version 4 layout.
  const std::uint64_t hi = (rng_() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const std::uint64_t lo = (rng_() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return text;
}

}  // namespace local_director
