// Parsing of the --listen flag ("127.0.0.1:8080", "[::1]:0", "localhost:8080")
// and formatting of the URL printed once the socket is bound.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace local_director {

struct ListenAddress {
  std::string host;   // without brackets, e.g. "::1"
  uint16_t port = 0;  // 0 = ephemeral
};

// Returns nullopt (and sets *error) when `text` is not HOST:PORT.
std::optional<ListenAddress> ParseListenAddress(std::string_view text, std::string* error);

// "http://127.0.0.1:8080/", "http://[::1]:8080/".
std::string HttpUrl(std::string_view host, uint16_t port);

}  // namespace local_director
