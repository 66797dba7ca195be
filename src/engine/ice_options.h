// How every webrtcbin this project creates sets up its ICE agent: one value
// type, resolved once and handed to every session (and to every test and
// bench peer through ApplyIceOptions), so no peer is ever built with
// libnice's defaults by accident.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/ice_servers.h"

namespace engine {

struct IceOptions {
  // Also gather ICE-TCP candidates: they only help where UDP is blocked, and
  // gathering them delays the answer.
  bool tcp = false;
  // libnice's UPnP-IGD support: on, every session multicasts SSDP M-SEARCH
  // (239.255.255.250:1900) out of every interface and asks the site's router
  // to open a port for it. Off unless an operator asks (--ice-upnp): an
  // agent that quietly opens ports in someone's router is a security
  // finding, and tests may not send traffic off the machine.
  bool upnp = false;
  // STUN and TURN servers (validated: ValidateIceServers). libnice takes one
  // STUN server: the first stun: URL; every TURN URL is added.
  std::vector<IceServer> servers;
  IceTransportPolicy transport_policy = IceTransportPolicy::kAll;
  // PEM bundle trusted for turns: servers (empty: the system's); see
  // turn_tls_tunnel.h.
  std::string tls_ca_file;
};

// For the operator's own servers (flags, config, StartRequest):
// ValidateIceServers, and a relay policy has a TURN URL to relay through.
// INVALID_ARGUMENT otherwise. A director's list is applied as it comes.
absl::Status ValidateIceOptions(const IceOptions& options);

// A TURN server as libnice was given it: which relay protocol a relayed
// candidate whose server is `address` came through.
struct RelayEndpoint {
  std::string address;   // numeric IP, as stats report the candidate's server
  std::string url;       // the configured URL (no credential)
  std::string protocol;  // udp, tcp, tls ("" = turn: without transport)
};

// The relay protocol of a relayed local candidate whose TURN server is
// `server_address` (stats' "url"; "" matches every endpoint): "" when no
// endpoint or several with different protocols match.
std::string RelayProtocolFor(const std::vector<RelayEndpoint>& relays,
                             const std::string& server_address);

// Sets `options` on the NiceAgent behind webrtcbin's `ice-agent`. Call right
// after the webrtcbin is made, before any description is set (gathering, and
// with it UPnP discovery, starts then). INTERNAL when the ICE agent is not
// libnice's or lacks a property: better no session than one with UPnP on.
// ICE servers go to webrtcbin (`stun-server`, `add-turn-server`,
// `ice-transport-policy`); TURN credentials travel only inside the URI given
// to `add-turn-server`, never through a readable property (a pipeline dump
// would print it), with libnice's GStreamer debug category muted while they
// are handed over (it logs that URI at debug level). Host names are resolved
// here (blocking; IP literals cost nothing). INVALID_ARGUMENT names the
// server's URL when one cannot be used. `relays` (optional) receives what was
// added, for reporting relay protocols.
absl::Status ApplyIceOptions(GstElement* webrtcbin, const IceOptions& options,
                             std::vector<RelayEndpoint>* relays = nullptr);

// What the live NiceAgent says: proof for tests that the setting took.
struct IceAgentSettings {
  bool upnp = true;
  bool tcp = true;
};
absl::StatusOr<IceAgentSettings> ReadIceAgentSettings(GstElement* webrtcbin);
// Keepalives as STUN requests that need a reply (libnice keepalive-conncheck)
// instead of indications: a peer that went away (an SFU restarting) turns
// the ICE state to failed after the retransmissions, which a publisher needs
// to notice; an answering viewer session has the director to tell it.
absl::Status EnableKeepaliveChecks(GstElement* webrtcbin);

}  // namespace engine
