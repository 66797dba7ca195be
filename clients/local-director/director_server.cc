#include "director_server.h"

#include <algorithm>
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
  for (const auto& [uuid, session] : feed_it->second.sessions) {
    if (viewers_.count(session.viewer) != 0) {
      outbox_.Send(session.viewer, EncodeViewerError(*name, "agent disconnected", session.tile));
    }
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
  Feed& feed = feeds_[reg.name];
  feed.name = reg.name;
  feed.codecs = reg.codecs;
  feed.agent = conn;
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
    EndSession(feed, envelope.payload.uuid,
               "agent addressed its response to another director (message.to)", true);
    return;
  }
  HandleResponse(feed, envelope.payload);
}

void DirectorServer::HandleResponse(Feed& feed, const ahoy::Response& response) {
  const char* kind = KindName(response.kind);
  const auto it = feed.sessions.find(response.uuid);
  if (it == feed.sessions.end()) {
    spdlog::debug("feed '{}': {} for uuid {} (no pending request; {})", feed.name, kind,
                  response.uuid, response.success ? "ok" : response.error);
    return;
  }
  Session& session = it->second;
  const bool start = response.kind == ahoy::ResponseKind::kStreamStart;
  const bool sdp = response.kind == ahoy::ResponseKind::kSdp;
  if ((start && session.phase != Phase::kStarting) ||
      (sdp && session.phase != Phase::kNegotiating) || (!start && !sdp)) {
    spdlog::warn("feed '{}': unexpected {} for session {}; ignored", feed.name, kind, session.uuid);
    return;
  }
  if (start && feed.sessions_support == Sessions::kUnknown) {
    // A v1.1 agent echoes the sessionId (on success and failure alike).
    feed.sessions_support = response.session_id == session.uuid ? Sessions::kMany : Sessions::kOne;
    spdlog::info("feed '{}': agent {} several viewers (sessionId {})", feed.name,
                 feed.sessions_support == Sessions::kMany ? "takes" : "takes one of",
                 response.session_id ? "echoed" : "not echoed");
  }
  if (!response.success) {
    spdlog::warn("feed '{}': {} failed: {}", feed.name, kind, response.error);
    EndSession(
        feed, session.uuid,
        WithReason(start ? "agent could not start the stream" : "agent could not answer the offer",
                   response.error),
        /*send_stop=*/sdp);
    return;
  }
  if (!response.feed_uuid.empty() && response.feed_uuid != feed.name) {
    EndSession(feed, session.uuid,
               std::string(kind) + " names another feed '" + response.feed_uuid + "'", true);
    return;
  }
  if (start) {
    ahoy::SdpRequest request;
    request.uuid = session.uuid;
    request.feed_uuid = feed.name;
    request.session_id = session.uuid;
    request.sdp = std::move(session.offer);
    if (!options_.ice_servers.empty()) request.ice_servers = options_.ice_servers;
    session.offer.clear();
    session.phase = Phase::kNegotiating;
    ++counters_[feed.name].negotiations;
    spdlog::info("feed '{}': session {} started, sending sdpRequest", feed.name, session.uuid);
    SendToAgent(feed, request);
    ArmTimer(feed, session, "sdpRequest");
    BroadcastFeeds();  // joinable may have changed
    return;
  }
  if (response.sdp.empty()) {
    EndSession(feed, session.uuid, "agent sent an empty answer", true);
    return;
  }
  session.phase = Phase::kPlaying;
  session.timer.reset();
  spdlog::info("feed '{}': session {} answered, relaying to viewer {}", feed.name, session.uuid,
               session.viewer);
  outbox_.Send(session.viewer, EncodeAnswer(feed.name, response.sdp, session.tile, session.uuid));
}

void DirectorServer::HandleMalformed(const AgentLink& link, const ahoy::DecodeError& error) {
  const std::string who = link.feed ? "feed '" + *link.feed + "'" : "unregistered agent";
  spdlog::warn("{} sent a malformed frame: {}", who, error.reason);
  if (!link.feed || !error.uuid) return;
  EndSession(feeds_.at(*link.feed), *error.uuid, "agent sent a malformed response: " + error.reason,
             true);
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
    for (auto it = feed.sessions.begin(); it != feed.sessions.end();) {
      if (it->second.viewer != conn) {
        ++it;
        continue;
      }
      spdlog::info("feed '{}': viewer left, stopping session {}", name, it->first);
      SendStop(feed, it->second);
      it = feed.sessions.erase(it);
      changed = true;
    }
  }
  if (changed) BroadcastFeeds();
}

