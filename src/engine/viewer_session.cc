#include "engine/viewer_session.h"

#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "engine/pipeline_description.h"
#include "engine/play_steps.h"
#include "engine/sdp_offer.h"
#include "engine/ssrc_pool.h"

namespace engine {
namespace {

void DeleteSessionRef(gpointer data, GClosure* /*closure*/) {
  delete static_cast<SessionRef*>(data);
}
void DeleteSessionRefNotify(gpointer data) { delete static_cast<SessionRef*>(data); }

}  // namespace

ViewerSession::ViewerSession(Engine* engine, SessionConfig config, Events events)
    : engine_(engine), config_(std::move(config)), events_(std::move(events)) {}

absl::StatusOr<std::shared_ptr<ViewerSession>> ViewerSession::Create(Engine* engine,
                                                                     const SessionConfig& config,
                                                                     const std::string& offer_sdp,
                                                                     Events events) {
  auto offered = FindOfferedVideo(offer_sdp, config.codec);
  if (!offered.ok()) return offered.status();
  std::shared_ptr<ViewerSession> session(new ViewerSession(engine, config, std::move(events)));
  if (absl::Status s = session->Build(*offered); !s.ok()) return s;
  return session;
}

absl::Status ViewerSession::Build(const OfferedVideo& offered) {
  const int payload_type = offered.payload_type;
  in_force_ = config_.quality;
  // Random, never 0, never one another session is using; reused after a
  // session ends (engine/ssrc_pool.h).
  ssrc_ = SessionSsrcs().Acquire();
  const uint32_t ssrc = ssrc_;
  const uint32_t mtu = config_.quality.mtu.value_or(limits::kMaxMtu);
  const PipelineTemplate* tmpl = config_.pipeline_template.get();
  const bool raw = config_.input == SessionInput::kRaw;
  const CodecTraits* traits = &TraitsFor(config_.codec);  // coded: its payloader
  if (raw && tmpl) {
    traits = tmpl->encoder;
  } else if (raw) {
    auto found = EncoderFor(config_.codec, config_.encoder);
    if (!found.ok()) return found.status();
    traits = *found;
  }
  if (!traits) return absl::InternalError("pipeline template was not validated");
  const std::string send =
      !raw ? CodedSendPipeline(config_.codec, config_.coded_caps, payload_type, ssrc, mtu)
           : SendPipelineAround(
                 tmpl ? tmpl->encode
                      : EncodeDescription(*traits, config_.quality, payload_type, ssrc),
                 config_.codec, config_.quality, payload_type, ssrc);
  spdlog::debug("sending pipeline: {}", send);

  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(send.c_str(), &error);
  if (error) {
    std::string text = error->message;
    g_error_free(error);
    if (pipeline) gst_object_unref(pipeline);
    return absl::InternalError(absl::StrCat("cannot build pipeline: ", text));
  }
  // parse_launch hands over a floating reference: sink it into ours.
  pipeline_.reset(GST_ELEMENT(gst_object_ref_sink(pipeline)));
  webrtc_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "webrtc"));
  appsrc_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "feeder"));
  payloader_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "payloader"));
  if (!webrtc_ || !appsrc_ || !payloader_) {
    return absl::InternalError("pipeline lacks a webrtc, payloader or feeder element");
  }
  // What the session decides, set on the elements so that an operator
  // template's encode part gets it too: the offered payload type, the SSRC
  // the answer announces, the MTU in force.
  g_object_set(payloader_.get(), "pt", static_cast<guint>(payload_type), "ssrc", ssrc, "mtu", mtu,
               nullptr);
  if (raw) {
    auto control =
        EncoderControl::Attach(engine_, GST_BIN(pipeline_.get()), *traits, config_.quality,
                               config_.latency_probe, [weak = weak_from_this()](std::string error) {
                                 auto self = weak.lock();
                                 if (self && self->events_.on_error) {
                                   self->events_.on_error(std::move(error));
                                 }
                               });
    if (!control.ok()) return control.status();
    encoder_ = *control;
    counters_ = encoder_->counters();
  } else {
    // The producer decides keyframes; frames are only counted, where they
    // enter the payloader.
    counters_ = std::make_shared<FrameCounters>();
    PadPtr payloader_sink(gst_element_get_static_pad(payloader_.get(), "sink"));
    count_probe_ = CountFramesAt(payloader_sink.get(), counters_);
    WatchKeyframeRequests();
  }

  if (absl::Status s = ApplyIceOptions(webrtc_.get(), config_.ice, &relays_); !s.ok()) return s;
  WatchPlaySteps(webrtc_.get(), payloader_.get(), appsrc_.get(), config_.session_id);
  if (offered.twcc_extension_id > 0) {
    if (absl::Status s = EnableTransportCc(offered); !s.ok()) return s;
  }
  AttachPacer();

  // The payloader's pad created a transceiver; pinning it sendonly makes the
  // answer match the viewer's recvonly m-line (webrtcbin-notes pitfall 1).
  GstWebRTCRTPTransceiver* transceiver = nullptr;
  g_signal_emit_by_name(webrtc_.get(), "get-transceiver", 0, &transceiver);
  if (!transceiver) return absl::InternalError("webrtcbin created no transceiver");
  transceiver_.reset(transceiver);
  // do-nack: webrtcbin puts a=rtcp-fb nack in the answer and an RTX sender
  // for the viewer's rtx payload type behind it, both only while negotiating.
  g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "do-nack",
               config_.quality.nack.value_or(true) ? TRUE : FALSE, "fec-percentage",
               config_.quality.fec_percentage.value_or(0), nullptr);
  if (config_.quality.fec_percentage.value_or(0) > 0) {
    g_object_set(transceiver, "fec-type", GST_WEBRTC_FEC_TYPE_ULP_RED, nullptr);
    fec_negotiated_ = true;
  }

  g_signal_connect_data(webrtc_.get(), "notify::ice-connection-state",
                        G_CALLBACK(+[](GstElement* webrtc, GParamSpec*, gpointer data) {
                          auto* ref = static_cast<SessionRef*>(data);
                          GstWebRTCICEConnectionState state;
                          g_object_get(webrtc, "ice-connection-state", &state, nullptr);
                          ref->engine->Post([weak = ref->session, state] {
                            if (auto self = weak.lock()) {
                              if (self->events_.on_ice_state) self->events_.on_ice_state(state);
                            }
                          });
                        }),
                        new SessionRef{weak_from_this(), engine_}, DeleteSessionRef,
                        GConnectFlags{});

  BusPtr bus(gst_element_get_bus(pipeline_.get()));
  gst_bus_add_watch_full(bus.get(), G_PRIORITY_DEFAULT, &ViewerSession::OnBusMessage,
                         new SessionRef{weak_from_this(), engine_}, DeleteSessionRefNotify);

  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return absl::InternalError("pipeline refused to start");
  }
  return absl::OkStatus();
}

