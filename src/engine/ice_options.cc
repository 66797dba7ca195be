#include "engine/ice_options.h"

#include <arpa/inet.h>
#include <gst/webrtc/webrtc.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <functional>
#include <memory>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "engine/gst_ptr.h"
#include "engine/turn_tls_tunnel.h"

namespace engine {
namespace {

bool HasProperty(gpointer object, const char* name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(object), name) != nullptr;
}

// webrtcbin's `ice-agent` is a GstWebRTCNice (gst-libs/gst/webrtc/nice), whose
// `agent` property is the NiceAgent itself. Both references are ours.
absl::Status WithAgents(GstElement* webrtcbin,
                        const std::function<void(GObject* ice, GObject* nice)>& fn) {
  GObject* ice = nullptr;
  g_object_get(webrtcbin, "ice-agent", &ice, nullptr);
  std::unique_ptr<GObject, GstObjectUnref> ice_ref(ice);
  if (!ice || !HasProperty(ice, "agent")) {
    return absl::InternalError("webrtcbin's ICE agent is not libnice's: cannot configure it");
  }
  GObject* nice = nullptr;
  g_object_get(ice, "agent", &nice, nullptr);
  if (!nice || !HasProperty(nice, "upnp")) {
    if (nice) g_object_unref(nice);
    return absl::InternalError("libnice's agent has no upnp property: cannot turn UPnP off");
  }
  fn(ice, nice);
  g_object_unref(nice);
  return absl::OkStatus();
}

// libnice wants numeric addresses; a name is resolved here (the first
// address getaddrinfo gives).
absl::StatusOr<std::string> NumericHost(const std::string& host, const std::string& url) {
  unsigned char buffer[sizeof(in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
      inet_pton(AF_INET6, host.c_str(), buffer) == 1) {
    return host;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("ICE server '", url, "': cannot resolve ", host));
  }
  char text[NI_MAXHOST] = {};
  int rc = getnameinfo(found->ai_addr, found->ai_addrlen, text, sizeof(text), nullptr, 0,
                       NI_NUMERICHOST);
  freeaddrinfo(found);
  if (rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ICE server '", url, "': cannot resolve ", host));
  }
  return std::string(text);
}

std::string Escaped(const std::string& text) {
  gchar* escaped = g_uri_escape_string(text.c_str(), nullptr, FALSE);
  std::string out = escaped;
  g_free(escaped);
  return out;
}

std::string HostPort(const std::string& ip, uint16_t port) {
  bool v6 = ip.find(':') != std::string::npos;
  return absl::StrCat(v6 ? "[" : "", ip, v6 ? "]" : "", ":", port);
}

// webrtcnice logs the TURN URI it validates (credential included) at debug
// level: its category is muted while one is handed over.
class MutedCategory {
 public:
  explicit MutedCategory(const char* name) {
    GST_DEBUG_CATEGORY_GET(category_, name);
    if (category_) {
      saved_ = gst_debug_category_get_threshold(category_);
      gst_debug_category_set_threshold(category_, GST_LEVEL_NONE);
    }
  }
  ~MutedCategory() {
    if (category_) gst_debug_category_set_threshold(category_, saved_);
  }
  MutedCategory(const MutedCategory&) = delete;
  MutedCategory& operator=(const MutedCategory&) = delete;

