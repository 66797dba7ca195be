// Turns (source URI, codec, quality) into two gst-launch descriptions with the
// element names the rest of the engine relies on (see source_chain.h for why
// there are two pipelines):
//   source pipeline:  source, raw_capsfilter, source_sink (appsink)
//   sending pipeline: feeder (appsrc), encoder, payloader, pay_capsfilter, webrtc
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "engine/quality.h"
#include "engine/source_options.h"

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
  const char* speed_property;  // Quality::speed_preset lands here
  // Whether the encoder takes speed_property while PLAYING: vpxenc passes
  // cpu-used to libvpx at once; x264enc refuses speed-preset once started,
  // so the session replaces the encoder instead (encoder_swap.h).
  bool speed_live;
};
const CodecTraits& TraitsFor(Codec codec);

// Checks the URI and options (ValidateSource; not reachability) and returns
// the source part of the pipeline, ending in raw video.
absl::StatusOr<std::string> SourceDescription(const std::string& uri,
                                              const SourceOptions& options = {});

// Raw caps for the capsfilter that enforces size and framerate.
std::string RawCapsString(const Quality& quality);
// RTP caps after the payloader, with the payload type the viewer offered and
// the SSRC the payloader sends with.
std::string RtpCapsString(Codec codec, int payload_type, uint32_t ssrc);

// The source pipeline, ending in the appsink `source_sink`.
absl::StatusOr<std::string> SourcePipelineDescription(const std::string& source_uri,
                                                      const Quality& quality,
                                                      const SourceOptions& options = {});
// The encoder element `encoder` with its settings for `quality`.
std::string EncoderDescription(Codec codec, const Quality& quality);
// The sending pipeline from the appsrc `feeder` to webrtcbin. The encoder's
// own keyframe distance is set very large: the session enforces
// keyframe_interval itself (x264enc cannot change key-int-max in PLAYING).
// `ssrc` is pinned on the payloader and in its caps, so the a=ssrc line
// webrtcbin writes into the answer names the SSRC actually sent: with a
// different one, browsers decode the stream but never attach it to the track
// (black video).
std::string SendPipelineDescription(Codec codec, const Quality& quality, int payload_type,
                                    uint32_t ssrc);

struct PipelineDescriptions {
  std::string source;
  std::string send;
};
// Both. `quality` must be complete (every field set).
absl::StatusOr<PipelineDescriptions> PipelineDescription(const std::string& source_uri, Codec codec,
                                                         const Quality& quality, int payload_type,
                                                         uint32_t ssrc,
                                                         const SourceOptions& options = {});

}  // namespace engine
