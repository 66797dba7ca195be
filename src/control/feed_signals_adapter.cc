#include "control/feed_signals_adapter.h"

namespace control {

void FeedSignalsAdapter::OnStreamStart(std::function<void(absl::Status)> done) {
  feed_->StartViewer(std::move(done));
}

void FeedSignalsAdapter::OnOffer(std::string offer_sdp,
                                 std::vector<signaling::ahoy::IceCandidate> candidates,
                                 std::function<void(absl::StatusOr<std::string>)> done) {
  std::vector<engine::IceCandidate> converted;
  converted.reserve(candidates.size());
  for (auto& c : candidates) {
    if (c.sdp_mline_index < 0) continue;  // not addressable: webrtcbin wants an index
    converted.push_back({std::move(c.candidate), static_cast<unsigned>(c.sdp_mline_index)});
  }
  feed_->Offer(std::move(offer_sdp), std::move(converted), std::move(done));
}

void FeedSignalsAdapter::OnStreamStop(std::function<void(absl::Status)> done) {
  feed_->StopViewer(std::move(done));
}

void FeedSignalsAdapter::OnLinkLost() { feed_->StopViewer(nullptr); }

}  // namespace control
