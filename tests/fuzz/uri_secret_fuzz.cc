// Password redaction for source URIs (rtsp://user:password@camera/...):
// input is the URI, a NUL byte, then a text that may quote it (what
// GStreamer error messages do). Properties: never crashes; the redacted URI
// and the scrubbed text hold the password neither as written nor
// percent-decoded, unless the password is also another part of the URI or
// overlaps the mask.
#include <glib.h>

#include "engine/uri_secret.h"
#include "fuzz_check.h"

namespace {

// The password as RedactUri sees it ("" when there is none).
std::string PasswordOf(const std::string& uri, const std::string& redacted) {
  if (redacted == uri) return "";
  // RedactUri keeps what is before and after the password.
  size_t prefix = 0;
  while (prefix < uri.size() && prefix < redacted.size() && uri[prefix] == redacted[prefix]) {
    ++prefix;
  }
  size_t suffix = 0;
  while (suffix < uri.size() - prefix && suffix < redacted.size() - prefix &&
         uri[uri.size() - 1 - suffix] == redacted[redacted.size() - 1 - suffix]) {
    ++suffix;
  }
  return uri.substr(prefix, uri.size() - prefix - suffix);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> parts = fuzz::SplitInput(fuzz::AsText(data, size), 2);
  const std::string& uri = parts[0];
  const std::string text = parts.size() > 1 ? parts[1] : uri;

  const std::string redacted = engine::RedactUri(uri);
  const std::string scrubbed = engine::ScrubUriPassword(text, uri);
  const std::string scrubbed_uri = engine::ScrubUriPassword(uri, uri);

  const size_t scheme = uri.find("://");
  const size_t at = uri.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return 0;
  // A simple, unambiguous case: "scheme://user:password@host/path" with the
  // password made of unreserved characters other than '*', and the user and
  // the rest of the URI not containing it.
  const size_t colon = uri.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return 0;
  const std::string password = uri.substr(colon + 1, at - colon - 1);
  if (password.size() < 4) return 0;
  for (char c : password) {
    if (!g_ascii_isalnum(c) && c != '-' && c != '.' && c != '_' && c != '~') return 0;
  }
  const std::string before = uri.substr(0, colon + 1);
  const std::string after = uri.substr(at);
  if (before.find(password) != std::string::npos || after.find(password) != std::string::npos ||
      after.find_first_of("@:") != 0 || after.find('@', 1) != std::string::npos ||
      uri.find_first_of("/?#", scheme + 3) < at) {
    return 0;
  }
  FUZZ_CHECK(PasswordOf(uri, redacted) == password);
  FUZZ_CHECK(redacted.find(password) == std::string::npos);
  FUZZ_CHECK(scrubbed_uri.find(password) == std::string::npos);
  FUZZ_CHECK(scrubbed.find(password) == std::string::npos);
  return 0;
}
