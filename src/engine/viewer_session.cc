#include "engine/viewer_session.h"

#include <random>

#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "engine/encoder_swap.h"
#include "engine/latency_probe.h"
#include "engine/passthrough.h"
#include "engine/pipeline_description.h"
#include "engine/sdp_offer.h"

namespace engine {
namespace {

// What webrtcbin's threads get as user data: never the session itself, only
// a way to find it again on the engine thread if it still exists.
struct SessionRef {
  std::weak_ptr<ViewerSession> session;
  Engine* engine;
};
void DeleteSessionRef(gpointer data, GClosure* /*closure*/ = nullptr) {
  delete static_cast<SessionRef*>(data);
}
void DeleteSessionRefNotify(gpointer data) { delete static_cast<SessionRef*>(data); }

// A promise reply carries "error" (GError) when the operation failed.
std::string PromiseError(GstPromise* promise) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return "no reply from webrtcbin";
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (!reply) return "";
  GError* error = nullptr;
  if (gst_structure_has_field(reply, "error") &&
      gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr) && error) {
    std::string text = error->message;
    g_error_free(error);
    return text.empty() ? "webrtcbin reported an error" : text;
  }
  return "";
}

absl::StatusOr<SessionDescriptionPtr> ParseDescription(GstWebRTCSDPType type,
                                                       const std::string& text) {
  GstSDPMessage* sdp = nullptr;
  if (gst_sdp_message_new_from_text(text.c_str(), &sdp) != GST_SDP_OK || !sdp) {
    return absl::InvalidArgumentError("offer SDP could not be parsed");
  }
  return SessionDescriptionPtr(gst_webrtc_session_description_new(type, sdp));
}

}  // namespace

template <typename Fn>
void ViewerSession::PostToSelf(Fn fn) {
  engine_->Post([weak = weak_from_this(), fn = std::move(fn)]() mutable {
    if (auto self = weak.lock()) fn(self.get());
  });
}

ViewerSession::ViewerSession(Engine* engine, SessionConfig config, Events events)
    : engine_(engine), config_(std::move(config)), events_(std::move(events)) {}

absl::StatusOr<std::shared_ptr<ViewerSession>> ViewerSession::Create(Engine* engine,
                                                                     const SessionConfig& config,
                                                                     const std::string& offer_sdp,
                                                                     Events events) {
  auto offered = FindOfferedVideo(offer_sdp, config.codec);
  if (!offered.ok()) return offered.status();
  std::shared_ptr<ViewerSession> session(new ViewerSession(engine, config, std::move(events)));
  if (absl::Status s = session->Build(offered->payload_type); !s.ok()) return s;
  return session;
}