void ViewerSession::WatchKeyframeRequests() {
  // webrtcbin turns the viewer's PLI/FIR into an upstream force-key-unit
  // event; with coded input it ends at the appsrc, where only the producer
  // (a shared encoder) can act on it.
  PadPtr feeder_src(gst_element_get_static_pad(appsrc_.get(), "src"));
  gst_pad_add_probe(
      feeder_src.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (event && gst_video_event_is_force_key_unit(event)) {
          auto* ref = static_cast<SessionRef*>(data);
          ref->engine->Post([weak = ref->session] {
            auto self = weak.lock();
            if (self && self->events_.on_keyframe_request) self->events_.on_keyframe_request();
          });
        }
        return GST_PAD_PROBE_OK;
      },
      new SessionRef{weak_from_this(), engine_}, DeleteSessionRefNotify);
}

ViewerSession::~ViewerSession() {
  for (GSource* source : {gather_timeout_, congestion_timer_}) {
    if (source) {
      g_source_destroy(source);
      g_source_unref(source);
    }
  }
  if (answer_done_) answer_done_(absl::CancelledError("viewer session closed"));
  encoder_.reset();  // its probes first
  if (count_probe_) {
    PadPtr payloader_sink(gst_element_get_static_pad(payloader_.get(), "sink"));
    gst_pad_remove_probe(payloader_sink.get(), count_probe_);
  }
  if (pipeline_) {
    BusPtr bus(gst_element_get_bus(pipeline_.get()));
    gst_bus_remove_watch(bus.get());
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  }
  // Members release their references; the pipeline goes last.
  transceiver_.reset();
  webrtc_.reset();
  payloader_.reset();
  appsrc_.reset();
  pipeline_.reset();
  if (ssrc_ != 0) SessionSsrcs().Release(ssrc_);
}

gboolean ViewerSession::OnBusMessage(GstBus*, GstMessage* message, gpointer data) {
  auto self = static_cast<SessionRef*>(data)->session.lock();
  if (!self) return G_SOURCE_REMOVE;
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      GError* error = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(message, &error, &debug);
      std::string text = absl::StrCat(GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), ": ",
                                      error ? error->message : "unknown error");
      spdlog::warn("pipeline error: {} ({})", text, debug ? debug : "");
      g_clear_error(&error);
      g_free(debug);
      if (self->events_.on_error) self->events_.on_error(text);
      break;
    }
    case GST_MESSAGE_EOS:
      // Only the source pipeline (SourceChain) ever ends; here it is a bug.
      if (self->events_.on_error) self->events_.on_error("sending pipeline ended (EOS)");
      break;
    case GST_MESSAGE_WARNING: {
      GError* error = nullptr;
      gst_message_parse_warning(message, &error, nullptr);
      spdlog::info("pipeline warning: {}", error ? error->message : "?");
      g_clear_error(&error);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

void ViewerSession::RequestStats(std::function<void(RtpSenderStats)> done) {
  struct Ctx {
    SessionRef ref;
    std::function<void(RtpSenderStats)> done;
  };
  GstPromise* promise = gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) {
        auto* ctx = static_cast<Ctx*>(data);
        RtpSenderStats stats;
        if (gst_promise_wait(p) == GST_PROMISE_RESULT_REPLIED) {
          stats = ReadSenderStats(gst_promise_get_reply(p));
        }
        ctx->ref.engine->Post([weak = ctx->ref.session, done = ctx->done, stats]() mutable {
          auto self = weak.lock();
          if (!self) return;
          auto& pair = stats.selected_pair;
          if (pair && pair->local_type == "relay" && pair->local_relay_protocol.empty()) {
            pair->local_relay_protocol = RelayProtocolFor(self->relays_, pair->local_relay_server);
          }
          done(stats);
        });
      },
      new Ctx{{weak_from_this(), engine_}, std::move(done)},
      [](gpointer data) { delete static_cast<Ctx*>(data); });
  g_signal_emit_by_name(webrtc_.get(), "get-stats", nullptr, promise);
  gst_promise_unref(promise);
}

}  // namespace engine
