// TURN over TLS (turns:) for webrtcbin. libnice, in every release up to
// Debian 12's 0.1.21, has no TLS of its own: in the RFC 5245 mode webrtcbin
// uses, a TURN_TLS server is spoken to in plain TCP. A tunnel closes that
// gap. libnice is given turn:127.0.0.1:<port>?transport=tcp, and every TCP
// connection it opens there is carried to the real server inside TLS 1.2+,
// with the server's certificate verified (chain against the CA bundle, and
// the URL's host name or IP) before one byte of TURN passes. A server that
// fails verification gives no relayed candidate, which the session reports
// as for any TURN server that gives none.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "absl/status/statusor.h"

namespace engine {

struct TlsRelayTarget {
  std::string address;  // numeric IP the URL's host resolved to
  uint16_t port = 5349;
  std::string host;     // the URL's host: what the certificate must name
  std::string ca_file;  // PEM bundle to trust; empty = the system's

  bool operator<(const TlsRelayTarget& other) const {
    return std::tie(address, port, host, ca_file) <
           std::tie(other.address, other.port, other.host, other.ca_file);
  }
};

// The loopback port whose connections reach `target` over TLS. The first
// call for a target opens its listener (127.0.0.1, an ephemeral port); it
// stays for the life of the process and serves every session, all tunnels
// on one thread of their own. INVALID_ARGUMENT when the CA bundle cannot be
// read; INTERNAL when no listener can be opened.
absl::StatusOr<uint16_t> TlsRelayTunnelPort(const TlsRelayTarget& target);

}  // namespace engine
