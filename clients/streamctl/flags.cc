#include "flags.h"

#include <algorithm>
#include <iterator>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "host:port of the agent's gRPC API");
ABSL_FLAG(bool, json, false, "print responses as JSON, one object per line");
ABSL_FLAG(uint32_t, timeout_ms, 5000, "deadline for unary calls, in milliseconds");

ABSL_FLAG(bool, tls, false, "connect with TLS (implied by --ca-file, --cert-file, --key-file)");
ABSL_FLAG(std::string, ca_file, "", "PEM root CA to verify the agent (default: system roots)");
ABSL_FLAG(std::string, cert_file, "", "PEM client certificate for mutual TLS (with --key-file)");
ABSL_FLAG(std::string, key_file, "", "PEM client private key for mutual TLS (with --cert-file)");
ABSL_FLAG(std::string, token_file, "", "file holding the agent's bearer token");

ABSL_FLAG(std::string, codec, "", "start: h264, vp8, vp9 or h265 (default h264)");
ABSL_FLAG(std::string, encoder, "",
          "start: encoder for the codec: x264 or openh264 (h264), vp8, vp9, x265 (h265); "
          "default: the codec's first");
ABSL_FLAG(std::string, template, "",
          "start: name of a pipeline template defined in the agent's config file");
ABSL_FLAG(std::string, feed, "", "start: Ahoy feed name (default: the stream id)");
ABSL_FLAG(std::string, director, "", "start: Ahoy director base URL");

ABSL_FLAG(std::string, bitrate_kbps, "", "target bitrate in kbps, 50..50000 (unset if empty)");
ABSL_FLAG(std::string, framerate, "", "frames per second, 1..120 (unset if empty)");
ABSL_FLAG(std::string, width, "", "frame width, even, 16..4096 (unset if empty)");
ABSL_FLAG(std::string, height, "", "frame height, even, 16..2160 (unset if empty)");
ABSL_FLAG(std::string, fec_percentage, "", "ULP FEC redundancy, 0..100 (unset if empty)");
ABSL_FLAG(std::string, size, "", "WIDTHxHEIGHT shorthand for --width and --height");
ABSL_FLAG(std::string, preset, "",
          "named quality preset: low, medium, high, hd, fhd (explicit flags override it)");
ABSL_FLAG(std::string, keyframe_interval, "",
          "most frames between keyframes, 0..3000, 0 = automatic (unset if empty)");
ABSL_FLAG(bool, force_keyframe, false, "set: ask the encoder for a keyframe now");
ABSL_FLAG(std::string, nack, "",
          "on/off: answer NACKs with RTX (negotiated: applies from the next viewer session)");
ABSL_FLAG(std::string, speed_preset, "",
          "encoder speed: x264 speed-preset 1..10 (1 ultrafast) or vpx cpu-used (VP8 0..16, "
          "VP9 0..9)");
ABSL_FLAG(std::string, mtu, "", "largest RTP packet in bytes, 576..1400 (unset if empty)");
ABSL_FLAG(std::string, adaptive, "",
          "on/off: each viewer's bitrate follows its link (congestion control), live");
ABSL_FLAG(std::string, min_bitrate_kbps, "", "adaptive floor, 50..50000 (unset if empty)");
ABSL_FLAG(std::string, max_bitrate_kbps, "", "adaptive cap, 50..50000 (unset if empty)");
ABSL_FLAG(std::string, degradation, "",
          "balanced, maintain_framerate or maintain_resolution: what an adaptive viewer gives "
          "up first on a thin link, live");
ABSL_FLAG(std::string, rtsp_transport, "", "start: RTSP lower transport auto, udp or tcp");
ABSL_FLAG(bool, loop, false, "start: loop a file:// source at its end");
ABSL_FLAG(bool, passthrough, false,
          "start: forward an RTSP camera's H264/H265 without re-encoding (quality follows the "
          "camera; only mtu and fec_percentage apply)");
ABSL_FLAG(bool, shared_encode, false,
          "start: one encoder for every viewer of the stream (the CPU of one viewer for any "
          "number; one bitrate for all)");
ABSL_FLAG(std::string, max_viewers, "",
          "start: viewer sessions at once, 1..64 (unset if empty: the agent's default)");

ABSL_FLAG(std::string, whip_url, "",
          "start: also publish to this WHIP endpoint (http[s]://); without --director and an "
          "agent default director, only to it");
ABSL_FLAG(std::string, whip_token_file, "",
          "start: a file on the AGENT holding the WHIP bearer token (the path is sent, never "
          "the token)");

ABSL_FLAG(uint32_t, interval_ms, 1000, "watch: sampling interval in milliseconds");
ABSL_FLAG(uint32_t, count, 0, "watch: exit after this many samples (0: never)");
ABSL_FLAG(std::string, display, "auto",
          "watch: table (redrawn in place), lines (one per sample) or auto (table on a "
          "terminal, lines when piped)");

namespace streamctl {

bool IsStreamctlFlag(absl::string_view name) {
  static constexpr absl::string_view kNames[] = {"server",
                                                 "json",
                                                 "timeout_ms",
                                                 "tls",
                                                 "ca_file",
                                                 "cert_file",
                                                 "key_file",
                                                 "token_file",
                                                 "codec",
                                                 "feed",
                                                 "director",
                                                 "bitrate_kbps",
                                                 "framerate",
                                                 "width",
                                                 "height",
                                                 "size",
                                                 "fec_percentage",
                                                 "interval_ms",
                                                 "count",
                                                 "preset",
                                                 "keyframe_interval",
                                                 "force_keyframe",
                                                 "display",
                                                 "encoder",
                                                 "template",
                                                 "nack",
                                                 "speed_preset",
                                                 "mtu",
                                                 "adaptive",
                                                 "min_bitrate_kbps",
                                                 "max_bitrate_kbps",
                                                 "degradation",
                                                 "rtsp_transport",
                                                 "loop",
                                                 "passthrough"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

}  // namespace streamctl
