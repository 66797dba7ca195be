// Drives an engine::Feed the way the Ahoy link does (start, offer, stop),
// synchronously, for tests. `session` is the viewer session's id; "" is the
// protocol v1 default session.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engine/feed.h"
#include "webrtc_receiver.h"

namespace testing_support {

absl::Status StartViewer(engine::Feed& feed, const std::string& session = "");
absl::StatusOr<std::string> Offer(engine::Feed& feed, const std::string& sdp,
                                  const std::string& session = "");
// nullopt: every session (a v1 streamStopRequest).
void StopViewer(engine::Feed& feed, const std::optional<std::string>& session = "");
// start + offer from `receiver` + its answer applied.
absl::Status PlayInto(engine::Feed& feed, WebrtcReceiver& receiver,
                      const std::string& session = "");
// The same with a fresh receiver; nullptr (with the
// reason in `error`) when any step fails.
std::unique_ptr<WebrtcReceiver> Play(engine::Feed& feed, const std::string& encoding,
                                     std::string* error, const std::string& session = "");

}  // namespace testing_support
