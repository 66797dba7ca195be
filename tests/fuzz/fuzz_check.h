// What every fuzz target shares: FUZZ_CHECK aborts with the broken property
// (libFuzzer keeps the input as a crash; the CTest replay fails), and
// SplitInput cuts one input into parts so one target can feed several
// arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond)                                                                    \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// "a\0b\0c" -> {"a", "b", "c"}: the NUL byte separates arguments in a corpus
// file (at most `max` parts; the last one keeps any further NULs).
inline std::vector<std::string> SplitInput(std::string_view text, size_t max) {
  std::vector<std::string> parts;
  while (parts.size() + 1 < max) {
    size_t nul = text.find('\0');
    if (nul == std::string_view::npos) break;
    parts.emplace_back(text.substr(0, nul));
    text.remove_prefix(nul + 1);
  }
  parts.emplace_back(text);
  return parts;
}

}  // namespace fuzz
