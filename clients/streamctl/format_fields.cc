#include "format_fields.h"

#include <cstdio>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace streamctl {

namespace pb = streamcontrol::v1;

namespace {

// An enum value's name, or its number when this build does not know it.
std::string NameOr(const std::string& name, int value) {
  return name.empty() ? absl::StrCat("?", value) : name;
}

}  // namespace

std::string StateName(pb::StreamState state) { return NameOr(pb::StreamState_Name(state), state); }

std::string CodecName(pb::Codec codec) { return NameOr(pb::Codec_Name(codec), codec); }

// LINK_REGISTERED -> REGISTERED.
std::string LinkName(pb::LinkState link) {
  std::string name = NameOr(pb::LinkState_Name(link), link);
  absl::string_view view = name;
  if (absl::ConsumePrefix(&view, "LINK_")) return std::string(view);
  return name;
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// "1280x720@30", with "?" for a field the message leaves unset.
std::string FrameShape(const pb::Quality& q) {
  auto field = [](bool has, uint32_t value) {
    return has ? absl::StrCat(value) : std::string("?");
  };
  return absl::StrCat(field(q.has_width(), q.width()), "x", field(q.has_height(), q.height()), "@",
                      field(q.has_framerate(), q.framerate()));
}

std::string DegradationName(pb::Degradation d) {
  switch (d) {
    case pb::DEGRADATION_BALANCED:
      return "balanced";
    case pb::DEGRADATION_MAINTAIN_FRAMERATE:
      return "maintain_framerate";
    case pb::DEGRADATION_MAINTAIN_RESOLUTION:
      return "maintain_resolution";
    default:
      return "-";
  }
}

// Local wall-clock time of day with milliseconds: "14:03:07.250".
std::string TimeOfDay(int64_t unix_ms) {
  if (unix_ms < 0) return absl::StrCat(unix_ms);
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  if (localtime_r(&seconds, &local) == nullptr) return absl::StrCat(unix_ms);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d:%02d.%03d", local.tm_hour, local.tm_min,
                local.tm_sec, static_cast<int>(unix_ms % 1000));
  return buffer;
}

}  // namespace streamctl
