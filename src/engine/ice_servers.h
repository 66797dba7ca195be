// STUN and TURN servers as the browser's RTCIceServer describes them (urls,
// username, credential), checked once where they enter the agent (flags,
// config file, StartRequest, the director) so that every session gets a list
// it can apply. The credential is a secret: nothing here prints it, and
// error messages name the server's URL, never its credential.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace engine {

struct IceServer {
  std::vector<std::string> urls;  // stun:, turn:[?transport=udp|tcp], turns:
  std::string username;           // TURN only
  std::string credential;         // TURN only; a secret
};

enum class IceTransportPolicy {
  kAll,    // host, server-reflexive and relayed candidates
  kRelay,  // relayed candidates only: never a direct path
};
const char* IceTransportPolicyName(IceTransportPolicy policy);
// "all" or "relay".
absl::StatusOr<IceTransportPolicy> ParseIceTransportPolicy(std::string_view name);

// One URL of an ICE server, RFC 7064 / RFC 7065 syntax:
//   stun:host[:port]   turn:host[:port][?transport=udp|tcp]   turns:host[:port][?transport=tcp]
// host is a name, an IPv4 address or a bracketed IPv6 address.
struct IceUrl {
  enum class Scheme { kStun, kTurn, kTurns };
  Scheme scheme = Scheme::kStun;
  std::string host;  // without brackets
  uint16_t port = 3478;
  // "udp" or "tcp" for turn: ("" = both, as browsers and libnice read it);
  // "tcp" for turns:; "" for stun:.
  std::string transport;

  bool is_turn() const { return scheme != Scheme::kStun; }
  // How media reaches the TURN server: "udp", "tcp" or "tls"; "" for stun:
  // and for turn: without a transport (either).
  std::string RelayProtocol() const;
};
absl::StatusOr<IceUrl> ParseIceUrl(std::string_view url);

// Most servers and URLs one list may hold: every TURN URL costs an
// allocation per session, and the list comes from outside.
inline constexpr size_t kMaxIceServers = 8;
inline constexpr size_t kMaxIceUrlsPerServer = 8;

// Every URL parses; TURN servers carry a username and a credential; sizes are
// bounded. INVALID_ARGUMENT naming the offending URL (never a credential).
absl::Status ValidateIceServers(const std::vector<IceServer>& servers);

}  // namespace engine
