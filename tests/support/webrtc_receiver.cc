#include "webrtc_receiver.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <stdexcept>

#include "engine/ice_options.h"

namespace testing_support {

WebrtcReceiver::WebrtcReceiver(std::string encoding) : encoding_(std::move(encoding)) {
  Init(true);
}

WebrtcReceiver::WebrtcReceiver(Answerer) { Init(false); }

void WebrtcReceiver::Init(bool add_transceiver) {
  gst_init(nullptr, nullptr);
  pipeline_ = gst_pipeline_new("receiver");
  webrtc_ = gst_element_factory_make("webrtcbin", "recv");
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  // Like every peer of the project: no UPnP, no SSDP off the machine.
  if (absl::Status s = engine::ApplyIceOptions(webrtc_, engine::IceOptions{}); !s.ok()) {
    throw std::runtime_error("receiver: " + std::string(s.message()));
  }
  gst_bin_add(GST_BIN(pipeline_), webrtc_);
  g_signal_connect(webrtc_, "pad-added", G_CALLBACK(&WebrtcReceiver::OnPadAdded), this);
  g_signal_connect(webrtc_, "notify::ice-gathering-state",
                   G_CALLBACK(+[](GstElement*, GParamSpec*, gpointer data) {
                     auto* self = static_cast<WebrtcReceiver*>(data);
                     std::lock_guard<std::mutex> lock(self->mu_);
                     self->changed_.notify_all();
                   }),
                   this);
  if (!add_transceiver) {
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
    return;
  }

  std::string caps_text =
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=" + encoding_ +
      ",payload=" + (encoding_ == "H264" ? "102" : "96");
  if (encoding_ == "H264") caps_text += ",packetization-mode=(string)1";
  GstCaps* caps = gst_caps_from_string(caps_text.c_str());
  GstWebRTCRTPTransceiver* transceiver = nullptr;
  g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                        caps, &transceiver);
  gst_caps_unref(caps);
  if (transceiver) gst_object_unref(transceiver);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

void WebrtcReceiver::SetIceOptions(const engine::IceOptions& options) {
  if (absl::Status s = engine::ApplyIceOptions(webrtc_, options); !s.ok()) {
    throw std::runtime_error("receiver: " + std::string(s.message()));
  }
}

WebrtcReceiver::~WebrtcReceiver() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

std::string WebrtcReceiver::CreateOffer() {
  GstPromise* promise = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "create-offer", nullptr, promise);
  gst_promise_wait(promise);
  GstWebRTCSessionDescription* offer = nullptr;
  gst_structure_get(gst_promise_get_reply(promise), "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                    &offer, nullptr);
  gst_promise_unref(promise);
  if (!offer) throw std::runtime_error("receiver: create-offer failed");

  // Like a browser: offer only after gathering is complete, candidates inline.
  promise = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-local-description", offer, promise);
  gst_promise_wait(promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(offer);
  return LocalDescriptionWhenGathered();
}

std::string WebrtcReceiver::AnswerOffer(const std::string& offer_sdp, std::string* error) {
  GstSDPMessage* sdp = nullptr;
  if (gst_sdp_message_new_from_text(offer_sdp.c_str(), &sdp) != GST_SDP_OK) {
    *error = "offer is not SDP";
    return "";
  }
  GstWebRTCSessionDescription* offer =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  GstPromise* promise = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-remote-description", offer, promise);
  gst_promise_wait(promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(offer);
  promise = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "create-answer", nullptr, promise);
  gst_promise_wait(promise);
  GstWebRTCSessionDescription* answer = nullptr;
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (reply) {
    gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
  }
  gst_promise_unref(promise);
  if (!answer) {
    *error = "create-answer failed";
    return "";
  }
  promise = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-local-description", answer, promise);
  gst_promise_wait(promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(answer);
  return LocalDescriptionWhenGathered();
}

std::string WebrtcReceiver::LocalDescriptionWhenGathered() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, std::chrono::seconds(5), [&] {
      GstWebRTCICEGatheringState s;
      g_object_get(webrtc_, "ice-gathering-state", &s, nullptr);
      return s == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE;
    });
  }
  GstWebRTCSessionDescription* local = nullptr;
  g_object_get(webrtc_, "local-description", &local, nullptr);
  gchar* text = gst_sdp_message_as_text(local->sdp);
  std::string sdp = text;
  g_free(text);
  gst_webrtc_session_description_free(local);
  return sdp;
}

bool WebrtcReceiver::SetAnswer(const std::string& answer_sdp, std::string* error) {
  GstSDPMessage* sdp = nullptr;
  if (gst_sdp_message_new_from_text(answer_sdp.c_str(), &sdp) != GST_SDP_OK) {
    *error = "answer is not SDP";
    return false;
  }
  GstWebRTCSessionDescription* answer =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  GstPromise* promise = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-remote-description", answer, promise);
  gst_promise_wait(promise);
  const GstStructure* reply = gst_promise_get_reply(promise);
  bool ok = true;
  if (reply && gst_structure_has_field(reply, "error")) {
    GError* e = nullptr;
    gst_structure_get(reply, "error", G_TYPE_ERROR, &e, nullptr);
    *error = e ? e->message : "set-remote-description failed";
    g_clear_error(&e);
    ok = false;
  }
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(answer);
  return ok;
}

