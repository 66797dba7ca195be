#include "engine/ice_servers.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace engine {
namespace {

constexpr size_t kMaxUrlLength = 512;
constexpr size_t kMaxCredentialLength = 512;

absl::Status UrlError(std::string_view url, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("ICE server URL '", std::string(url), "': ", std::string(why)));
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

const char* IceTransportPolicyName(IceTransportPolicy policy) {
  return policy == IceTransportPolicy::kRelay ? "relay" : "all";
}

absl::StatusOr<IceTransportPolicy> ParseIceTransportPolicy(std::string_view name) {
  if (name == "all" || name.empty()) return IceTransportPolicy::kAll;
  if (name == "relay") return IceTransportPolicy::kRelay;
  return absl::InvalidArgumentError(
      absl::StrCat("ICE transport policy '", std::string(name), "': expected all or relay"));
}

std::string IceUrl::RelayProtocol() const {
  switch (scheme) {
    case Scheme::kTurns:
      return "tls";
    case Scheme::kTurn:
      return transport;
    case Scheme::kStun:
      break;
  }
  return "";
}

absl::StatusOr<IceUrl> ParseIceUrl(std::string_view url) {
  if (url.size() > kMaxUrlLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("ICE server URL longer than ", kMaxUrlLength, " characters"));
  }
  IceUrl out;
  std::string_view rest;
  if (url.rfind("stun:", 0) == 0) {
    out.scheme = IceUrl::Scheme::kStun;
    rest = url.substr(5);
  } else if (url.rfind("turns:", 0) == 0) {
    out.scheme = IceUrl::Scheme::kTurns;
    out.port = 5349;
    out.transport = "tcp";
    rest = url.substr(6);
  } else if (url.rfind("turn:", 0) == 0) {
    out.scheme = IceUrl::Scheme::kTurn;
    rest = url.substr(5);
  } else {
    return UrlError(url, "scheme must be stun:, turn: or turns:");
  }
  if (rest.rfind("//", 0) == 0) {
    return UrlError(url, "no '//' after the scheme (stun:host:port, RFC 7064)");
  }
  if (rest.find('@') != std::string_view::npos) {
    return UrlError(url, "credentials go in username/credential, never in the URL");
  }
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return UrlError(url, "unclosed '[' in the host");
    out.host = std::string(rest.substr(1, close - 1));
    for (char c : out.host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return UrlError(url, "bad IPv6 address");
      }
    }
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return UrlError(url, "unexpected text after the host");
      port_text = after.substr(1);
      if (port_text.empty()) return UrlError(url, "empty port");
    }
  } else {
    size_t colon = rest.find(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return UrlError(url, "empty port");
    }
    for (char c : out.host) {
      if (!IsHostChar(c)) return UrlError(url, "bad character in the host");
    }
  }
  if (out.host.empty()) return UrlError(url, "no host");
  if (!port_text.empty()) {
    uint32_t port = 0;
    if (!absl::SimpleAtoi(std::string(port_text), &port) || port == 0 || port > 65535) {
      return UrlError(url, "port must be 1..65535");
    }
    out.port = static_cast<uint16_t>(port);
  }
  if (!query.empty()) {
    if (out.scheme == IceUrl::Scheme::kStun) return UrlError(url, "stun: takes no query");
    if (query == "transport=udp" && out.scheme == IceUrl::Scheme::kTurn) {
      out.transport = "udp";
    } else if (query == "transport=tcp") {
      out.transport = "tcp";
    } else {
      return UrlError(url, out.scheme == IceUrl::Scheme::kTurns
                               ? "turns: takes only ?transport=tcp"
                               : "the only query is ?transport=udp or ?transport=tcp");
    }
  }
  return out;
}

absl::Status ValidateIceServers(const std::vector<IceServer>& servers) {
  if (servers.size() > kMaxIceServers) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxIceServers, " ICE servers (got ", servers.size(), ")"));
  }
  for (const IceServer& server : servers) {
    if (server.urls.empty()) return absl::InvalidArgumentError("an ICE server has no URL");
    if (server.urls.size() > kMaxIceUrlsPerServer) {
      return absl::InvalidArgumentError(
          absl::StrCat("at most ", kMaxIceUrlsPerServer, " URLs per ICE server"));
    }
    if (server.username.size() > kMaxCredentialLength ||
        server.credential.size() > kMaxCredentialLength) {
      return absl::InvalidArgumentError(absl::StrCat("ICE server '", server.urls.front(),
                                                     "': username or credential longer than ",
                                                     kMaxCredentialLength, " characters"));
    }
    for (const std::string& text : server.urls) {
      absl::StatusOr<IceUrl> url = ParseIceUrl(text);
      if (!url.ok()) return url.status();
      if (url->is_turn() && (server.username.empty() || server.credential.empty())) {
        return UrlError(text, "a TURN server needs a username and a credential");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace engine
