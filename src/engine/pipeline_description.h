// Turns (source URI, codec, quality) into a gst-launch description with the
// element names the rest of the engine relies on:
//   source, raw_capsfilter, encoder, payloader, pay_capsfilter, webrtc.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "engine/quality.h"

namespace engine {

// What differs per codec: elements, property names and RTP caps.
struct CodecTraits {
  Codec codec;
  const char* encoding_name;  // SDP rtpmap name
  const char* encoder;        // encoder element with its low-latency settings
  const char* bitrate_property;
  uint32_t bitrate_scale;      // property units per kbps (x264enc: 1, vp8enc: 1000)
  const char* encoded_caps;    // caps between encoder and payloader, or ""
  const char* payloader;       // payloader with its low-latency settings
  const char* rtp_caps_extra;  // extra fields pinned on the payloader caps
};
const CodecTraits& TraitsFor(Codec codec);

// Checks the URI's scheme and shape (not reachability) and returns the source
// part of the pipeline, ending in raw video.
absl::StatusOr<std::string> SourceDescription(const std::string& uri);

// Raw caps for the capsfilter that enforces size and framerate.
std::string RawCapsString(const Quality& quality);
// RTP caps after the payloader, with the payload type the viewer offered and
// the SSRC the payloader sends with.
std::string RtpCapsString(Codec codec, int payload_type, uint32_t ssrc);

// The whole pipeline. `quality` must be complete (every field set). `ssrc`
// is pinned on the payloader and in its caps, so the a=ssrc line webrtcbin
// writes into the answer names the SSRC actually sent: with a different one,
// browsers decode the stream but never attach it to the track (black video).
absl::StatusOr<std::string> PipelineDescription(const std::string& source_uri, Codec codec,
                                                const Quality& quality, int payload_type,
                                                uint32_t ssrc);

}  // namespace engine
