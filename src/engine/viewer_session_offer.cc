// The offerer half of a ViewerSession (a WHIP publish): the session makes a
// sendonly offer from its payloader's caps, waits until ICE gathering is
// complete (WHIP without trickle: one POST carries every candidate) and later
// takes the SFU's answer.
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "engine/viewer_session.h"
#include "engine/webrtc_promise.h"

namespace engine {
namespace {
void DeleteSessionRefNotify(gpointer data) { delete static_cast<SessionRef*>(data); }
}  // namespace

absl::StatusOr<std::shared_ptr<ViewerSession>> ViewerSession::CreateOfferer(
    Engine* engine, const SessionConfig& config, Events events) {
  // What an answerer reads from the viewer's offer, an offerer decides: the
  // payload type, and transport-wide congestion control offered so that an
  // SFU that supports it (Janus does) drives this session's rate.
  OfferedVideo offered;
  offered.payload_type = kOffererPayloadType;
  offered.twcc_extension_id = kOffererTwccExtensionId;
  offered.transport_cc = true;
  std::shared_ptr<ViewerSession> session(new ViewerSession(engine, config, std::move(events)));
  if (absl::Status s = session->Build(offered); !s.ok()) return s;
  if (absl::Status s = EnableKeepaliveChecks(session->webrtc_.get()); !s.ok()) return s;
  // The SFU's RTCP ceasing is how a vanished SFU is noticed in seconds
  // (Feed::EndPublishersWithoutRtcp); the keepalives above are the fallback.
  if (absl::Status s = session->rtcp_watch_.Attach(session->webrtc_.get()); !s.ok()) return s;
  return session;
}

void ViewerSession::MakeOffer(AnswerCallback done) {
  answer_done_ = std::move(done);
  GstPromise* promise = gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) {
        auto* ref = static_cast<SessionRef*>(data);
        std::string error = PromiseError(p);
        GstWebRTCSessionDescription* offer = nullptr;
        if (error.empty()) {
          const GstStructure* reply = gst_promise_get_reply(p);
          if (reply) {
            gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
          }
          if (!offer) error = "create-offer returned no offer";
        }
        auto owned = std::make_shared<SessionDescriptionPtr>(offer);
        ref->engine->Post([weak = ref->session, error, owned] {
          auto self = weak.lock();
          if (!self) return;
          if (!error.empty()) {
            return self->FinishAnswer(absl::InternalError(absl::StrCat("create-offer: ", error)));
          }
          self->OnOfferCreated(owned->get());
        });
      },
      new SessionRef{weak_from_this(), engine_}, DeleteSessionRefNotify);
  g_signal_emit_by_name(webrtc_.get(), "create-offer", nullptr, promise);
  gst_promise_unref(promise);
}

void ViewerSession::OnOfferCreated(GstWebRTCSessionDescription* offer) {
  spdlog::debug("offer created; gathering candidates");
  g_signal_emit_by_name(webrtc_.get(), "set-local-description", offer, nullptr);
  // The same bounded wait as an answer: the local description with every
  // candidate gathered so far goes out through FinishAnswer.
  WaitForGathering();
}

void ViewerSession::TakeAnswer(const std::string& answer_sdp,
                               std::function<void(absl::Status)> done) {
  auto answer = ParseDescription(GST_WEBRTC_SDP_TYPE_ANSWER, answer_sdp);
  if (!answer.ok()) return done(answer.status());
  struct Ctx {
    SessionRef ref;
    std::function<void(absl::Status)> done;
  };
  GstPromise* promise = gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) {
        auto* ctx = static_cast<Ctx*>(data);
        std::string error = PromiseError(p);
        ctx->ref.engine->Post([weak = ctx->ref.session, done = ctx->done, error] {
          if (!weak.lock()) return done(absl::CancelledError("publish session closed"));
          done(error.empty() ? absl::OkStatus()
                             : absl::InvalidArgumentError(
                                   absl::StrCat("set-remote-description (answer): ", error)));
        });
      },
      new Ctx{{weak_from_this(), engine_}, std::move(done)},
      [](gpointer data) { delete static_cast<Ctx*>(data); });
  g_signal_emit_by_name(webrtc_.get(), "set-remote-description", answer->get(), promise);
  gst_promise_unref(promise);
}

}  // namespace engine
