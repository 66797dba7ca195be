// Source URI and options validation (StartRequest.source_uri / the config
// file), the gate before a URI is quoted into a gst-launch description. The
// first byte picks the options, the rest is the URI. Properties: never
// crashes; an accepted URI cannot leave its quotes; an error never holds
// the URI's password.
#include <cctype>

#include "engine/source_options.h"
#include "engine/uri_secret.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  engine::SourceOptions options;
  options.rtsp_transport = static_cast<engine::RtspTransport>(data[0] % 3);
  options.loop = data[0] & 4;
  options.passthrough = data[0] & 8;
  const std::string uri(fuzz::AsText(data + 1, size - 1));
  (void)engine::ParseRtspTransport(uri);

  const absl::Status status = engine::ValidateSource(uri, options);
  if (status.ok()) {
    FUZZ_CHECK(!uri.empty() && uri.size() <= engine::kMaxSourceUriLength);
    for (char c : uri) {
      const auto u = static_cast<unsigned char>(c);
      FUZZ_CHECK(c != '"' && c != '\'' && c != '\\' && u > 0x20 && u != 0x7f);
    }
    return 0;
  }
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  const std::string redacted = engine::RedactUri(uri);
  if (redacted == uri) return 0;
  // The password RedactUri found (between "scheme://user:" and '@').
  const size_t authority = uri.find("://") + 3;
  const size_t at = uri.rfind('@', uri.find_first_of("/?#", authority));
  const size_t colon = uri.find(':', authority);
  // The message must not depend on the password's letters and digits: the
  // same URI with them replaced (every other character kept, so the URI's
  // shape and validity stay the same) gives the same message.
  std::string other_uri = uri;
  bool replaced = false;
  for (size_t i = colon + 1; i < at; ++i) {
    if (std::isalnum(static_cast<unsigned char>(other_uri[i]))) {
      other_uri[i] = other_uri[i] == 'Z' ? 'Y' : 'Z';
      replaced = true;
    }
  }
  if (!replaced) return 0;
  const absl::Status other = engine::ValidateSource(other_uri, options);
  FUZZ_CHECK(status.message() == other.message());
  return 0;
}
