// Live controls of a ViewerSession: quality changes while the viewer watches,
// keyframes on request, and the settings read back from the elements.
#include "absl/strings/str_cat.h"
#include "engine/viewer_session.h"

namespace engine {

absl::Status ViewerSession::CheckQuality(const Quality& previous, const Quality& next) const {
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
  return absl::OkStatus();
}

absl::Status ViewerSession::ApplyQuality(const Quality& previous, const Quality& next) {
  // Refuse first, apply after: a request applies whole or not at all.
  if (absl::Status s = CheckQuality(previous, next); !s.ok()) return s;
  // Bitrate, size, framerate, keyframe interval and speed belong to the
  // session's own encoder; with coded input the producer has them.
  // With congestion control the bounds move first, so the encoder gets the
  // target inside the new ones.
  UpdateCongestionBounds(next);
  if (encoder_) {
    const Quality in_force = InForce(next);
    encoder_->Apply(in_force_, in_force);
    in_force_ = in_force;
  }
  UpdatePacer();
  if (next.fec_percentage != previous.fec_percentage) {
    // webrtcbin binds this to its rtpulpfecenc's percentage.
    g_object_set(transceiver_.get(), "fec-percentage", *next.fec_percentage, nullptr);
  }
  if (next.mtu != previous.mtu) {
    // The payloader reads its mtu for every packet it cuts.
    g_object_set(payloader_.get(), "mtu", static_cast<guint>(*next.mtu), nullptr);
  }
  config_.quality = next;
  // adaptive may have been switched: the encoder's burst limit follows it.
  if (encoder_) encoder_->LimitBursts(adaptive());
  return absl::OkStatus();
}

void ViewerSession::ForceKeyframe() {
  if (encoder_) encoder_->ForceKeyframe();
}

SessionSettings ViewerSession::Settings() const {
  SessionSettings out;
  gboolean do_nack = FALSE;
  guint fec = 0;
  g_object_get(transceiver_.get(), "do-nack", &do_nack, "fec-percentage", &fec, nullptr);
  out.do_nack = do_nack;
  out.fec_percentage = fec;
  if (encoder_) out.speed = encoder_->speed();
  guint mtu = 0;
  g_object_get(payloader_.get(), "mtu", &mtu, nullptr);
  out.mtu = mtu;
  if (auto ice = ReadIceAgentSettings(webrtc_.get()); ice.ok()) out.ice = *ice;
  return out;
}

}  // namespace engine
