#include "quality_args.h"

#include <cstdint>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "flags.h"

namespace streamctl {
namespace {

namespace pb = streamcontrol::v1;

// Digits only: no sign, no spaces, fits in 32 bits.
bool ParseUint32(absl::string_view text, uint32_t* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, out);
}

// Parses the quality flag `name` if it was given. Returns an error or "".
std::string ParseField(const GivenFlags& given, const char* name, const std::string& value,
                       bool* present, uint32_t* out) {
  *present = given.count(name) != 0;
  if (!*present) return "";
  return ParseUint(name, value, out);
}

}  // namespace

std::string ParseUint(const char* name, const std::string& value, uint32_t* out) {
  if (ParseUint32(value, out)) return "";
  return absl::StrCat("--", name, " needs a non-negative integer, got '", value, "'");
}

std::string QualityFromFlags(const GivenFlags& given, pb::Quality* quality) {
  struct Field {
    const char* name;
    std::string value;
    void (pb::Quality::*set)(uint32_t);
  };
  const Field fields[] = {
      {"bitrate_kbps", absl::GetFlag(FLAGS_bitrate_kbps), &pb::Quality::set_bitrate_kbps},
      {"framerate", absl::GetFlag(FLAGS_framerate), &pb::Quality::set_framerate},
      {"width", absl::GetFlag(FLAGS_width), &pb::Quality::set_width},
      {"height", absl::GetFlag(FLAGS_height), &pb::Quality::set_height},
      {"fec_percentage", absl::GetFlag(FLAGS_fec_percentage), &pb::Quality::set_fec_percentage},
      {"keyframe_interval", absl::GetFlag(FLAGS_keyframe_interval),
       &pb::Quality::set_keyframe_interval},
      {"speed_preset", absl::GetFlag(FLAGS_speed_preset), &pb::Quality::set_speed_preset},
      {"mtu", absl::GetFlag(FLAGS_mtu), &pb::Quality::set_mtu},
      {"min_bitrate_kbps", absl::GetFlag(FLAGS_min_bitrate_kbps),
       &pb::Quality::set_min_bitrate_kbps},
      {"max_bitrate_kbps", absl::GetFlag(FLAGS_max_bitrate_kbps),
       &pb::Quality::set_max_bitrate_kbps},
  };
  for (const Field& field : fields) {
    bool present = false;
    uint32_t number = 0;
    std::string error = ParseField(given, field.name, field.value, &present, &number);
    if (!error.empty()) return error;
    if (present) (quality->*field.set)(number);
  }

  if (given.count("nack") != 0) {
    const std::string nack = absl::AsciiStrToLower(absl::GetFlag(FLAGS_nack));
    if (nack == "on" || nack == "true" || nack == "1") {
      quality->set_nack(true);
    } else if (nack == "off" || nack == "false" || nack == "0") {
      quality->set_nack(false);
    } else {
      return absl::StrCat("--nack needs on or off, got '", absl::GetFlag(FLAGS_nack), "'");
    }
  }

  if (given.count("adaptive") != 0) {
    const std::string adaptive = absl::AsciiStrToLower(absl::GetFlag(FLAGS_adaptive));
    if (adaptive == "on" || adaptive == "true" || adaptive == "1") {
      quality->set_adaptive(true);
    } else if (adaptive == "off" || adaptive == "false" || adaptive == "0") {
      quality->set_adaptive(false);
    } else {
      return absl::StrCat("--adaptive needs on or off, got '", absl::GetFlag(FLAGS_adaptive), "'");
    }
  }

  if (given.count("degradation") != 0) {
    const std::string d = absl::AsciiStrToLower(absl::GetFlag(FLAGS_degradation));
    if (d == "balanced") {
      quality->set_degradation(pb::DEGRADATION_BALANCED);
    } else if (d == "maintain_framerate") {
      quality->set_degradation(pb::DEGRADATION_MAINTAIN_FRAMERATE);
    } else if (d == "maintain_resolution") {
      quality->set_degradation(pb::DEGRADATION_MAINTAIN_RESOLUTION);
    } else {
      return absl::StrCat(
          "--degradation needs balanced, maintain_framerate or maintain_resolution, got '",
          absl::GetFlag(FLAGS_degradation), "'");
    }
  }

  // The server checks the name and lists the valid presets.
  if (given.count("preset") != 0) quality->set_preset(absl::GetFlag(FLAGS_preset));

  if (given.count("size") != 0) {
    if (given.count("width") != 0 || given.count("height") != 0) {
      return "--size cannot be combined with --width or --height";
    }
    const std::string size = absl::GetFlag(FLAGS_size);
    std::vector<absl::string_view> parts = absl::StrSplit(size, absl::ByAnyChar("xX"));
    uint32_t width = 0;
    uint32_t height = 0;
    if (parts.size() != 2 || !ParseUint32(parts[0], &width) || !ParseUint32(parts[1], &height)) {
      return absl::StrCat("--size needs WIDTHxHEIGHT, e.g. 640x360, got '", size, "'");
    }
    quality->set_width(width);
    quality->set_height(height);
  }
  return "";
}

std::string SourceOptionsFromFlags(const GivenFlags& given, pb::SourceOptions* options) {
  if (given.count("rtsp_transport") != 0) {
    const std::string text = absl::GetFlag(FLAGS_rtsp_transport);
    const std::string lower = absl::AsciiStrToLower(text);
    if (lower == "auto") {
      options->set_rtsp_transport(pb::SourceOptions::RTSP_TRANSPORT_AUTO);
    } else if (lower == "udp") {
      options->set_rtsp_transport(pb::SourceOptions::RTSP_TRANSPORT_UDP);
    } else if (lower == "tcp") {
      options->set_rtsp_transport(pb::SourceOptions::RTSP_TRANSPORT_TCP);
    } else {
      return absl::StrCat("--rtsp_transport must be auto, udp or tcp, got '", text, "'");
    }
  }
  if (given.count("loop") != 0) options->set_loop(absl::GetFlag(FLAGS_loop));
  if (given.count("passthrough") != 0) options->set_passthrough(absl::GetFlag(FLAGS_passthrough));
  return "";
}

std::string ParseCodec(const std::string& text, pb::Codec* codec) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "h264") {
    *codec = pb::H264;
  } else if (lower == "vp8") {
    *codec = pb::VP8;
  } else if (lower == "vp9") {
    *codec = pb::VP9;
  } else if (lower == "h265") {
    *codec = pb::H265;
  } else {
    return absl::StrCat("--codec must be h264, vp8, vp9 or h265, got '", text, "'");
  }
  return "";
}

}  // namespace streamctl
