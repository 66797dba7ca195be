// Request values echoed in error messages and logs. A status message travels
// back as a gRPC header, so an echoed field must stay short (a 1 MiB
// source_uri would overflow the peer's header limit and turn a clear
// INVALID_ARGUMENT into an opaque INTERNAL) and printable (no control bytes
// in logs).
#pragma once

#include <cstddef>
#include <string>
#include "absl/strings/string_view.h"

namespace engine {

// `text` itself when short, else its first `max` characters and its size:
// "rtsp://aaaa... (1048576 characters)".
std::string Abbreviate(absl::string_view text, std::size_t max = 200);

// 'value' with C escapes, abbreviated after `max_chars` characters.
std::string Quoted(absl::string_view value, std::size_t max_chars = 96);

}  // namespace engine
