// Small helpers both halves of a negotiation use (viewer_session_answer.cc
// for an answerer, viewer_session_offer.cc for an offerer).
#pragma once

#include <gst/webrtc/webrtc.h>

#include <string>

#include "absl/status/statusor.h"
#include "engine/gst_ptr.h"

namespace engine {

// Waits for a webrtcbin promise; "" when it replied without an "error".
std::string PromiseError(GstPromise* promise);
// INVALID_ARGUMENT ("offer/answer SDP could not be parsed") for bad text.
absl::StatusOr<SessionDescriptionPtr> ParseDescription(GstWebRTCSDPType type,
                                                       const std::string& text);

}  // namespace engine
