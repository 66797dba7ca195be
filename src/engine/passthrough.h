// Pass-through: an RTSP camera's own H264/H265 forwarded to the viewer
// without decoding and re-encoding. It costs almost no CPU and adds no encoder
// delay, but the picture, framerate, bitrate and keyframes are the camera's:
// nothing the encoder would do can be asked for. Only the caller turns it on
// (SourceOptions::passthrough); the default path re-encodes so that quality
// control works.
//
//   source pipeline:  rtspsrc ! <codec>depay ! <codec>parse ! appsink
//                     (byte-stream, one access unit per buffer, parameter
//                     sets in front of every keyframe)
//   sending pipeline: appsrc ! <codec>pay ! capsfilter ! webrtcbin
//
// The viewer's keyframe requests (PLI/FIR) cannot be served: a late or
// recovering picture waits for the camera's next keyframe, so cameras for
// pass-through want a short GOP (1-2 s).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/quality.h"
#include "engine/source_options.h"

namespace engine {

// Start-time checks: codec H264 or H265, no encoder choice, no template, and
// a quality that sets only what still applies (mtu, fec_percentage, nack).
// INVALID_ARGUMENT naming what does not fit.
absl::Status CheckPassthroughStart(Codec codec, const std::string& encoder, bool has_template,
                                   const Quality& requested);
// A live change to a pass-through stream: only mtu and fec_percentage;
// anything the encoder would have to do is FAILED_PRECONDITION.
absl::Status CheckPassthroughChange(const Quality& changes, bool force_keyframe);
// The quality in force reduced to what pass-through applies.
Quality PassthroughQuality(const Quality& full);
// FAILED_PRECONDITION when the codec's depayloader, parser or payloader is
// not installed. Needs GStreamer initialised.
absl::Status CheckPassthroughInstalled(Codec codec);

// The source pipeline, ending in the appsink `source_sink`.
absl::StatusOr<std::string> PassthroughSourcePipeline(const std::string& uri, Codec codec,
                                                      const SourceOptions& options);
// The caps of the access units the source pipeline hands on.
std::string PassthroughCaps(Codec codec);
// The sending pipeline from the appsrc `feeder` to webrtcbin.
std::string PassthroughSendPipeline(Codec codec, int payload_type, uint32_t ssrc, uint32_t mtu);

}  // namespace engine