void WebrtcReceiver::OnPadAdded(GstElement*, GstPad* pad, gpointer data) {
  auto* self = static_cast<WebrtcReceiver*>(data);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  gst_pad_add_probe(
      pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      &WebrtcReceiver::OnRtp, self, nullptr);
  GstElement* decodebin =
      gst_element_factory_make(self->parse_only_ ? "parsebin" : "decodebin", nullptr);
  g_signal_connect(decodebin, "pad-added", G_CALLBACK(&WebrtcReceiver::OnDecodedPad), self);
  gst_bin_add(GST_BIN(self->pipeline_), decodebin);
  gst_element_sync_state_with_parent(decodebin);
  GstPad* sink = gst_element_get_static_pad(decodebin, "sink");
  gst_pad_link(pad, sink);
  gst_object_unref(sink);
  if (self->rtp_hook_) {
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo* info, gpointer data) {
          static_cast<WebrtcReceiver*>(data)->rtp_hook_(GST_PAD_PROBE_INFO_BUFFER(info));
          return GST_PAD_PROBE_OK;
        },
        self, nullptr);
  }
}

void WebrtcReceiver::SetTransportCc(int extension_id) {
  GstWebRTCRTPTransceiver* transceiver = nullptr;
  g_signal_emit_by_name(webrtc_, "get-transceiver", 0, &transceiver);
  if (!transceiver) throw std::runtime_error("receiver: no transceiver");
  GstCaps* caps = nullptr;
  g_object_get(transceiver, "codec-preferences", &caps, nullptr);
  if (!caps) throw std::runtime_error("receiver: transceiver has no codec preferences");
  caps = gst_caps_make_writable(caps);
  GstStructure* s = gst_caps_get_structure(caps, 0);
  const std::string field = "extmap-" + std::to_string(extension_id);
  gst_structure_set(s, field.c_str(), G_TYPE_STRING,
                    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
                    "rtcp-fb-transport-cc", G_TYPE_BOOLEAN, TRUE, nullptr);
  g_object_set(transceiver, "codec-preferences", caps, nullptr);
  gst_caps_unref(caps);
  gst_object_unref(transceiver);
}

void WebrtcReceiver::SetDoNack(bool on) {
  GstWebRTCRTPTransceiver* transceiver = nullptr;
  g_signal_emit_by_name(webrtc_, "get-transceiver", 0, &transceiver);
  if (!transceiver) throw std::runtime_error("receiver: no transceiver");
  g_object_set(transceiver, "do-nack", on ? TRUE : FALSE, nullptr);
  gst_object_unref(transceiver);
}

void WebrtcReceiver::OnDecodedPad(GstElement*, GstPad* pad, gpointer data) {
  auto* self = static_cast<WebrtcReceiver*>(data);
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, nullptr);
  gst_bin_add(GST_BIN(self->pipeline_), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sinkpad);
  gst_pad_add_probe(sinkpad, GST_PAD_PROBE_TYPE_BUFFER, &WebrtcReceiver::OnFrame, self, nullptr);
  gst_object_unref(sinkpad);
}

void WebrtcReceiver::SetLatency(unsigned ms) { g_object_set(webrtc_, "latency", ms, nullptr); }

GstPadProbeReturn WebrtcReceiver::OnFrame(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<WebrtcReceiver*>(data);
  if (self->hook_) self->hook_(pad, GST_PAD_PROBE_INFO_BUFFER(info));
  int width = 0, height = 0;
  if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    gst_structure_get_int(s, "width", &width);
    gst_structure_get_int(s, "height", &height);
    gst_caps_unref(caps);
  }
  std::lock_guard<std::mutex> lock(self->mu_);
  ++self->state_.frames;
  self->state_.width = width;
  self->state_.height = height;
  self->changed_.notify_all();
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn WebrtcReceiver::OnRtp(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<WebrtcReceiver*>(data);
  if (GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info)) {
    self->CountRtp(buffer);
  } else if (GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info)) {
    gst_buffer_list_foreach(
        list,
        +[](GstBuffer** buffer, guint, gpointer data) -> gboolean {
          static_cast<WebrtcReceiver*>(data)->CountRtp(*buffer);
          return TRUE;
        },
        self);
  }
  return GST_PAD_PROBE_OK;
}

void WebrtcReceiver::CountRtp(GstBuffer* buffer) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return;
  const guint payload = gst_rtp_buffer_get_payload_len(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  std::lock_guard<std::mutex> lock(mu_);
  state_.rtp_payload_bytes += payload;
}

bool WebrtcReceiver::WaitFor(std::function<bool(const State&)> predicate,
                             std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return predicate(state_); });
}

WebrtcReceiver::State WebrtcReceiver::state() {
  std::lock_guard<std::mutex> lock(mu_);
  State now = state_;
  now.at = std::chrono::steady_clock::now();
  return now;
}

}  // namespace testing_support
