#include "engine/ice_options.h"

#include <functional>
#include <memory>

#include "engine/gst_ptr.h"

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

}  // namespace

absl::Status ApplyIceOptions(GstElement* webrtcbin, const IceOptions& options) {
  return WithAgents(webrtcbin, [&](GObject* ice, GObject* nice) {
    g_object_set(nice, "upnp", options.upnp ? TRUE : FALSE, nullptr);
    g_object_set(ice, "ice-tcp", options.tcp ? TRUE : FALSE, nullptr);
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