void DirectorServer::Play(ConnId viewer, const PlayCommand& play) {
  const auto it = feeds_.find(play.feed);
  if (it == feeds_.end()) {
    outbox_.Send(viewer, EncodeViewerError(play.feed, "unknown feed", play.tile));
    return;
  }
  Feed& feed = it->second;
  if (Session* old = FindSession(feed, viewer, play.tile)) {
    spdlog::info("feed '{}': viewer replays, stopping session {}", feed.name, old->uuid);
    SendStop(feed, *old);
    feed.sessions.erase(old->uuid);
  }
  if (!feed.sessions.empty() && feed.sessions_support != Sessions::kMany) {
    outbox_.Send(viewer, EncodeViewerError(play.feed, "feed busy", play.tile));
    return;
  }
  std::string uuid = NewUuid();
  Session& session = feed.sessions[uuid];
  session.uuid = std::move(uuid);
  session.viewer = viewer;
  session.tile = play.tile;
  session.offer = play.sdp;
  ++counters_[feed.name].sessions;
  spdlog::info("feed '{}': viewer {} plays, session {} ({} in all)", feed.name, viewer,
               session.uuid, feed.sessions.size());
  SendToAgent(feed, ahoy::StreamStartRequest{session.uuid, feed.name, session.uuid});
  ArmTimer(feed, session, "streamStartRequest");
  BroadcastFeeds();
}

void DirectorServer::Stop(ConnId viewer, const StopCommand& stop) {
  const auto it = feeds_.find(stop.feed);
  if (it != feeds_.end()) {
    Feed& feed = it->second;
    if (Session* session = FindSession(feed, viewer, stop.tile)) {
      spdlog::info("feed '{}': viewer {} stops session {}", feed.name, viewer, session->uuid);
      SendStop(feed, *session);
      feed.sessions.erase(session->uuid);
      BroadcastFeeds();
    }
  }
  outbox_.Send(viewer, EncodeStopped(stop.feed, stop.tile));
}

// ---- helpers ------------------------------------------------------------------

DirectorServer::Session* DirectorServer::FindSession(Feed& feed, ConnId viewer,
                                                     const std::string& tile) {
  for (auto& [uuid, session] : feed.sessions) {
    if (session.viewer == viewer && session.tile == tile) return &session;
  }
  return nullptr;
}

void DirectorServer::ArmTimer(Feed& feed, Session& session, const char* waiting_for) {
  session.timer = std::make_unique<asio::steady_timer>(io_, options_.response_timeout);
  session.timer->async_wait([this, name = feed.name, uuid = session.uuid,
                             waiting_for](const std::error_code& ec) {
    if (ec || shut_down_) return;
    const auto it = feeds_.find(name);
    if (it == feeds_.end()) return;
    const std::string message = std::string("agent did not answer ") + waiting_for + " within " +
                                std::to_string(options_.response_timeout.count()) + " ms";
    if (it->second.sessions.count(uuid) != 0) spdlog::warn("feed '{}': {}", name, message);
    EndSession(it->second, uuid, message, /*send_stop=*/true);
  });
}

void DirectorServer::EndSession(Feed& feed, const std::string& uuid,
                                const std::string& viewer_error, bool send_stop) {
  const auto it = feed.sessions.find(uuid);
  if (it == feed.sessions.end()) return;
  const ConnId viewer = it->second.viewer;
  const std::string tile = it->second.tile;
  if (send_stop) SendStop(feed, it->second);
  feed.sessions.erase(it);
  if (!viewer_error.empty() && viewers_.count(viewer) != 0) {
    outbox_.Send(viewer, EncodeViewerError(feed.name, viewer_error, tile));
  }
  BroadcastFeeds();
}

void DirectorServer::SendStop(const Feed& feed, const Session& session) {
  SendToAgent(feed, ahoy::StreamStopRequest{session.uuid, feed.name, session.uuid});
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
    summary.busy = !feed.sessions.empty();
    summary.viewers = feed.sessions.size();
    summary.joinable = feed.sessions_support == Sessions::kMany;
    // The most advanced session's phase (Phase is ordered).
    static constexpr const char* kPhaseNames[] = {"starting", "negotiating", "playing"};
    int most = -1;
    for (const auto& [uuid, session] : feed.sessions) {
      most = std::max(most, static_cast<int>(session.phase));
    }
    if (most >= 0) summary.phase = kPhaseNames[most];
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
  for (auto& [name, feed] : feeds_) feed.sessions.clear();
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
