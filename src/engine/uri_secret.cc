#include "engine/uri_secret.h"

#include <glib.h>

#include <algorithm>
#include <vector>

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

// Marks the bytes of every occurrence of `needle` in `text`; each byte is
// marked once, so the cost stays linear in the text however the occurrences
// overlap.
void CoverOccurrences(const std::string& text, const std::string& needle,
                      std::vector<bool>* covered) {
  if (needle.empty()) return;
  size_t covered_to = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    for (size_t i = std::max(pos, covered_to); i < pos + needle.size(); ++i) (*covered)[i] = true;
    covered_to = pos + needle.size();
  }
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
  // Masked by position rather than by a replacing pass over the text: such a
  // pass resumes after each match, so when the text quoted the URI and went
  // on with what completed the password again ("...:cret@cr" + "et" for the
  // password "cret"), that occurrence survived (found by the uri_secret
  // fuzzer). Every byte inside any occurrence, overlapping ones included, is
  // covered; each run of covered bytes becomes one mask.
  std::vector<bool> covered(text.size(), false);
  CoverOccurrences(text, password, &covered);
  CoverOccurrences(text, PercentDecoded(password), &covered);
  std::string scrubbed;
  scrubbed.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (!covered[i]) {
      scrubbed += text[i++];
      continue;
    }
    scrubbed += kMask;
    while (i < text.size() && covered[i]) ++i;
  }
  return scrubbed;
}

}  // namespace engine