absl::Status ViewerSession::Build(int payload_type) {
  // RFC 3550: a random SSRC per source; never 0 (some stacks treat it as unset).
  std::random_device random;
  const uint32_t ssrc = std::uniform_int_distribution<uint32_t>(1, 0xffffffffu)(random);
  const PipelineTemplate* tmpl = config_.pipeline_template.get();
  const bool passthrough = config_.source_options.passthrough;
  if (passthrough) {
    encoder_traits_ = &TraitsFor(config_.codec);  // its payloader; no encoder runs
  } else if (tmpl) {
    encoder_traits_ = tmpl->encoder;
  } else {
    auto traits = EncoderFor(config_.codec, config_.encoder);
    if (!traits.ok()) return traits.status();
    encoder_traits_ = *traits;
  }
  if (!encoder_traits_) return absl::InternalError("pipeline template was not validated");
  std::string source_part;
  if (tmpl && !tmpl->source.empty()) {
    source_part = tmpl->source;
  } else if (!passthrough) {
    auto source = SourceDescription(config_.source_uri, config_.source_options);
    if (!source.ok()) return source.status();
    source_part = *source;
  }
  const std::string send =
      passthrough ? PassthroughSendPipeline(config_.codec, payload_type, ssrc,
                                            config_.quality.mtu.value_or(limits::kMaxMtu))
                  : SendPipelineAround(tmpl ? tmpl->encode
                                            : EncodeDescription(*encoder_traits_, config_.quality,
                                                                payload_type, ssrc),
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
  encoder_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "encoder"));
  appsrc_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "feeder"));
  payloader_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "payloader"));
  if (!webrtc_ || (!encoder_ && !passthrough) || !appsrc_ || !payloader_) {
    return absl::InternalError("pipeline lacks a webrtc, encoder, payloader or feeder element");
  }
  // What the session decides, set on the elements so that an operator
  // template's encode part gets it too: the offered payload type, the SSRC
  // the answer announces, the MTU and bitrate in force, and a huge own keyframe
  // distance (the session forces keyframes itself, see InstallKeyframeControl).
  g_object_set(payloader_.get(), "pt", static_cast<guint>(payload_type), "ssrc", ssrc, "mtu",
               static_cast<guint>(config_.quality.mtu.value_or(limits::kMaxMtu)), nullptr);
  if (encoder_) {
    g_object_set(encoder_.get(), encoder_traits_->bitrate_property,
                 static_cast<guint>(config_.quality.bitrate_kbps.value_or(2000) *
                                    encoder_traits_->bitrate_scale),
                 encoder_traits_->gop_property, 100000, nullptr);
  }

  // Before the encoder: the stamp is part of the picture the viewer decodes
  // (a pass-through stream has no raw picture to stamp).
  if (config_.latency_probe && !passthrough) InstallLatencyProbe(appsrc_.get());

  if (absl::Status s = ApplyIceOptions(webrtc_.get(), config_.ice); !s.ok()) return s;

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

  InstallKeyframeControl();

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

  std::weak_ptr<ViewerSession> weak = weak_from_this();
  SourceChain::Events source_events{
      [weak](const std::string& error, std::chrono::milliseconds retry_in) {
        auto self = weak.lock();
        if (!self) return;
        if (self->events_.on_source_down) {
          self->events_.on_source_down(
              absl::StrCat(error, "; restarting the source in ", retry_in.count(), " ms"));
        }
      },
      [weak] {
        auto self = weak.lock();
        if (!self) return;
        // A clean picture at once rather than deltas on the old one.
        self->ForceKeyframe();
        if (self->events_.on_source_up) self->events_.on_source_up();
      },
      [weak] {
        auto self = weak.lock();
        if (self && self->events_.on_source_loop) self->events_.on_source_loop();
      }};
  auto source = SourceChain::Start(engine_, config_.source_uri, config_.quality, appsrc_.get(),
                                   SourceChain::Options{config_.source_stall_timeout, source_part,
                                                        config_.source_options, config_.codec},
                                   source_events);
  if (!source.ok()) return source.status();
  source_ = *source;
  return absl::OkStatus();
}

void ViewerSession::InstallKeyframeControl() {
  // Pass-through: the camera decides keyframes; frames are only counted,
  // where they enter the payloader.
  if (!encoder_) {
    PadPtr payloader_sink(gst_element_get_static_pad(payloader_.get(), "sink"));
    src_probe_ = CountFramesAt(payloader_sink.get());
    return;
  }
  keyframes_->interval = config_.quality.EffectiveKeyframeInterval();
  // Into the encoder: count frames since the last keyframe came out and ask
  // for one when the interval is reached. The encoder's own distance is
  // huge (pipeline_description.cc), because x264enc cannot change
  // key-int-max while PLAYING; this works live for every codec.
  PadPtr encoder_sink(gst_element_get_static_pad(encoder_.get(), "sink"));
  keyframes_->since_keyframe = 0;
  keyframes_->requested = false;
  // The probe finds the encoder through the pad it sits on. Holding a
  // reference to the encoder instead would be a cycle (encoder -> its pad ->
  // this probe -> encoder) that kept every session's encoder alive.
  sink_probe_ = gst_pad_add_probe(
      encoder_sink.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad* pad, GstPadProbeInfo*, gpointer data) {
        KeyframeControl& k = **static_cast<std::shared_ptr<KeyframeControl>*>(data);
        uint32_t since = k.since_keyframe.fetch_add(1) + 1;
        if (since >= k.interval.load() && !k.requested.exchange(true)) {
          if (GstElement* encoder = gst_pad_get_parent_element(pad)) {
            GstPad* src = gst_element_get_static_pad(encoder, "src");
            gst_pad_send_event(
                src, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
            gst_object_unref(src);
            gst_object_unref(encoder);
          }
        }
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<KeyframeControl>(keyframes_),
      [](gpointer data) { delete static_cast<std::shared_ptr<KeyframeControl>*>(data); });

  // Out of the encoder: count frames and keyframes.
  PadPtr encoder_src(gst_element_get_static_pad(encoder_.get(), "src"));
  src_probe_ = CountFramesAt(encoder_src.get());
}

gulong ViewerSession::CountFramesAt(GstPad* pad) {
  return gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        KeyframeControl& k = **static_cast<std::shared_ptr<KeyframeControl>*>(data);
        k.frames_encoded.fetch_add(1);
        GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
        if (buffer && !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT)) {
          k.keyframes.fetch_add(1);
          k.since_keyframe = 0;
          k.requested = false;
        }
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<KeyframeControl>(keyframes_),
      [](gpointer data) { delete static_cast<std::shared_ptr<KeyframeControl>*>(data); });
}

