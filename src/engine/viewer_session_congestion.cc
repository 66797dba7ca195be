// Congestion control of a ViewerSession (issue 13), the GStreamer side of
// engine/rate_estimator.h:
//  - negotiation: when the viewer offers the transport-wide sequence number
//    header extension, the payloader writes it (rtphdrexttwcc under the
//    offer's id) and the payloader's caps carry extmap-<id> and
//    rtcp-fb-transport-cc, which webrtcbin turns into the answer's a=extmap
//    and a=rtcp-fb lines; the viewer then sends TWCC feedback;
//  - feedback: webrtcbin's rtpsession parses it into an upstream
//    "RTPTWCCPackets" event, which reaches the element this session hands
//    webrtcbin from `request-aux-sender` (an identity: only its pad probe
//    matters); the probe turns the event into PacketReports and posts them
//    to the engine thread;
//  - control: the estimator's target becomes the encoder's bitrate (own
//    encoder, `adaptive` on), inside the operator's bounds, and picks the
//    encoder's size and framerate on the degradation ladder
//    (engine/viewer_ladder.h), applied live like SetQuality's.
#include <gst/rtp/rtp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "engine/viewer_session.h"

namespace engine {
namespace {

constexpr char kFeedbackEvent[] = "RTPTWCCPackets";
// How often the estimator is ticked without feedback: a quarter of its
// feedback timeout, so a silence is acted on at most 250 ms late.
constexpr guint kTimerIntervalMs = 250;

// rtpsession stamps sent packets with the system clock (monotonic): the
// round-trip time needs "now" on the same clock.
int64_t SystemClockUs() {
  GstClock* clock = gst_system_clock_obtain();
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  return static_cast<int64_t>(now / 1000);
}

// The event's "packets": a GValueArray (a deprecated type, but what
// rtpsession sends) of one structure per packet.
std::vector<const GstStructure*> PacketStructures(const GstStructure* event) {
  std::vector<const GstStructure*> out;
  const GValue* packets = gst_structure_get_value(event, "packets");
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (packets && G_VALUE_HOLDS(packets, g_value_array_get_type())) {
    if (auto* array = static_cast<GValueArray*>(g_value_get_boxed(packets))) {
      for (guint i = 0; i < array->n_values; ++i) {
        const GValue* value = g_value_array_get_nth(array, i);
        if (GST_VALUE_HOLDS_STRUCTURE(value)) out.push_back(gst_value_get_structure(value));
      }
    }
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  return out;
}

std::vector<PacketReport> ReadFeedback(const GstStructure* event) {
  std::vector<PacketReport> out;
  for (const GstStructure* packet : PacketStructures(event)) {
    GstClockTime local = GST_CLOCK_TIME_NONE, remote = GST_CLOCK_TIME_NONE;
    guint size = 0;
    gboolean lost = FALSE;
    if (!gst_structure_get_clock_time(packet, "local-ts", &local) ||
        !GST_CLOCK_TIME_IS_VALID(local) || !gst_structure_get_uint(packet, "size", &size)) {
      continue;  // no send time: nothing to learn
    }
    gst_structure_get_boolean(packet, "lost", &lost);
    if (!lost && (!gst_structure_get_clock_time(packet, "remote-ts", &remote) ||
                  !GST_CLOCK_TIME_IS_VALID(remote))) {
      continue;
    }
    PacketReport report;
    report.send_us = static_cast<int64_t>(local / 1000);
    report.arrival_us = lost ? 0 : static_cast<int64_t>(remote / 1000);
    report.size = size;
    report.lost = lost;
    out.push_back(report);
  }
  return out;
}

RateBounds BoundsOf(const Quality& quality) {
  const int64_t ceiling = static_cast<int64_t>(quality.CeilingKbps()) * 1000;
  const int64_t floor = static_cast<int64_t>(quality.min_bitrate_kbps.value_or(150)) * 1000;
  return RateBounds{std::min(floor, ceiling), ceiling};
}

}  // namespace

absl::Status ViewerSession::EnableTransportCc(const OfferedVideo& offered) {
  GstRTPHeaderExtension* extension = gst_rtp_header_extension_create_from_uri(kTwccExtensionUri);
  if (!extension) return absl::InternalError("no rtphdrexttwcc (gst-plugins-good rtpmanager)");
  gst_rtp_header_extension_set_id(extension, static_cast<guint>(offered.twcc_extension_id));
  g_signal_emit_by_name(payloader_.get(), "add-extension", extension);
  gst_object_unref(extension);

  ElementPtr capsfilter(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "pay_capsfilter"));
  if (!capsfilter) return absl::InternalError("pipeline lacks pay_capsfilter");
  GstCaps* current = nullptr;
  g_object_get(capsfilter.get(), "caps", &current, nullptr);
  CapsPtr caps(gst_caps_make_writable(current));
  GstStructure* s = gst_caps_get_structure(caps.get(), 0);
  gst_structure_set(s, absl::StrCat("extmap-", offered.twcc_extension_id).c_str(), G_TYPE_STRING,
                    kTwccExtensionUri, nullptr);
  if (offered.transport_cc) {
    gst_structure_set(s, "rtcp-fb-transport-cc", G_TYPE_BOOLEAN, TRUE, nullptr);
  }
  g_object_set(capsfilter.get(), "caps", caps.get(), nullptr);

