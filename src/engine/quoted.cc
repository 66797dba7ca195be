#include "engine/quoted.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace engine {

std::string Quoted(std::string_view value, std::size_t max_chars) {
  if (value.size() <= max_chars) return absl::StrCat("'", absl::CEscape(value), "'");
  return absl::StrCat("'", absl::CEscape(value.substr(0, max_chars)), "…' (", value.size(),
                      " bytes)");
}

}  // namespace engine