void ViewerSession::RemoveKeyframeControl() {
  PadPtr sink(gst_element_get_static_pad(encoder_.get(), "sink"));
  PadPtr src(gst_element_get_static_pad(encoder_.get(), "src"));
  if (sink_probe_) gst_pad_remove_probe(sink.get(), sink_probe_);
  if (src_probe_) gst_pad_remove_probe(src.get(), src_probe_);
  sink_probe_ = src_probe_ = 0;
}

void ViewerSession::ScheduleEncoderRestart() {
  if (encoder_restart_pending_) return;  // the pending swap reads the latest quality
  encoder_restart_pending_ = true;
  // Block the appsrc's pad at its next buffer or event (streaming thread),
  // then swap on the engine thread while it waits. Without frames (source
  // down) the swap waits for the next one.
  PadPtr feeder_src(gst_element_get_static_pad(appsrc_.get(), "src"));
  gst_pad_add_probe(
      feeder_src.get(), GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) {
        auto* ref = static_cast<SessionRef*>(data);
        gulong id = GST_PAD_PROBE_INFO_ID(info);
        ref->engine->Post([weak = ref->session, id] {
          if (auto self = weak.lock()) self->RestartEncoder(id);
        });
        // Stays blocked until RestartEncoder removes the probe.
        return GST_PAD_PROBE_OK;
      },
      new SessionRef{weak_from_this(), engine_}, DeleteSessionRefNotify);
}

void ViewerSession::RestartEncoder(gulong block_probe) {
  if (!encoder_restart_pending_) return;  // called again for the same block
  encoder_restart_pending_ = false;
  PadPtr feeder_src(gst_element_get_static_pad(appsrc_.get(), "src"));
  RemoveKeyframeControl();
  auto fresh = ReplaceEncoder(GST_BIN(pipeline_.get()), encoder_.get(),
                              EncoderDescription(*encoder_traits_, config_.quality));
  if (fresh.ok()) {
    encoder_ = std::move(*fresh);
    InstallKeyframeControl();
    spdlog::info("encoder restarted with {}", config_.quality.ToString());
  }
  gst_pad_remove_probe(feeder_src.get(), block_probe);
  if (!fresh.ok() && events_.on_error) events_.on_error(std::string(fresh.status().message()));
}

