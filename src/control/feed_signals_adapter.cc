#include "control/feed_signals_adapter.h"

#include "engine/play_steps.h"

namespace control {

// A v1 director names no session: it is the feed's default session "".
void FeedSignalsAdapter::OnStreamStart(const signaling::SessionId& session,
                                       std::function<void(absl::Status)> done) {
  engine::StampPlayStep(session.value_or(""), "stream_start_request");
  feed_->StartViewer(session.value_or(""), std::move(done));
}

void FeedSignalsAdapter::OnOffer(
    const signaling::SessionId& session, std::string offer_sdp,
    std::vector<signaling::ahoy::IceCandidate> candidates,
    std::function<void(absl::StatusOr<std::string>)> done,
    std::optional<std::vector<signaling::ahoy::IceServer>> ice_servers) {
  engine::StampPlayStep(session.value_or(""), "sdp_request");
  if (engine::PlayStepsOn()) {
    // The answer goes back to the link here; it leaves on the link's thread
    // right after.
    done = [done = std::move(done), id = session.value_or("")](absl::StatusOr<std::string> answer) {
      engine::StampPlayStep(id, "sdp_response");
      done(std::move(answer));
    };
  }
  std::vector<engine::IceCandidate> converted;
  converted.reserve(candidates.size());
  for (auto& c : candidates) {
    if (c.sdp_mline_index < 0) continue;  // not addressable: webrtcbin wants an index
    converted.push_back({std::move(c.candidate), static_cast<unsigned>(c.sdp_mline_index)});
  }
  std::optional<std::vector<engine::IceServer>> servers;
  if (ice_servers) {
    servers.emplace();
    for (auto& s : *ice_servers) {
      servers->push_back({std::move(s.urls), std::move(s.username), std::move(s.credential)});
    }
  }
  feed_->Offer(session.value_or(""), std::move(offer_sdp), std::move(converted), std::move(done),
               std::move(servers));
}

// Without a sessionId every session stops (shared/ahoy-signaling.md).
void FeedSignalsAdapter::OnStreamStop(const signaling::SessionId& session,
                                      std::function<void(absl::Status)> done) {
  feed_->StopViewer(session, std::move(done));
}

void FeedSignalsAdapter::OnLinkLost() { feed_->StopViewer(std::nullopt, nullptr); }

}  // namespace control
