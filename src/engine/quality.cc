#include "engine/quality.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/quoted.h"

namespace engine {

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kH264:
      return "H264";
    case Codec::kVP8:
      return "VP8";
    case Codec::kVP9:
      return "VP9";
    case Codec::kH265:
      return "H265";
  }
  return "?";
}

absl::StatusOr<Codec> ParseCodec(std::string_view name) {
  std::string upper = absl::AsciiStrToUpper(std::string(name));
  if (upper == "H264") return Codec::kH264;
  if (upper == "VP8") return Codec::kVP8;
  if (upper == "VP9") return Codec::kVP9;
  if (upper == "H265") return Codec::kH265;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown codec ", Quoted(std::string(name)), " (H264, VP8, VP9, H265)"));
}

namespace limits {
Range SpeedRange(Codec codec) {
  switch (codec) {
    case Codec::kH264:
    case Codec::kH265:
      return {1, 10};
    case Codec::kVP8:
      return {0, 16};
    case Codec::kVP9:
      return {0, 9};
  }
  return {0, 0};
}
}  // namespace limits

Quality Quality::Defaults(Codec codec) {
  Quality q;
  q.nack = true;
  q.mtu = limits::kMaxMtu;
  // Realtime settings: x264/x265 ultrafast keeps a 2-core box real-time at
  // 720p; VP8 at its fastest (cpu-used 16, see pipeline_description.cc);
  // VP9 cpu-used 8.
  switch (codec) {
    case Codec::kH264:
    case Codec::kH265:
      q.speed_preset = 1;
      break;
    case Codec::kVP8:
      q.speed_preset = 16;
      break;
    case Codec::kVP9:
      q.speed_preset = 8;
      break;
  }
  q.bitrate_kbps = 2000;
  q.framerate = 30;
  q.width = 1280;
  q.height = 720;
  q.fec_percentage = 0;
  q.keyframe_interval = 0;
  // What a browser does: follow the link. 150 kbps still carries a small
  // picture; below it a viewer sees nothing useful.
  q.adaptive = true;
  q.min_bitrate_kbps = 150;
  q.max_bitrate_kbps = limits::kMaxBitrateKbps;
  q.degradation = Degradation::kBalanced;
  return q;
}

namespace {
struct PresetRow {
  const char* name;
  uint32_t width, height, framerate, bitrate_kbps;
};
constexpr PresetRow kPresets[] = {
    {"low", 640, 360, 15, 400},  {"medium", 640, 360, 20, 1000}, {"high", 1280, 720, 20, 1500},
    {"hd", 1280, 720, 20, 2500}, {"fhd", 1920, 1080, 20, 4000},
};
}  // namespace

std::string Quality::PresetNames() {
  std::string out;
  for (const auto& row : kPresets) {
    if (!out.empty()) out += ", ";
    out += row.name;
  }
  return out;
}

absl::StatusOr<Quality> Quality::Preset(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(std::string(name));
  for (const auto& row : kPresets) {
    if (lower == row.name) {
      Quality q;
      q.width = row.width;
      q.height = row.height;
      q.framerate = row.framerate;
      q.bitrate_kbps = row.bitrate_kbps;
      return q;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "preset: unknown preset ", Quoted(std::string(name)), " (valid: ", PresetNames(), ")"));
}

Quality Quality::Overlay(const Quality& changes) const {
  Quality out = *this;
  out.preset.clear();
  if (!changes.preset.empty()) {
    if (auto preset = Preset(changes.preset); preset.ok()) out = out.Overlay(*preset);
  }
  if (changes.bitrate_kbps) out.bitrate_kbps = changes.bitrate_kbps;
  if (changes.framerate) out.framerate = changes.framerate;
  if (changes.width) out.width = changes.width;
  if (changes.height) out.height = changes.height;
  if (changes.fec_percentage) out.fec_percentage = changes.fec_percentage;
  if (changes.keyframe_interval) out.keyframe_interval = changes.keyframe_interval;
  if (changes.nack) out.nack = changes.nack;
  if (changes.speed_preset) out.speed_preset = changes.speed_preset;
  if (changes.mtu) out.mtu = changes.mtu;
  if (changes.adaptive) out.adaptive = changes.adaptive;
  if (changes.min_bitrate_kbps) out.min_bitrate_kbps = changes.min_bitrate_kbps;
  if (changes.max_bitrate_kbps) out.max_bitrate_kbps = changes.max_bitrate_kbps;
  if (changes.degradation) out.degradation = changes.degradation;
  return out;
}

