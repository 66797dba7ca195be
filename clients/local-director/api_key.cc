#include "api_key.h"

#include <fstream>
#include <sstream>

#include <openssl/crypto.h>

namespace local_director {
namespace {

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

}  // namespace

std::optional<std::string> LoadApiKey(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read API key file " + path;
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string key(Trim(content.str()));
  if (key.empty()) {
    *error = "API key file " + path + " is empty";
    return std::nullopt;
  }
  return key;
}

bool ApiKeyMatches(std::string_view expected, std::string_view presented) {
  presented = Trim(presented);
  if (expected.size() != presented.size()) return false;
  return CRYPTO_memcmp(expected.data(), presented.data(), expected.size()) == 0;
}

}  // namespace local_director
