// Request values echoed in error messages. A status message travels back as
// a gRPC header, so an echoed field must stay short (a 1 MiB source_uri
// would overflow the peer's header limit and turn a clear INVALID_ARGUMENT
// into an opaque INTERNAL) and printable (no control bytes in logs).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace engine {

// 'value' with C escapes; a longer value is cut after `max_chars` characters
// and says its full size: 'rtsp://aaaa…' (1048576 bytes).
std::string Quoted(std::string_view value, std::size_t max_chars = 96);

}  // namespace engine
