// What a WHIP publisher asks of a feed: the offerer side of FeedSignals
// (feed_signals.h is the answerer side the Ahoy link drives). Implemented in
// control on top of engine::Feed. Methods return at once; callbacks may come
// from any thread.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace signaling {

class PublishTarget {
 public:
  virtual ~PublishTarget() = default;
  // Builds a sendonly session named `session_id`; `done` gets its offer with
  // every candidate. `on_end` is called with the reason if the session later
  // ends without Unpublish (ICE failed, operator's Disconnect, ...).
  virtual void Publish(const std::string& session_id,
                       std::function<void(absl::StatusOr<std::string>)> done,
                       std::function<void(std::string reason)> on_end) = 0;
  virtual void SetAnswer(const std::string& session_id, std::string answer_sdp,
                         std::function<void(absl::Status)> done) = 0;
  // Ends the session (idempotent); `on_end` is not called.
  virtual void Unpublish(const std::string& session_id) = 0;
};

}  // namespace signaling
