// Small RAII holders for GStreamer/GLib references.
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <memory>

namespace engine {

struct GstObjectUnref {
  void operator()(gpointer object) const {
    if (object) gst_object_unref(object);
  }
};
struct GstCapsUnref {
  void operator()(GstCaps* caps) const {
    if (caps) gst_caps_unref(caps);
  }
};
struct GstStructureFree {
  void operator()(GstStructure* s) const {
    if (s) gst_structure_free(s);
  }
};
struct SdpMessageFree {
  void operator()(GstSDPMessage* m) const {
    if (m) gst_sdp_message_free(m);
  }
};
struct SessionDescriptionFree {
  void operator()(GstWebRTCSessionDescription* d) const {
    if (d) gst_webrtc_session_description_free(d);
  }
};
struct GFree {
  void operator()(gpointer p) const { g_free(p); }
};

using ElementPtr = std::unique_ptr<GstElement, GstObjectUnref>;
using PadPtr = std::unique_ptr<GstPad, GstObjectUnref>;
using BusPtr = std::unique_ptr<GstBus, GstObjectUnref>;
using TransceiverPtr = std::unique_ptr<GstWebRTCRTPTransceiver, GstObjectUnref>;
using CapsPtr = std::unique_ptr<GstCaps, GstCapsUnref>;
using StructurePtr = std::unique_ptr<GstStructure, GstStructureFree>;
using SdpMessagePtr = std::unique_ptr<GstSDPMessage, SdpMessageFree>;
using SessionDescriptionPtr = std::unique_ptr<GstWebRTCSessionDescription, SessionDescriptionFree>;
using GCharPtr = std::unique_ptr<gchar, GFree>;

}  // namespace engine
