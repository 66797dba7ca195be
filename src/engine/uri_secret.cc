#include "engine/uri_secret.h"

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

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
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