namespace {
absl::Status CheckRange(const char* field, const std::optional<uint32_t>& value, uint32_t min,
                        uint32_t max) {
  if (value && (*value < min || *value > max)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " ", *value, " is out of range [", min, ", ", max, "]"));
  }
  return absl::OkStatus();
}
}  // namespace

absl::Status Quality::Validate(Codec codec) const {
  using namespace limits;
  const Range speed = SpeedRange(codec);
  if (!preset.empty()) {
    if (auto p = Preset(preset); !p.ok()) return p.status();
  }
  for (absl::Status s : {
           CheckRange("bitrate_kbps", bitrate_kbps, kMinBitrateKbps, kMaxBitrateKbps),
           CheckRange("framerate", framerate, kMinFramerate, kMaxFramerate),
           CheckRange("width", width, kMinDimension, kMaxWidth),
           CheckRange("height", height, kMinDimension, kMaxHeight),
           CheckRange("fec_percentage", fec_percentage, 0, kMaxFecPercentage),
           CheckRange("keyframe_interval", keyframe_interval, 0, kMaxKeyframeInterval),
           CheckRange(codec == Codec::kH264 || codec == Codec::kH265
                          ? "speed_preset (x264/x265 speed-preset)"
                          : "speed_preset (cpu-used)",
                      speed_preset, speed.min, speed.max),
           CheckRange("mtu", mtu, kMinMtu, kMaxMtu),
           CheckRange("min_bitrate_kbps", min_bitrate_kbps, kMinBitrateKbps, kMaxBitrateKbps),
           CheckRange("max_bitrate_kbps", max_bitrate_kbps, kMinBitrateKbps, kMaxBitrateKbps),
       }) {
    if (!s.ok()) return s;
  }
  if (min_bitrate_kbps && max_bitrate_kbps && *min_bitrate_kbps > *max_bitrate_kbps) {
    return absl::InvalidArgumentError(absl::StrCat(
        "min_bitrate_kbps ", *min_bitrate_kbps, " is above max_bitrate_kbps ", *max_bitrate_kbps));
  }
  // I420 subsamples chroma 2x2: odd sizes cannot be encoded exactly.
  if (width && *width % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("width ", *width, " must be even"));
  }
  if (height && *height % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("height ", *height, " must be even"));
  }
  return absl::OkStatus();
}

bool Quality::operator==(const Quality& o) const {
  return bitrate_kbps == o.bitrate_kbps && framerate == o.framerate && width == o.width &&
         height == o.height && fec_percentage == o.fec_percentage &&
         keyframe_interval == o.keyframe_interval && nack == o.nack &&
         speed_preset == o.speed_preset && mtu == o.mtu && preset == o.preset &&
         adaptive == o.adaptive && min_bitrate_kbps == o.min_bitrate_kbps &&
         max_bitrate_kbps == o.max_bitrate_kbps && degradation == o.degradation;
}

uint32_t Quality::CeilingKbps() const {
  return std::min(bitrate_kbps.value_or(2000), max_bitrate_kbps.value_or(limits::kMaxBitrateKbps));
}

bool Quality::Empty() const { return *this == Quality(); }

uint32_t Quality::EffectiveKeyframeInterval() const {
  if (keyframe_interval.value_or(0) != 0) return *keyframe_interval;
  return framerate.value_or(30) * 2;
}

std::string Quality::ToString() const {
  auto field = [](const std::optional<uint32_t>& v) {
    return v ? absl::StrCat(*v) : std::string("?");
  };
  std::string gop =
      keyframe_interval.value_or(0) == 0 ? std::string("auto") : absl::StrCat(*keyframe_interval);
  return absl::StrCat(field(width), "x", field(height), "@", field(framerate), " ",
                      field(bitrate_kbps), "kbps fec=", field(fec_percentage), "% gop=", gop,
                      " nack=", nack ? (*nack ? "on" : "off") : "?", " speed=", field(speed_preset),
                      " mtu=", field(mtu), " adaptive=",
                      adaptive
                          ? (*adaptive ? absl::StrCat(field(min_bitrate_kbps), "..", CeilingKbps())
                                       : std::string("off"))
                          : std::string("?"),
                      " degradation=", degradation ? DegradationName(*degradation) : "?");
}

}  // namespace engine
