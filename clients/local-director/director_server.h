// local-director protocol logic: feeds registered by agents, viewer sessions,
// and the relay between browsers and agents. No sockets here: connections are
// opaque ids, frames go out through an Outbox (ws_endpoint.cc), timers run on
// the one asio thread every method is called on.
//
// ---- Agents: WebSocket /feeds/<url-escaped name> -----------------------------
// Ahoy signaling v1 exactly (shared/ahoy-signaling.md), encoded and decoded
// with signaling/ahoy_codec.h. When --api-key-file is set, the upgrade needs
// header `x-api-key` equal to the key, else HTTP 401.
// - The first frame must be `register`; its name must equal the URL's
//   (unescaped) name. Answer: registerResponse {success:true, feedUuid:name}.
//   Empty name, URL mismatch, or a name held by another live connection:
//   registerResponse {success:false, error} and the link is closed.
// - Per viewer session the director generates one uuid and uses it for the
//   session's streamStartRequest, sdpRequest and streamStopRequest, both as
//   `uuid` and as the v1.1 `sessionId`; responses are matched on uuid + type.
//   With an API key configured, envelopes whose `to` is not
//   "director.api_<key>" are rejected (never logged).
// - Several viewers per feed: an agent that echoes `sessionId` in its
//   streamStartResponse (v1.1) holds any number of sessions at once (its own
//   per-feed limit answers success:false, relayed to that viewer). Until a
//   link has echoed one, and for good when it answered without (a v1 agent,
//   which ignores sessionId and has one session), a feed has one session at a
//   time and other plays get "feed busy" -- v1's behaviour.
// - Each request must be answered within --response-timeout-ms, else the
//   viewer gets an error and the agent a streamStopRequest.
// - Agent link closed: the feed disappears, its viewer gets an error.
//
// ---- Browsers: WebSocket /viewer, one JSON object per text frame -------------
// director -> browser
//   {"feeds":[{"name":"demo","codecs":["H264"],"state":"idle"|"playing",
//              "viewers":2,"joinable":true}]}
//       on connect and after every change (feed added/removed, session
//       started/ended). "playing" means some viewer holds the feed; viewers
//       counts its sessions; joinable means its agent takes more viewers.
// Every frame below about one play carries that play's "tile" when the
// browser gave one (see play).
//   {"answer":{"feed":"demo","sdp":"<answer SDP>"}}
//       the agent's answer to this browser's play.
//   {"error":{"feed":"demo","message":"..."}}
//       play failed or the running session ended abnormally (agent refused,
//       timed out or disconnected). feed is "" for malformed commands.
//   {"stopped":{"feed":"demo"}}
//       acknowledges a stop (also sent when nothing was playing).
// browser -> director
//   {"play":{"feed":"demo","sdp":"<offer SDP>"[,"tile":"2"]}}
//       recvonly offer sent after ICE gathering completed (a=candidate lines
//       inline). The director sends streamStartRequest, then on success
//       sdpRequest {sdp, candidates: []}, then relays the answer.
//       A session is keyed by (browser connection, feed, tile; "" when
//       absent): a play of a key that has a session replaces it
//       (streamStopRequest for the old one first). A play of a feed whose
//       agent holds one session only (see above) gets
//       {"error":{"feed":..,"message":"feed busy"}}.
//   {"stop":{"feed":"demo"[,"tile":"2"]}}
//       ends this browser's session of that feed and tile (streamStopRequest).
//   Closing the WebSocket stops every session the browser holds.
// Origin: a /viewer upgrade carrying an Origin whose host differs from the
// Host header is refused (403), so other web sites cannot drive the director.
//
// ---- HTTP --------------------------------------------------------------------
// GET /           the viewer page (viewer/index.html; ?feed=NAME autoplays).
// GET /api/feeds  {"feeds":[{"name","codecs","state":"idle"|"playing",
//                  "phase":""|"starting"|"negotiating"|"playing",
//                  "registrations","sessions","negotiations"}]}
//                 counters are per feed name and survive agent reconnects;
//                 "negotiations" counts sdpRequests sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "signaling/ahoy_codec.h"
#include "viewer_protocol.h"

