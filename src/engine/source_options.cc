#include "engine/source_options.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/uri_secret.h"

namespace engine {

const char* RtspTransportName(RtspTransport transport) {
  switch (transport) {
    case RtspTransport::kAuto:
      return "auto";
    case RtspTransport::kUdp:
      return "udp";
    case RtspTransport::kTcp:
      return "tcp";
  }
  return "?";
}

absl::StatusOr<RtspTransport> ParseRtspTransport(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(std::string(name));
  if (lower == "auto") return RtspTransport::kAuto;
  if (lower == "udp") return RtspTransport::kUdp;
  if (lower == "tcp") return RtspTransport::kTcp;
  return absl::InvalidArgumentError(absl::StrCat("source_options.rtsp_transport: unknown value '",
                                                 Abbreviate(std::string(name), 40),
                                                 "' (auto, udp, tcp)"));
}

namespace {

constexpr std::array<const char*, 7> kSchemes{"test://", "rtsp://",  "rtsps://", "file://",
                                              "http://", "https://", "v4l2://"};

bool IsRtsp(const std::string& uri) {
  return absl::StartsWith(uri, "rtsp://") || absl::StartsWith(uri, "rtsps://");
}

}  // namespace

absl::Status ValidateSource(const std::string& uri, const SourceOptions& options) {
  if (uri.empty()) return absl::InvalidArgumentError("source_uri is required");
  if (uri.size() > kMaxSourceUriLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("source_uri is ", uri.size(), " characters long (at most ",
                     kMaxSourceUriLength, "): '", Abbreviate(RedactUri(uri)), "'"));
  }
  // The URI goes into a quoted gst-launch description: a quote or backslash
  // would end the string and add elements; URIs escape spaces as %20.
  for (char c : uri) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || c == '\'' || u <= 0x20 || u == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("source_uri may not hold quotes, backslashes, spaces or control characters "
                       "(percent-encode them): '",
                       Abbreviate(absl::CHexEscape(RedactUri(uri))), "'"));
    }
  }
  bool known = false;
  for (auto scheme : kSchemes) known = known || absl::StartsWith(uri, scheme);
  if (!known) {
    return absl::InvalidArgumentError(
        absl::StrCat("source_uri: unsupported scheme in '", Abbreviate(RedactUri(uri)),
                     "' (test://, rtsp://, rtsps://, file://, http://, https://, v4l2://)"));
  }
  if (absl::StartsWith(uri, "v4l2://")) {
    std::string device = uri.substr(7);
    if (!absl::StartsWith(device, "/dev/") || device.size() <= 5) {
      return absl::InvalidArgumentError(absl::StrCat(
          "source_uri: a v4l2 source names a device under /dev, e.g. v4l2:///dev/video0; got '",
          Abbreviate(RedactUri(uri)), "'"));
    }
  }
  if (options.rtsp_transport != RtspTransport::kAuto && !IsRtsp(uri)) {
    return absl::InvalidArgumentError(
        absl::StrCat("source_options.rtsp_transport ", RtspTransportName(options.rtsp_transport),
                     " applies to rtsp:// and rtsps:// sources only"));
  }
  if (options.loop && !absl::StartsWith(uri, "file://")) {
    return absl::InvalidArgumentError("source_options.loop applies to file:// sources only");
  }
  if (options.passthrough && !IsRtsp(uri)) {
    return absl::InvalidArgumentError(
        "source_options.passthrough applies to rtsp:// and rtsps:// sources only");
  }
  return absl::OkStatus();
}

}  // namespace engine
