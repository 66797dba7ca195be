// What the operator asks of the picture and the wire, and its validation.
// Used by gRPC, config files and the engine alike, so the rules live here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/degradation_ladder.h"

namespace engine {

enum class Codec { kH264, kVP8, kVP9, kH265 };
// "H264", "VP8", "VP9", "H265": the SDP encoding name
const char* CodecName(Codec codec);
absl::StatusOr<Codec> ParseCodec(std::string_view name);

// Every field optional: as a request only set fields change; as the quality
// in force every field is set.
struct Quality {
  std::optional<uint32_t> bitrate_kbps;
  std::optional<uint32_t> framerate;
  std::optional<uint32_t> width;
  std::optional<uint32_t> height;
  std::optional<uint32_t> fec_percentage;
  // Frames between keyframes at most; 0 = automatic (two seconds of frames).
  std::optional<uint32_t> keyframe_interval;
  // Answer NACKs with RTX; decided when a session negotiates.
  std::optional<bool> nack;
  // Encoder-native speed: x264enc/x265enc speed-preset (1 ultrafast .. 10
  // placebo) for H264/H265, vp8enc/vp9enc cpu-used for VP8/VP9
  // (limits::SpeedRange). openh264 and templates' encoders have none.
  std::optional<uint32_t> speed_preset;
  // Largest RTP packet the payloader sends, bytes.
  std::optional<uint32_t> mtu;
  // Congestion control (engine/rate_estimator.h): with `adaptive` on, each
  // viewer's encoder bitrate follows that viewer's link, between
  // min_bitrate_kbps and the ceiling min(bitrate_kbps, max_bitrate_kbps);
  // off, the encoder sends bitrate_kbps whatever happens (an external
  // controller drives it through SetQuality). Takes effect for viewers that
  // negotiate transport-wide congestion control (browsers do).
  std::optional<bool> adaptive;
  std::optional<uint32_t> min_bitrate_kbps;
  std::optional<uint32_t> max_bitrate_kbps;
  // What an adaptive viewer with its own encoder gives up when its target
  // cannot carry this size x framerate (engine/degradation_ladder.h).
  std::optional<Degradation> degradation;
  // Input only: a named preset (low, medium, high, hd, fhd) applied before the
  // explicit fields above. Never set in the quality in force.
  std::string preset;

  // 1280x720@30, 2000 kbps, no FEC, automatic keyframe interval, NACK on,
  // MTU 1400, the codec's realtime speed (x264/x265 ultrafast, VP8 cpu-used
  // 16, VP9 cpu-used 8); adaptive on between 150 kbps and the bitrate
  // (max_bitrate_kbps 50000: no cap of its own), degradation balanced.
  static Quality Defaults(Codec codec = Codec::kH264);
  // The fields a preset sets (size, framerate, bitrate); INVALID_ARGUMENT
  // naming the valid presets for an unknown name. Case-insensitive.
  static absl::StatusOr<Quality> Preset(std::string_view name);
  // "low, medium, high, hd, fhd"
  static std::string PresetNames();
  // `changes` laid over this: first the preset of `changes` (if any), then
  // the fields set in `changes` win. The result carries no preset name.
  // `changes` must have passed Validate (an unknown preset is ignored here).
  Quality Overlay(const Quality& changes) const;
  // Checks the fields that are set and the preset name; the reason names the
  // field and range.
  absl::Status Validate(Codec codec) const;
  // Whether no field and no preset is set.
  bool Empty() const;
  // The keyframe interval in frames with "automatic" resolved.
  uint32_t EffectiveKeyframeInterval() const;
  bool operator==(const Quality& other) const;
  // The adaptive ceiling: min(bitrate_kbps, max_bitrate_kbps) (complete quality).
  uint32_t CeilingKbps() const;
  // "1280x720@30 2000kbps fec=0% gop=auto nack=on speed=1 mtu=1400 adaptive=150..2000
  // degradation=balanced"
  std::string ToString() const;
};

namespace limits {
inline constexpr uint32_t kMinBitrateKbps = 50;
inline constexpr uint32_t kMaxBitrateKbps = 50000;
inline constexpr uint32_t kMinFramerate = 1;
inline constexpr uint32_t kMaxFramerate = 120;
inline constexpr uint32_t kMinDimension = 16;
inline constexpr uint32_t kMaxWidth = 4096;
inline constexpr uint32_t kMaxHeight = 2160;
inline constexpr uint32_t kMaxFecPercentage = 100;
inline constexpr uint32_t kMaxKeyframeInterval = 3000;
// 576: the IPv4 datagram every host must accept (RFC 791); below it packets
// per frame only multiply. 1400: a 1500-byte Ethernet MTU less IPv6+UDP (48),
// the SRTP auth tag (10), TURN channel framing (4) and room for RTX/RED
// headers and header extensions.
inline constexpr uint32_t kMinMtu = 576;
inline constexpr uint32_t kMaxMtu = 1400;
struct Range {
  uint32_t min, max;
};
// x264enc/x265enc speed-preset 1..10 (0, "none", would drop the preset); vp8enc
// cpu-used 0..16; vp9enc 0..9 (libvpx refuses more in realtime mode).
Range SpeedRange(Codec codec);
}  // namespace limits

}  // namespace engine