  g_signal_connect_data(
      webrtc_.get(), "request-aux-sender",
      G_CALLBACK(+[](GstElement*, GstWebRTCDTLSTransport*, gpointer data) -> GstElement* {
        auto* ref = static_cast<SessionRef*>(data);
        GstElement* tap = gst_element_factory_make("identity", nullptr);
        if (!tap) return nullptr;
        PadPtr src(gst_element_get_static_pad(tap, "src"));
        gst_pad_add_probe(
            src.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
            [](GstPad*, GstPadProbeInfo* info, gpointer data) {
              GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
              const GstStructure* s = event ? gst_event_get_structure(event) : nullptr;
              if (s && gst_structure_has_name(s, kFeedbackEvent)) {
                auto* ref = static_cast<SessionRef*>(data);
                ref->engine->Post([weak = ref->session, packets = ReadFeedback(s),
                                   now = SystemClockUs()]() mutable {
                  if (auto self = weak.lock()) self->OnCongestionFeedback(std::move(packets), now);
                });
              }
              return GST_PAD_PROBE_OK;
            },
            new SessionRef{ref->session, ref->engine},
            [](gpointer data) { delete static_cast<SessionRef*>(data); });
        return tap;
      }),
      new SessionRef{weak_from_this(), engine_},
      [](gpointer data, GClosure*) { delete static_cast<SessionRef*>(data); }, GConnectFlags{});

  rate_ = std::make_unique<RateEstimator>(
      BoundsOf(config_.quality), static_cast<int64_t>(config_.quality.CeilingKbps()) * 1000);
  // Only an own encoder can change the picture per viewer (shared encode
  // and pass-through sessions have coded input: no ladder).
  if (encoder_) ladder_ = std::make_unique<ViewerLadder>(config_.quality);
  congestion_changed_at_ = std::chrono::system_clock::now();

