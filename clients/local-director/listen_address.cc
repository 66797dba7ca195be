#include "listen_address.h"

#include <charconv>

namespace local_director {

std::optional<ListenAddress> ParseListenAddress(std::string_view text, std::string* error) {
  ListenAddress out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      *error = "expected [IPv6]:PORT";
      return std::nullopt;
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      *error = "expected HOST:PORT";
      return std::nullopt;
    }
    out.host = std::string(text.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      *error = "IPv6 hosts must be bracketed, e.g. [::1]:8080";
      return std::nullopt;
    }
    port_text = text.substr(colon + 1);
  }
  if (out.host.empty()) {
    *error = "empty host";
    return std::nullopt;
  }
  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535) {
    *error = "invalid port '" + std::string(port_text) + "'";
    return std::nullopt;
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

std::string HttpUrl(std::string_view host, uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  std::string url = "http://";
  url += v6 ? "[" + std::string(host) + "]" : std::string(host);
  url += ":" + std::to_string(port) + "/";
  return url;
}

}  // namespace local_director