namespace local_director {

using ConnId = std::uint64_t;

// Where DirectorServer's frames go; implemented by the WebSocket endpoint.
class Outbox {
 public:
  virtual ~Outbox() = default;
  virtual void Send(ConnId conn, const std::string& text) = 0;
  virtual void Close(ConnId conn, const std::string& reason) = 0;
};

struct DirectorOptions {
  std::optional<std::string> api_key;  // secret; nullopt = no key configured
  std::chrono::milliseconds response_timeout{15000};
  // --ice-server: handed to every agent (registerResponse and each
  // sdpRequest's iceServers) and to the viewer page (GET /api/ice-servers).
  // Empty: none sent (agents use their own).
  std::vector<signaling::ahoy::IceServer> ice_servers;
};

class DirectorServer {
 public:
  DirectorServer(asio::io_context& io, Outbox& outbox, DirectorOptions options);
  DirectorServer(const DirectorServer&) = delete;
  DirectorServer& operator=(const DirectorServer&) = delete;
  ~DirectorServer();

  // An agent link at /feeds/<path_name> was opened (already authorized).
  void OnAgentOpen(ConnId conn, std::string path_name);
  void OnAgentMessage(ConnId conn, std::string_view text);
  void OnAgentClose(ConnId conn);

  void OnViewerOpen(ConnId conn);
  void OnViewerMessage(ConnId conn, std::string_view text);
  void OnViewerClose(ConnId conn);

  std::vector<FeedSummary> Feeds() const;
  const std::vector<signaling::ahoy::IceServer>& IceServers() const { return options_.ice_servers; }

  // Drops every session and timer; later events are ignored.
  void Shutdown();

 private:
  enum class Phase { kStarting, kNegotiating, kPlaying };
  struct Session {
    std::string uuid;  // also the Ahoy sessionId
    ConnId viewer = 0;
    std::string tile;
    Phase phase = Phase::kStarting;
    std::string offer;  // kept until the sdpRequest is sent
    std::unique_ptr<asio::steady_timer> timer;
  };
  // Whether the feed's agent link speaks v1.1 sessionId (learnt from its
  // first streamStartResponse).
  enum class Sessions { kUnknown, kOne, kMany };
  struct Feed {
    std::string name;
    std::vector<std::string> codecs;
    ConnId agent = 0;
    Sessions sessions_support = Sessions::kUnknown;
    std::map<std::string, Session> sessions;  // by uuid
  };
  struct AgentLink {
    std::string path_name;
    std::optional<std::string> feed;  // set once registered
  };
  struct Counters {
    std::uint64_t registrations = 0;
    std::uint64_t sessions = 0;
    std::uint64_t negotiations = 0;
  };

  void HandleRegister(ConnId conn, AgentLink& link, const signaling::ahoy::Register& reg);
  void RejectRegister(ConnId conn, const std::string& error);
  void HandleEnvelope(AgentLink& link, const signaling::ahoy::Envelope& envelope);
  void HandleResponse(Feed& feed, const signaling::ahoy::Response& response);
  void HandleMalformed(const AgentLink& link, const signaling::ahoy::DecodeError& error);

  void Play(ConnId viewer, const PlayCommand& play);
  void Stop(ConnId viewer, const StopCommand& stop);

  Session* FindSession(Feed& feed, ConnId viewer, const std::string& tile);
  void ArmTimer(Feed& feed, Session& session, const char* waiting_for);
  // Ends the session: optional error to the viewer, optional streamStopRequest.
  void EndSession(Feed& feed, const std::string& uuid, const std::string& viewer_error,
                  bool send_stop);
  void SendStop(const Feed& feed, const Session& session);
  void SendToAgent(const Feed& feed, const signaling::ahoy::DirectorMessage& message);
  void BroadcastFeeds();
  signaling::ahoy::RegisterResponse Registered(const std::string& name) const;
  std::string NewUuid();

  asio::io_context& io_;
  Outbox& outbox_;
  DirectorOptions options_;
  bool shut_down_ = false;
  std::mt19937_64 rng_;
  std::map<ConnId, AgentLink> agents_;
  std::map<std::string, Feed> feeds_;  // by name
  std::map<std::string, Counters> counters_;
  std::set<ConnId> viewers_;
};

}  // namespace local_director
