#include "engine/uri_secret.h"

#include <glib.h>

#include "absl/strings/str_replace.h"

namespace engine {
namespace {

constexpr const char* kMask = "***";

// [begin, end) of the password in "scheme://user:password@host...", or
// {npos, npos}.
std::pair<size_t, size_t> PasswordSpan(const std::string& uri) {
  const size_t scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) return {std::string::npos, std::string::npos};
  const size_t authority = scheme_end + 3;
  // The authority ends at the first '/', '?' or '#'; a '@' after that is part
  // of the path, not userinfo.
  const size_t authority_end = uri.find_first_of("/?#", authority);
  const size_t at = uri.rfind('@', authority_end == std::string::npos ? uri.size() : authority_end);
  if (at == std::string::npos || at < authority) return {std::string::npos, std::string::npos};
  const size_t colon = uri.find(':', authority);
  if (colon == std::string::npos || colon > at) return {std::string::npos, std::string::npos};
  return {colon + 1, at};
}

// GLib's decoder; a password with a broken escape stays as written.
std::string PercentDecoded(const std::string& text) {
  gchar* decoded = g_uri_unescape_string(text.c_str(), nullptr);
  std::string out = decoded ? decoded : text;
  g_free(decoded);
  return out;
}

}  // namespace

std::string RedactUri(const std::string& uri) {
  auto [begin, end] = PasswordSpan(uri);
  if (begin == std::string::npos || begin == end) return uri;
  return uri.substr(0, begin) + kMask + uri.substr(end);
}

std::string ScrubUriPassword(std::string text, const std::string& uri) {
  auto [begin, end] = PasswordSpan(uri);
  if (begin == std::string::npos || begin == end) return text;
  const std::string password = uri.substr(begin, end - begin);
  const std::string decoded = PercentDecoded(password);
  // The whole URI first (so its user part stays readable), then the bare
  // password wherever else it appears.
  return absl::StrReplaceAll(text, {{uri, RedactUri(uri)}, {password, kMask}, {decoded, kMask}});
}

}  // namespace engine
