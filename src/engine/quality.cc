#include "engine/quality.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace engine {

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kH264:
      return "H264";
    case Codec::kVP8:
      return "VP8";
  }
  return "?";
}

absl::StatusOr<Codec> ParseCodec(std::string_view name) {
  std::string upper = absl::AsciiStrToUpper(std::string(name));
  if (upper == "H264") return Codec::kH264;
  if (upper == "VP8") return Codec::kVP8;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown codec '", std::string(name), "' (H264, VP8)"));
}

Quality Quality::Defaults() {
  Quality q;
  q.bitrate_kbps = 2000;
  q.framerate = 30;
  q.width = 1280;
  q.height = 720;
  q.fec_percentage = 0;
  return q;
}

Quality Quality::Overlay(const Quality& changes) const {
  Quality out = *this;
  if (changes.bitrate_kbps) out.bitrate_kbps = changes.bitrate_kbps;
  if (changes.framerate) out.framerate = changes.framerate;
  if (changes.width) out.width = changes.width;
  if (changes.height) out.height = changes.height;
  if (changes.fec_percentage) out.fec_percentage = changes.fec_percentage;
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

absl::Status Quality::Validate(Codec /*codec*/) const {
  using namespace limits;
  for (absl::Status s : {
           CheckRange("bitrate_kbps", bitrate_kbps, kMinBitrateKbps, kMaxBitrateKbps),
           CheckRange("framerate", framerate, kMinFramerate, kMaxFramerate),
           CheckRange("width", width, kMinDimension, kMaxWidth),
           CheckRange("height", height, kMinDimension, kMaxHeight),
           CheckRange("fec_percentage", fec_percentage, 0, kMaxFecPercentage),
       }) {
    if (!s.ok()) return s;
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
         height == o.height && fec_percentage == o.fec_percentage;
}

std::string Quality::ToString() const {
  auto field = [](const std::optional<uint32_t>& v) {
    return v ? absl::StrCat(*v) : std::string("?");
  };
  return absl::StrCat(field(width), "x", field(height), "@", field(framerate), " ",
                      field(bitrate_kbps), "kbps fec=", field(fec_percentage), "%");
}

}  // namespace engine
