// The narrow interface the Ahoy link drives for one feed. Implemented by the
// control module on top of an engine::Feed. Every method returns at once; the
// `done` callback may be called later, from any thread (the link re-posts onto
// its own asio thread before touching the connection).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "signaling/ahoy_codec.h"

namespace signaling {

// `session` names one viewer session of the feed (the request's v1.1
// sessionId); nullopt is the feed's single default session of protocol v1.
using SessionId = std::optional<std::string>;

class FeedSignals {
 public:
  virtual ~FeedSignals() = default;
  // A viewer pressed play (streamStartRequest).
  virtual void OnStreamStart(const SessionId& session, std::function<void(absl::Status)> done) = 0;
  // The viewer's offer (sdpRequest); `done` receives the full answer SDP.
  // `ice_servers`: the director's list for this session (the request's, else
  // the link's registerResponse's); nullopt: the agent's own configuration.
  virtual void OnOffer(const SessionId& session, std::string offer_sdp,
                       std::vector<ahoy::IceCandidate> candidates,
                       std::function<void(absl::StatusOr<std::string>)> done,
                       std::optional<std::vector<ahoy::IceServer>> ice_servers) = 0;
  // The viewer stopped (streamStopRequest); nullopt stops every session.
  virtual void OnStreamStop(const SessionId& session, std::function<void(absl::Status)> done) = 0;
  // The connection to the director dropped: tear down any viewer session.
  virtual void OnLinkLost() = 0;
};

}  // namespace signaling
