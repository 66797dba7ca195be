// The offer/answer half of a ViewerSession: the viewer's offer in, the
// complete answer (with its candidates) out.
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "engine/play_steps.h"
#include "engine/viewer_session.h"
#include "engine/webrtc_promise.h"

namespace engine {
namespace {

void DeleteSessionRef(gpointer data, GClosure* /*closure*/) {
  delete static_cast<SessionRef*>(data);
}
void DeleteSessionRefNotify(gpointer data) { delete static_cast<SessionRef*>(data); }

}  // namespace

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
    return absl::InvalidArgumentError(absl::StrCat(
        type == GST_WEBRTC_SDP_TYPE_ANSWER ? "answer" : "offer", " SDP could not be parsed"));
  }
  return SessionDescriptionPtr(gst_webrtc_session_description_new(type, sdp));
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
  StampPlayStep(config_.session_id, "remote_offer_set");
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
  StampPlayStep(config_.session_id, "answer_created");
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

// TURN servers that produced no relayed candidate by answer time: wrong
// credentials, an unreachable server or a slow one. Named by URL (never the
// credential) so an operator knows which server to look at.
void ViewerSession::NoteMissingRelays(const std::string& answer_sdp) {
  if (relays_.empty() || answer_sdp.find(" typ relay") != std::string::npos) return;
  std::string urls;
  for (const RelayEndpoint& relay : relays_) {
    absl::StrAppend(&urls, urls.empty() ? "" : ", ", "'", relay.url, "'");
  }
  ice_problem_ = absl::StrCat("no relayed candidate from TURN server ", urls,
                              " (wrong credentials, or not reachable within the gather timeout)");
  spdlog::warn("{}", ice_problem_);
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
      NoteMissingRelays(*result);
    }
  }
  StampPlayStep(config_.session_id, "gathering_done");
  AnswerCallback done = std::move(answer_done_);
  answer_done_ = nullptr;
  done(std::move(result));
}

}  // namespace engine