  // Feedback that stops is news too: the estimator is ticked between
  // feedback events so that it can notice the silence.
  congestion_timer_ = g_timeout_source_new(kTimerIntervalMs);
  g_source_set_callback(
      congestion_timer_,
      [](gpointer data) -> gboolean {
        if (auto self = static_cast<SessionRef*>(data)->session.lock()) self->OnCongestionTimer();
        return G_SOURCE_CONTINUE;
      },
      new SessionRef{weak_from_this(), engine_},
      [](gpointer data) { delete static_cast<SessionRef*>(data); });
  g_source_attach(congestion_timer_, engine_->context());
  return absl::OkStatus();
}

void ViewerSession::OnCongestionTimer() {
  if (!rate_) return;
  const int64_t changed_before = rate_->estimate().changed_at_us;
  const uint64_t frames = counters_ ? counters_->frames.load() : 0;
  const bool sending = frames != frames_at_last_tick_;
  frames_at_last_tick_ = frames;
  const RateEstimate& estimate = rate_->OnTimer(SystemClockUs(), sending);
  if (estimate.changed_at_us != changed_before) {
    congestion_changed_at_ = std::chrono::system_clock::now();
    ApplyTarget();
  }
}

void ViewerSession::OnCongestionFeedback(std::vector<PacketReport> packets, int64_t now_us) {
  if (!rate_ || packets.empty()) return;
  ++feedback_events_;
  const int64_t changed_before = rate_->estimate().changed_at_us;
  const RateEstimate& estimate = rate_->OnFeedback(std::move(packets), now_us);
  if (estimate.changed_at_us != changed_before) {
    congestion_changed_at_ = std::chrono::system_clock::now();
  }
  ApplyTarget();
}

bool ViewerSession::adaptive() const {
  return rate_ && encoder_ && config_.quality.adaptive.value_or(false);
}

void ViewerSession::ApplyTarget() {
  UpdatePacer();
  if (encoder_) encoder_->LimitBursts(adaptive());
  if (!adaptive()) return;
  // The pacer's queue is congestion too (viewer_session_pacer.cc).
  const uint32_t target_kbps =
      std::max<uint32_t>(limits::kMinBitrateKbps,
                         static_cast<uint32_t>(static_cast<double>(rate_->estimate().target_bps) /
                                               1000 * PacerPushback()));
  // The ladder judges the estimator's target itself: the pacer's pushback
  // is a passing queue, not the link.
  const bool resized =
      ladder_ && ladder_->Update(rate_->estimate().target_bps, rate_->estimate().acked_bps,
                                 SystemClockUs(), std::chrono::system_clock::now());
  const uint32_t applied = in_force_.bitrate_kbps.value_or(0);
  // Every feedback moves the target a little; the encoder is told when it
  // moved by 3 % (x264enc reconfigures on each change).
  if (!resized && applied != 0 &&
      std::abs(static_cast<int64_t>(target_kbps) - applied) * 100 < 3 * applied) {
    return;
  }
  Quality next = ladder_ ? ladder_->Over(in_force_) : in_force_;
  next.bitrate_kbps = target_kbps;
  if (resized) {
    spdlog::info("viewer picture {}x{}@{} at {} kbps ({})", *next.width, *next.height,
                 *next.framerate, target_kbps,
                 *ladder_->reason() ? ladder_->reason() : "the operator's");
  }
  encoder_->Apply(in_force_, next);
  in_force_ = next;
}

std::optional<SessionCongestion> ViewerSession::congestion() const {
  if (!rate_) return std::nullopt;
  SessionCongestion out;
  out.adaptive = adaptive();
  out.estimate = rate_->estimate();
  out.changed_at = congestion_changed_at_;
  out.feedback_events = feedback_events_;
  out.pacer = pacer_figures();
  if (ladder_ && adaptive()) out.quality_reason = ladder_->reason();
  if (ladder_) out.quality_changed_at = ladder_->changed_at();
  return out;
}

Quality ViewerSession::InForce(const Quality& next) const {
  Quality out = next;
  if (rate_ && encoder_ && next.adaptive.value_or(false)) {
    if (ladder_) out = ladder_->Over(out);
    out.bitrate_kbps = std::max<uint32_t>(
        limits::kMinBitrateKbps, static_cast<uint32_t>(rate_->estimate().target_bps / 1000));
  }
  return out;
}

void ViewerSession::UpdateCongestionBounds(const Quality& next) {
  if (!rate_) return;
  // A new operator picture or preference restarts the ladder at its top.
  if (ladder_) ladder_->SetOperatorQuality(next, std::chrono::system_clock::now());
  const RateBounds bounds = BoundsOf(next);
  const RateBounds& old = rate_->bounds();
  if (bounds.min_bps == old.min_bps && bounds.max_bps == old.max_bps) return;
  rate_->SetBounds(bounds, SystemClockUs());
  congestion_changed_at_ = std::chrono::system_clock::now();
}

}  // namespace engine
