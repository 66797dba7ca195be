// Reads what the engine needs from a viewer's SDP offer before answering.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "engine/quality.h"

namespace engine {

struct OfferedVideo {
  int mline_index = 0;   // index of the first video m-line
  int payload_type = 0;  // the PT the viewer gave our codec
  // The id the offer gives the transport-wide sequence number header
  // extension (a=extmap:<id> kTwccExtensionUri), 0 when not offered.
  int twcc_extension_id = 0;
  // Whether the offer asks for transport-cc feedback on that payload type
  // (a=rtcp-fb:<pt> transport-cc).
  bool transport_cc = false;
};

inline constexpr char kTwccExtensionUri[] =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

// Finds the video m-line and the payload type the offer assigns to `codec`.
// For H264 only packetization-mode=1 qualifies (rtph264pay sends FU-A/STAP-A);
// constrained baseline (42e0xx / 42c0xx / 4200xx) is preferred. For VP9 and
// H265 a format naming a profile other than the one sent (VP9 0, H265 Main)
// is skipped.
// Also reads whether the viewer offers transport-wide congestion control.
// Errors are INVALID_ARGUMENT with the reason (no video, codec not offered...).
absl::StatusOr<OfferedVideo> FindOfferedVideo(const std::string& offer_sdp, Codec codec);

}  // namespace engine
