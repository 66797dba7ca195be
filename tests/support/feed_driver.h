// Drives an engine::Feed the way the Ahoy link does (start, offer, stop),
// synchronously, for tests.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/feed.h"
#include "webrtc_receiver.h"

namespace testing_support {

absl::Status StartViewer(engine::Feed& feed);
absl::StatusOr<std::string> Offer(engine::Feed& feed, const std::string& sdp);
void StopViewer(engine::Feed& feed);
// start + offer from `receiver` + its answer applied.
absl::Status PlayInto(engine::Feed& feed, WebrtcReceiver& receiver);
// The same with a fresh receiver; nullptr (with the
// reason in `error`) when any step fails.
std::unique_ptr<WebrtcReceiver> Play(engine::Feed& feed, const std::string& encoding,
                                     std::string* error);

}  // namespace testing_support
