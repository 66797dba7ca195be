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

// What differs per codec and encoder: elements, property names and RTP caps.
// A codec may have several encoders (H264: x264enc, openh264enc); the first
// in the table is its default.
struct CodecTraits {
  Codec codec;
  const char* encoder_name;     // as the API names it: "x264", "openh264", ...
  const char* encoder_factory;  // GStreamer element factory
  const char* encoding_name;    // SDP rtpmap name
  const char* encoder;          // encoder element with its low-latency settings
  const char* bitrate_property;
  uint32_t bitrate_scale;    // property units per kbps (x264enc: 1, vp8enc: 1000)
  const char* gop_property;  // the encoder's own largest keyframe distance
  const char* encoded_caps;  // caps between encoder and payloader, or ""
  const char* payloader;     // payloader with its low-latency settings
  const char* payloader_factory;
  const char* rtp_caps_extra;  // extra fields pinned on the payloader caps
  const char* speed_property;  // Quality::speed_preset lands here; "" if none
  // Whether the encoder takes speed_property while PLAYING: vpxenc passes
  // cpu-used to libvpx at once; x264enc and x265enc read speed-preset only
  // when they start, so the session replaces the encoder (encoder_swap.h).
  bool speed_live;
};
// The codec's default encoder.
const CodecTraits& TraitsFor(Codec codec);
// `encoder` by its API name ("" = the codec's default). INVALID_ARGUMENT
// naming the encoders that fit when it does not encode `codec`.
absl::StatusOr<const CodecTraits*> EncoderFor(Codec codec, std::string_view encoder);
// "x264enc, openh264enc": the encoder elements the agent drives for `codec`.
std::string EncoderFactoriesFor(Codec codec);
// The traits of an encoder element factory ("x264enc"), or nullptr.
const CodecTraits* TraitsForFactory(std::string_view factory);
// FAILED_PRECONDITION when the encoder's or payloader's plugin is not
// installed here. Needs GStreamer initialised.
absl::Status CheckInstalled(const CodecTraits& traits);

// Checks the URI and options (ValidateSource; not reachability) and returns
// the source part of the pipeline, ending in raw video.
absl::StatusOr<std::string> SourceDescription(const std::string& uri,
                                              const SourceOptions& options = {});

// rtspsrc named `source` with the agent's low-latency settings.
std::string RtspSourceElement(const std::string& uri, const SourceOptions& options);

// Raw caps for the capsfilter that enforces size and framerate.
std::string RawCapsString(const Quality& quality);
// RTP caps after the payloader, with the payload type the viewer offered and
// the SSRC the payloader sends with.
std::string RtpCapsString(Codec codec, int payload_type, uint32_t ssrc);

// The source pipeline, ending in the appsink `source_sink`.
absl::StatusOr<std::string> SourcePipelineDescription(const std::string& source_uri,
                                                      const Quality& quality,
                                                      const SourceOptions& options = {});
// The same from a source part already resolved (e.g. an operator template).
std::string SourcePipelineFromPart(const std::string& source_part, const Quality& quality);

// The built-in encoder element `encoder` with its settings for `quality`
// (unset fields take the codec's defaults).
std::string EncoderDescription(const CodecTraits& traits, const Quality& quality);
// "encoder ! [encoded caps !] payloader" for built-in encoders.
std::string EncodeDescription(const CodecTraits& traits, const Quality& quality, int payload_type,
                              uint32_t ssrc);
// appsrc `feeder` (caps, at most `feeder_max_buffers` queued, oldest
// dropped) ! <encode_part> ! pay_capsfilter ! gwapacer `pacer` ! webrtcbin `webrtc`.
std::string SendPipelineFromFeeder(const std::string& feeder_caps, uint32_t feeder_max_buffers,
                                   const std::string& encode_part, Codec codec, int payload_type,
                                   uint32_t ssrc);
// The path's own size and framerate in front of its encoder:
// videoscale ! videorate `path_rate` ! capsfilter `path_capsfilter`
// (engine/encoder_control.h drives them live).
std::string RawPathDescription(const Quality& quality);
// The sending pipeline around an encode part (built-in or an operator
// template): appsrc `feeder` ! <raw path> ! <encode_part> ! pay_capsfilter
// ! webrtcbin.
std::string SendPipelineAround(const std::string& encode_part, Codec codec, const Quality& quality,
                               int payload_type, uint32_t ssrc);
// The sending pipeline from the appsrc `feeder` to webrtcbin. The encoder's
// own keyframe distance is set very large: the session enforces
// keyframe_interval itself (x264enc cannot change key-int-max in PLAYING).
// `ssrc` is pinned on the payloader and in its caps, so the a=ssrc line
// webrtcbin writes into the answer names the SSRC actually sent: with a
// different one, browsers decode the stream but never attach it to the track
// (black video).
std::string SendPipelineDescription(Codec codec, const Quality& quality, int payload_type,
                                    uint32_t ssrc);

// A sending pipeline for frames already coded (a camera's own in
// pass-through, or a stream's shared encoder): appsrc `feeder` with
// `feeder_caps` ! payloader ! pay_capsfilter ! webrtcbin.
std::string CodedSendPipeline(Codec codec, const std::string& feeder_caps, int payload_type,
                              uint32_t ssrc, uint32_t mtu);
// What the built-in encoder hands its payloader ("video/x-h264,...").
std::string CodedCaps(const CodecTraits& traits);
// One encoder for every viewer of a stream (StartRequest.shared_encode):
// appsrc `feeder` ! <raw path> ! encoder ! appsink `encoded_sink`.
std::string SharedEncoderPipeline(const CodecTraits& traits, const Quality& quality);

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
