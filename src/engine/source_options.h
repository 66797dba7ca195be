// How a source is read beside its URI (RTSP lower transport, file looping),
// and the checks on a source URI that need no GStreamer: scheme, shape,
// characters, and options that fit the scheme. Fixed when a stream starts.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/quoted.h"

namespace engine {

enum class RtspTransport { kAuto, kUdp, kTcp };
const char* RtspTransportName(RtspTransport transport);  // "auto", "udp", "tcp"
// "auto", "udp" or "tcp", any case; INVALID_ARGUMENT otherwise.
absl::StatusOr<RtspTransport> ParseRtspTransport(std::string_view name);

struct SourceOptions {
  RtspTransport rtsp_transport = RtspTransport::kAuto;
  bool loop = false;  // file:// only: seek back to the start at the end
  // rtsp:// and rtsps:// only: forward the camera's H264/H265 as it comes,
  // without decoding and re-encoding (engine/passthrough.h).
  bool passthrough = false;
  bool operator==(const SourceOptions& o) const {
    return rtsp_transport == o.rtsp_transport && loop == o.loop && passthrough == o.passthrough;
  }
};

// Longest source URI accepted; longer ones are refused, never truncated.
inline constexpr size_t kMaxSourceUriLength = 4096;

// INVALID_ARGUMENT (naming source_uri or source_options) for an unknown
// scheme, an empty or too long URI, characters that could break out of the
// quoted pipeline description (quotes, backslashes, whitespace, control
// characters), a v4l2:// path outside /dev/, or an option the scheme does not
// have. Reachability is checked elsewhere (source_check.h).
absl::Status ValidateSource(const std::string& uri, const SourceOptions& options);

}  // namespace engine
