// How every webrtcbin this project creates sets up its ICE agent: one value
// type, resolved once and handed to every session (and to every test and
// bench peer through ApplyIceOptions), so no peer is ever built with
// libnice's defaults by accident.
#pragma once

#include <gst/gst.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

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
};

// Sets `options` on the NiceAgent behind webrtcbin's `ice-agent`. Call right
// after the webrtcbin is made, before any description is set (gathering, and
// with it UPnP discovery, starts then). INTERNAL when the ICE agent is not
// libnice's or lacks a property: better no session than one with UPnP on.
absl::Status ApplyIceOptions(GstElement* webrtcbin, const IceOptions& options);

// What the live NiceAgent says: proof for tests that the setting took.
struct IceAgentSettings {
  bool upnp = true;
  bool tcp = true;
};
absl::StatusOr<IceAgentSettings> ReadIceAgentSettings(GstElement* webrtcbin);

}  // namespace engine
