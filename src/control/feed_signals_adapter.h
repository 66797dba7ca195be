// Lets an Ahoy link drive an engine::Feed: the only bridge between the
// signaling and engine modules.
#pragma once

#include <memory>

#include "engine/feed.h"
#include "signaling/feed_signals.h"

namespace control {

class FeedSignalsAdapter : public signaling::FeedSignals {
 public:
  explicit FeedSignalsAdapter(std::shared_ptr<engine::Feed> feed) : feed_(std::move(feed)) {}

  void OnStreamStart(const signaling::SessionId& session,
                     std::function<void(absl::Status)> done) override;
  void OnOffer(const signaling::SessionId& session, std::string offer_sdp,
               std::vector<signaling::ahoy::IceCandidate> candidates,
               std::function<void(absl::StatusOr<std::string>)> done,
               std::optional<std::vector<signaling::ahoy::IceServer>> ice_servers) override;
  void OnStreamStop(const signaling::SessionId& session,
                    std::function<void(absl::Status)> done) override;
  void OnLinkLost() override;

 private:
  std::shared_ptr<engine::Feed> feed_;
};

}  // namespace control
