#include "engine/play_steps.h"

#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <chrono>
#include <memory>

namespace engine {
namespace {

// Shared by the handlers and probes of one session; each holds a reference
// that its destroy notify drops.
struct Watch {
  std::string session;
  std::atomic<bool> dtls_up{false};
  std::atomic<bool> ice_stamped{false};
};
using WatchRef = std::shared_ptr<Watch>;

WatchRef* NewRef(const WatchRef& watch) { return new WatchRef(watch); }
void DeleteRef(gpointer data) { delete static_cast<WatchRef*>(data); }
void DeleteRefClosure(gpointer data, GClosure*) { DeleteRef(data); }
Watch& Of(gpointer data) { return **static_cast<WatchRef*>(data); }

// RTP (not RTCP, not DTLS): version 2, and a second byte outside RTCP's
// packet types 192..223 (RFC 5761). The header is clear text under SRTP.
bool IsRtp(GstBuffer* buffer) {
  guint8 head[2];
  if (gst_buffer_extract(buffer, 0, head, 2) != 2) return false;
  return (head[0] & 0xC0) == 0x80 && !(head[1] >= 192 && head[1] <= 223);
}

GstPadProbeReturn OnTransportBuffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  GstBuffer* buffer = nullptr;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    if (gst_buffer_list_length(list) > 0) buffer = gst_buffer_list_get(list, 0);
  }
  if (!buffer || !IsRtp(buffer)) return GST_PAD_PROBE_OK;
  StampPlayStep(Of(data).session, "first_srtp");
  return GST_PAD_PROBE_REMOVE;
}

// The first buffer through a pad: what the session gets (its feeder) and
// what its encoder makes (the payloader's input).
template <const char* kStep>
GstPadProbeReturn OnFirstBuffer(GstPad*, GstPadProbeInfo*, gpointer data) {
  StampPlayStep(Of(data).session, kStep);
  return GST_PAD_PROBE_REMOVE;
}
constexpr char kFirstFrameIn[] = "first_frame_in";
constexpr char kFirstFrameEncoded[] = "first_frame_encoded";

void StampFirstBuffer(GstElement* element, const char* pad_name, GstPadProbeCallback probe,
                      const WatchRef& watch) {
  GstPad* pad = gst_element_get_static_pad(element, pad_name);
  if (!pad) return;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, probe, NewRef(watch), DeleteRef);
  gst_object_unref(pad);
}

GstPadProbeReturn OnPayloaderBuffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  Watch& watch = Of(data);
  if (!buffer || !watch.dtls_up.load() ||
      GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_OK;
  StampPlayStep(watch.session, "keyframe_after_dtls");
  return GST_PAD_PROBE_REMOVE;
}

}  // namespace

void StampPlayStep(const std::string& session, const char* step) {
  if (!PlayStepsOn()) return;
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  spdlog::debug("play-step {} {} {:.1f}", session.empty() ? "-" : session, step, ms);
}

void WatchPlaySteps(GstElement* webrtcbin, GstElement* payloader, GstElement* feeder,
                    const std::string& session) {
  if (!PlayStepsOn()) return;
  auto watch = std::make_shared<Watch>();
  watch->session = session;

  g_signal_connect_data(webrtcbin, "notify::ice-connection-state",
                        G_CALLBACK(+[](GstElement* webrtc, GParamSpec*, gpointer data) {
                          GstWebRTCICEConnectionState s;
                          g_object_get(webrtc, "ice-connection-state", &s, nullptr);
                          Watch& w = Of(data);
                          if ((s == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED ||
                               s == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED) &&
                              !w.ice_stamped.exchange(true)) {
                            StampPlayStep(w.session, "ice_connected");
                          }
                        }),
                        NewRef(watch), DeleteRefClosure, GConnectFlags{});
  // connection-state: ICE and DTLS together; "connected" once DTLS is up.
  g_signal_connect_data(
      webrtcbin, "notify::connection-state",
      G_CALLBACK(+[](GstElement* webrtc, GParamSpec*, gpointer data) {
        GstWebRTCPeerConnectionState s;
        g_object_get(webrtc, "connection-state", &s, nullptr);
        Watch& w = Of(data);
        if (s == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && !w.dtls_up.exchange(true)) {
          StampPlayStep(w.session, "dtls_connected");
        }
      }),
      NewRef(watch), DeleteRefClosure, GConnectFlags{});
  // The ICE transport's nicesink appears inside webrtcbin once a description
  // is set; its first RTP packet is the first media on the wire.
  g_signal_connect_data(webrtcbin, "deep-element-added",
                        G_CALLBACK(+[](GstBin*, GstBin*, GstElement* element, gpointer data) {
                          GstElementFactory* factory = gst_element_get_factory(element);
                          if (!factory || g_strcmp0(GST_OBJECT_NAME(factory), "nicesink") != 0)
                            return;
                          GstPad* sink = gst_element_get_static_pad(element, "sink");
                          if (!sink) return;
                          gst_pad_add_probe(
                              sink,
                              static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                                           GST_PAD_PROBE_TYPE_BUFFER_LIST),
                              OnTransportBuffer, NewRef(*static_cast<WatchRef*>(data)), DeleteRef);
                          gst_object_unref(sink);
                        }),
                        NewRef(watch), DeleteRefClosure, GConnectFlags{});

  StampFirstBuffer(feeder, "src", OnFirstBuffer<kFirstFrameIn>, watch);
  StampFirstBuffer(payloader, "sink", OnFirstBuffer<kFirstFrameEncoded>, watch);
  StampFirstBuffer(payloader, "sink", OnPayloaderBuffer, watch);
}

}  // namespace engine