 private:
  GstDebugCategory* category_ = nullptr;
  GstDebugLevel saved_ = GST_LEVEL_NONE;
};

absl::Status ApplyServers(GstElement* webrtcbin, const IceOptions& options,
                          std::vector<RelayEndpoint>* relays) {
  if (absl::Status valid = ValidateIceServers(options.servers); !valid.ok()) return valid;
  bool stun_set = false;
  bool any_turn = false;
  for (const IceServer& server_entry : options.servers) {
    for (const std::string& text : server_entry.urls) {
      absl::StatusOr<IceUrl> url = ParseIceUrl(text);
      if (!url.ok()) return url.status();
      if (!url->is_turn() && stun_set) continue;  // libnice takes one STUN server
      absl::StatusOr<std::string> ip = NumericHost(url->host, text);
      if (!ip.ok()) return ip.status();
      if (!url->is_turn()) {
        std::string uri = absl::StrCat("stun://", HostPort(*ip, url->port));
        g_object_set(webrtcbin, "stun-server", uri.c_str(), nullptr);
        stun_set = true;
        continue;
      }
      // libnice is given the tunnel's loopback end for turns: (see
      // turn_tls_tunnel.h); stats then name 127.0.0.1 as the relay's server.
      std::string server = HostPort(*ip, url->port);
      std::string relay_address = *ip;
      std::string transport = url->transport;
      if (url->scheme == IceUrl::Scheme::kTurns) {
        absl::StatusOr<uint16_t> tunnel =
            TlsRelayTunnelPort({*ip, url->port, url->host, options.tls_ca_file});
        if (!tunnel.ok()) return tunnel.status();
        server = absl::StrCat("127.0.0.1:", *tunnel);
        relay_address = "127.0.0.1";
        transport = "tcp";
      }
      std::string uri = absl::StrCat("turn://", Escaped(server_entry.username), ":",
                                     Escaped(server_entry.credential), "@", server,
                                     transport.empty() ? "" : "?transport=", transport);
      gboolean added = FALSE;
      {
        MutedCategory muted("webrtcnice");
        g_signal_emit_by_name(webrtcbin, "add-turn-server", uri.c_str(), &added);
      }
      // Overwritten before the memory is given back.
      std::fill(uri.begin(), uri.end(), '\0');
      if (!added) {
        return absl::InvalidArgumentError(
            absl::StrCat("ICE server '", text, "': webrtcbin refused the TURN server"));
      }
      any_turn = true;
      if (relays) relays->push_back({relay_address, text, url->RelayProtocol()});
    }
  }
  if (options.transport_policy == IceTransportPolicy::kRelay && !any_turn) {
    return absl::InvalidArgumentError(
        "ICE transport policy relay needs at least one usable TURN server (turn:)");
  }
  g_object_set(webrtcbin, "ice-transport-policy",
               options.transport_policy == IceTransportPolicy::kRelay
                   ? GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY
                   : GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL,
               nullptr);
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateIceOptions(const IceOptions& options) {
  if (absl::Status valid = ValidateIceServers(options.servers); !valid.ok()) return valid;
  bool any_turn = false;
  for (const IceServer& server : options.servers) {
    for (const std::string& text : server.urls) {
      const IceUrl url = *ParseIceUrl(text);
      any_turn = any_turn || url.is_turn();
    }
  }
  if (options.transport_policy == IceTransportPolicy::kRelay && !any_turn) {
    return absl::InvalidArgumentError("ICE transport policy relay needs at least one TURN server");
  }
  return absl::OkStatus();
}

std::string RelayProtocolFor(const std::vector<RelayEndpoint>& relays,
                             const std::string& server_address) {
  std::string found;
  for (const RelayEndpoint& relay : relays) {
    // Without the server's address (stats that lack "url"), every relay
    // counts: one protocol among them is still an answer.
    if (!server_address.empty() && relay.address != server_address) continue;
    if (!found.empty() && found != relay.protocol) return "";
    found = relay.protocol;
  }
  return found;
}

absl::Status ApplyIceOptions(GstElement* webrtcbin, const IceOptions& options,
                             std::vector<RelayEndpoint>* relays) {
  absl::Status agent = WithAgents(webrtcbin, [&](GObject* ice, GObject* nice) {
    g_object_set(nice, "upnp", options.upnp ? TRUE : FALSE, nullptr);
    g_object_set(ice, "ice-tcp", options.tcp ? TRUE : FALSE, nullptr);
  });
  if (!agent.ok()) return agent;
  return ApplyServers(webrtcbin, options, relays);
}

absl::Status EnableKeepaliveChecks(GstElement* webrtcbin) {
  return WithAgents(webrtcbin, [](GObject*, GObject* nice) {
    if (HasProperty(nice, "keepalive-conncheck")) {
      g_object_set(nice, "keepalive-conncheck", TRUE, nullptr);
    }
  });
}

absl::StatusOr<IceAgentSettings> ReadIceAgentSettings(GstElement* webrtcbin) {
  IceAgentSettings out;
  absl::Status status = WithAgents(webrtcbin, [&](GObject* ice, GObject* nice) {
    gboolean upnp = TRUE, tcp = TRUE;
    g_object_get(nice, "upnp", &upnp, nullptr);
    g_object_get(ice, "ice-tcp", &tcp, nullptr);
    out.upnp = upnp;
    out.tcp = tcp;
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace engine