void ViewerSession::ForceKeyframe() {
  if (!encoder_) return;
  PadPtr src(gst_element_get_static_pad(encoder_.get(), "src"));
  gst_pad_send_event(src.get(),
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

ViewerSession::~ViewerSession() {
  if (gather_timeout_) {
    g_source_destroy(gather_timeout_);
    g_source_unref(gather_timeout_);
  }
  if (answer_done_) answer_done_(absl::CancelledError("viewer session closed"));
  // The source first: nothing pushes into the appsrc any more.
  source_.reset();
  if (pipeline_) {
    BusPtr bus(gst_element_get_bus(pipeline_.get()));
    gst_bus_remove_watch(bus.get());
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  }
  // Members release their references; the pipeline goes last.
  transceiver_.reset();
  webrtc_.reset();
  encoder_.reset();
  payloader_.reset();
  appsrc_.reset();
  pipeline_.reset();
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

void ViewerSession::Answer(std::string offer_sdp, std::vector<IceCandidate> candidates,
                           AnswerCallback done) {
  answer_done_ = std::move(done);
  auto offer = ParseDescription(GST_WEBRTC_SDP_TYPE_OFFER, offer_sdp);
  if (!offer.ok()) return FinishAnswer(offer.status());

  auto* ref = new SessionRef{weak_from_this(), engine_};
  // The candidates ride along in the closure posted back from the promise.
  auto* pending = new std::vector<IceCandidate>(std::move(candidates));
  struct Ctx {
    SessionRef* ref;
    std::vector<IceCandidate>* candidates;
  };
  GstPromise* promise = gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) {
        auto* ctx = static_cast<Ctx*>(data);
        std::string error = PromiseError(p);
        ctx->ref->engine->Post(
            [weak = ctx->ref->session, error, cands = std::move(*ctx->candidates)]() mutable {
              auto self = weak.lock();
              if (!self) return;
              if (!error.empty()) {
                return self->FinishAnswer(
                    absl::InvalidArgumentError(absl::StrCat("set-remote-description: ", error)));
              }
              self->OnRemoteDescriptionSet(std::move(cands));
            });
      },
      new Ctx{ref, pending},
      [](gpointer data) {
        auto* ctx = static_cast<Ctx*>(data);
        delete ctx->ref;
        delete ctx->candidates;
        delete ctx;
      });
  g_signal_emit_by_name(webrtc_.get(), "set-remote-description", offer->get(), promise);
  gst_promise_unref(promise);
}

void ViewerSession::OnRemoteDescriptionSet(std::vector<IceCandidate> candidates) {
  spdlog::debug("remote offer set; adding {} candidates", candidates.size());
  for (const auto& c : candidates) {
    g_signal_emit_by_name(webrtc_.get(), "add-ice-candidate", c.mline_index, c.candidate.c_str());
  }
  GstPromise* promise = gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) {
        auto* ref = static_cast<SessionRef*>(data);
        std::string error = PromiseError(p);
        GstWebRTCSessionDescription* answer = nullptr;
        if (error.empty()) {
          const GstStructure* reply = gst_promise_get_reply(p);
          if (reply) {
            gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer,
                              nullptr);
          }
          if (!answer) error = "create-answer returned no answer (codec not negotiable?)";
        }
        auto owned = std::make_shared<SessionDescriptionPtr>(answer);
        ref->engine->Post([weak = ref->session, error, owned] {
          auto self = weak.lock();
          if (!self) return;
          if (!error.empty()) {
            return self->FinishAnswer(absl::InternalError(absl::StrCat("create-answer: ", error)));
          }
          self->OnAnswerCreated(owned->get());
        });
      },
      new SessionRef{weak_from_this(), engine_}, DeleteSessionRefNotify);
  g_signal_emit_by_name(webrtc_.get(), "create-answer", nullptr, promise);
  gst_promise_unref(promise);
}

void ViewerSession::OnAnswerCreated(GstWebRTCSessionDescription* answer) {
  spdlog::debug("answer created; gathering candidates");
  g_signal_emit_by_name(webrtc_.get(), "set-local-description", answer, nullptr);
  WaitForGathering();
}

void ViewerSession::WaitForGathering() {
  GstWebRTCICEGatheringState state;
  g_object_get(webrtc_.get(), "ice-gathering-state", &state, nullptr);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return FinishAnswer(std::string());

  g_signal_connect_data(webrtc_.get(), "notify::ice-gathering-state",
                        G_CALLBACK(+[](GstElement* webrtc, GParamSpec*, gpointer data) {
                          GstWebRTCICEGatheringState s;
                          g_object_get(webrtc, "ice-gathering-state", &s, nullptr);
                          if (s != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return;
                          auto* ref = static_cast<SessionRef*>(data);
                          ref->engine->Post([weak = ref->session] {
                            if (auto self = weak.lock()) self->FinishAnswer(std::string());
                          });
                        }),
                        new SessionRef{weak_from_this(), engine_}, DeleteSessionRef,
                        GConnectFlags{});

  // Bounded: answer with whatever candidates exist when the time is up.
  gather_timeout_ = g_timeout_source_new(static_cast<guint>(config_.ice_gather_timeout.count()));
  g_source_set_callback(
      gather_timeout_,
      [](gpointer data) -> gboolean {
        if (auto self = static_cast<SessionRef*>(data)->session.lock()) {
          spdlog::info("ICE gathering not complete after {} ms; answering with what we have",
                       self->config_.ice_gather_timeout.count());
          self->FinishAnswer(std::string());
        }
        return G_SOURCE_REMOVE;
      },
      new SessionRef{weak_from_this(), engine_}, DeleteSessionRefNotify);
  g_source_attach(gather_timeout_, engine_->context());
  // A race: gathering may have completed between the first check and connect.
  g_object_get(webrtc_.get(), "ice-gathering-state", &state, nullptr);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) FinishAnswer(std::string());
}

