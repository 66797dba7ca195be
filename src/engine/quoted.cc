#include "engine/quoted.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace engine {

std::string Abbreviate(absl::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  return absl::StrCat(text.substr(0, max), "... (", text.size(), " characters)");
}

std::string Quoted(absl::string_view value, std::size_t max_chars) {
  if (value.size() <= max_chars) return absl::StrCat("'", absl::CEscape(value), "'");
  return absl::StrCat("'", absl::CEscape(value.substr(0, max_chars)), "...' (", value.size(),
                      " characters)");
}

}  // namespace engine