// An empty string result means "read the local description now".
void ViewerSession::FinishAnswer(absl::StatusOr<std::string> result) {
  if (!answer_done_) return;  // already answered (timeout and completion race)
  if (gather_timeout_) {
    g_source_destroy(gather_timeout_);
    g_source_unref(gather_timeout_);
    gather_timeout_ = nullptr;
  }
  if (result.ok() && result->empty()) {
    GstWebRTCSessionDescription* local = nullptr;
    g_object_get(webrtc_.get(), "local-description", &local, nullptr);
    SessionDescriptionPtr owned(local);
    if (!local) {
      result = absl::InternalError("webrtcbin has no local description");
    } else {
      GCharPtr text(gst_sdp_message_as_text(local->sdp));
      result = std::string(text.get());
    }
  }
  AnswerCallback done = std::move(answer_done_);
  answer_done_ = nullptr;
  done(std::move(result));
}

absl::Status ViewerSession::ApplyQuality(const Quality& previous, const Quality& next) {
  const CodecTraits& traits = *encoder_traits_;
  // Refuse first, apply after: a request applies whole or not at all.
  constexpr const char* kNextSession =
      " cannot change while a viewer is watching; it applies from the next viewer session "
      "(set it while no viewer watches, or stop the viewer and play again)";
  if (next.nack != previous.nack) {
    return absl::FailedPreconditionError(absl::StrCat(
        "nack", kNextSession, ": webrtcbin sets up NACK/RTX only while it negotiates"));
  }
  if (next.fec_percentage != previous.fec_percentage && !fec_negotiated_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "fec_percentage", kNextSession,
        ": this session was negotiated without FEC (ULP FEC is set up only while negotiating; a "
        "session that starts with FEC changes its percentage live)"));
  }
  if (next.bitrate_kbps != previous.bitrate_kbps) {
    g_object_set(encoder_.get(), traits.bitrate_property,
                 static_cast<guint>(*next.bitrate_kbps * traits.bitrate_scale), nullptr);
  }
  if (next.width != previous.width || next.height != previous.height ||
      next.framerate != previous.framerate) {
    // New caps in the source pipeline reach the appsrc with the next frame;
    // the encoder restarts with a keyframe: no SDP change needed.
    if (source_) source_->SetQuality(next);
  }
  if (next.EffectiveKeyframeInterval() != previous.EffectiveKeyframeInterval()) {
    keyframes_->interval = next.EffectiveKeyframeInterval();
  }
  if (next.fec_percentage != previous.fec_percentage) {
    // webrtcbin binds this to its rtpulpfecenc's percentage.
    g_object_set(transceiver_.get(), "fec-percentage", *next.fec_percentage, nullptr);
  }
  config_.quality = next;
  if (next.speed_preset != previous.speed_preset) {
    if (traits.speed_live) {
      // vpxenc hands cpu-used to libvpx at once (VP8E_SET_CPUUSED).
      g_object_set(encoder_.get(), traits.speed_property, static_cast<gint>(*next.speed_preset),
                   nullptr);
    } else {
      // x264enc/x265enc read speed-preset only when they start: a new encoder, built
      // from config_.quality when the swap happens.
      ScheduleEncoderRestart();
    }
  }
  if (next.mtu != previous.mtu) {
    // The payloader reads its mtu for every packet it cuts.
    g_object_set(payloader_.get(), "mtu", static_cast<guint>(*next.mtu), nullptr);
  }
  return absl::OkStatus();
}

SessionSettings ViewerSession::Settings() const {
  SessionSettings out;
  gboolean do_nack = FALSE;
  guint fec = 0;
  g_object_get(transceiver_.get(), "do-nack", &do_nack, "fec-percentage", &fec, nullptr);
  out.do_nack = do_nack;
  out.fec_percentage = fec;
  // x264enc's speed-preset is an enum: its value reads into an int.
  if (encoder_ && *encoder_traits_->speed_property) {
    g_object_get(encoder_.get(), encoder_traits_->speed_property, &out.speed, nullptr);
  }
  guint mtu = 0;
  g_object_get(payloader_.get(), "mtu", &mtu, nullptr);
  out.mtu = mtu;
  if (auto ice = ReadIceAgentSettings(webrtc_.get()); ice.ok()) out.ice = *ice;
  return out;
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
        ctx->ref.engine->Post([weak = ctx->ref.session, done = ctx->done, stats] {
          if (weak.lock()) done(stats);
        });
      },
      new Ctx{{weak_from_this(), engine_}, std::move(done)},
      [](gpointer data) { delete static_cast<Ctx*>(data); });
  g_signal_emit_by_name(webrtc_.get(), "get-stats", nullptr, promise);
  gst_promise_unref(promise);
}

}  // namespace engine
