// One viewer: a sending pipeline from an appsrc to webrtcbin, built when the
// viewer's offer arrives and set to NULL and freed when it is destroyed. The
// feed owns the source (and a shared encoder, if any) and hands frames to
// the session's appsrc (`feeder()`) through a FrameFanout:
//  - raw input: the session runs its own encoder, at its own size, framerate
//    and bitrate (engine/encoder_control.h), so each viewer gets its own rate;
//  - coded input: a camera's own stream (pass-through) or the stream's
//    shared encoder; the session only payloads it.
// Lives on the engine thread only; webrtcbin's callbacks are re-posted there.
// The offer/answer exchange is in viewer_session_answer.cc, live controls in
// viewer_session_controls.cc.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/encoder_control.h"
#include "engine/engine.h"
#include "engine/gst_ptr.h"
#include "engine/ice_options.h"
#include "engine/peer_rtcp_watch.h"
#include "engine/pipeline_template.h"
#include "engine/quality.h"
#include "engine/rate_estimator.h"
#include "engine/sdp_offer.h"
#include "engine/viewer_ladder.h"
#include "engine/webrtc_stats.h"

namespace engine {

struct IceCandidate {
  std::string candidate;
  unsigned mline_index = 0;
};

enum class SessionInput {
  kRaw,    // decoded frames: the session encodes them itself
  kCoded,  // coded frames (pass-through or a shared encoder): payload only
};

struct SessionConfig {
  Codec codec = Codec::kH264;
  // The quality this session starts with (complete); with raw input its
  // size, framerate and bitrate are the session's own.
  Quality quality;
  std::chrono::milliseconds ice_gather_timeout{2000};
  IceOptions ice;
  // Stamp the wall clock into every picture (engine/latency_probe.h).
  bool latency_probe = false;
  // Packets leave at this multiple of the target (engine/pacer.h); 0: as
  // they come.
  double pacing_factor = 2.5;
  // The codec's encoder by API name ("" = its default); ignored with a
  // template, whose encode part brings its own.
  std::string encoder;
  std::shared_ptr<const PipelineTemplate> pipeline_template;  // validated
  SessionInput input = SessionInput::kRaw;
  // With coded input: the caps of the frames that arrive.
  std::string coded_caps;
  // The viewer's session id ("" = the feed's default session), for log lines.
  std::string session_id;
};

// What the session's elements hold now, read back from GStreamer (not from
// the requested quality): proof that a change took effect.
struct SessionSettings {
  bool do_nack = false;         // the transceiver's do-nack
  int speed = 0;                // encoder speed-preset / cpu-used
  uint32_t mtu = 0;             // payloader mtu
  uint32_t fec_percentage = 0;  // the transceiver's fec-percentage
  IceAgentSettings ice;         // the live NiceAgent's (upnp, ice-tcp)
};

// The session's pacer now (engine/pacer_element.h); zeros without one.
struct PacerFigures {
  int64_t queue_delay_us = 0;   // the oldest queued packet's wait
  int64_t pacing_rate_bps = 0;  // 0: pacing off
  uint64_t packets_delayed = 0;
};

// Congestion control of one viewer (only when the viewer negotiated
// transport-wide congestion control).
struct SessionCongestion {
  bool adaptive = false;  // the target drives this viewer's encoder
  RateEstimate estimate;
  std::chrono::system_clock::time_point changed_at;  // of estimate.target_bps
  uint64_t feedback_events = 0;                      // RTPTWCCPackets received
  PacerFigures pacer;
  // Why the picture in force is what it is: "" the operator's, "bandwidth"
  // stepped down by the degradation ladder; when it last changed so (zero:
  // never).
  std::string quality_reason;
  std::chrono::system_clock::time_point quality_changed_at{};
};

class ViewerSession : public std::enable_shared_from_this<ViewerSession> {
 public:
  // Called on the engine thread.
  struct Events {
    std::function<void(GstWebRTCICEConnectionState)> on_ice_state;
    std::function<void(std::string error)> on_error;  // the session is unusable
    // Coded input: the viewer asked for a keyframe (PLI/FIR) that only the
    // producer of the frames can make.
    std::function<void()> on_keyframe_request;
  };
  using AnswerCallback = std::function<void(absl::StatusOr<std::string>)>;

  // Parses the offer, builds the pipeline for the offered payload type and
  // starts it. INVALID_ARGUMENT for an unusable offer, INTERNAL if GStreamer
  // cannot build or start the pipeline.
  static absl::StatusOr<std::shared_ptr<ViewerSession>> Create(Engine* engine,
                                                               const SessionConfig& config,
                                                               const std::string& offer_sdp,
                                                               Events events);
  // Offerer mode (a WHIP publish, engine/whip_offer.h): the session makes
  // the offer itself (sendonly, kOffererPayloadType, transport-wide
  // congestion control offered) and takes the remote answer.
  static absl::StatusOr<std::shared_ptr<ViewerSession>> CreateOfferer(Engine* engine,
                                                                      const SessionConfig& config,
                                                                      Events events);
  ~ViewerSession();  // pipeline to NULL, everything released

  // Where the feed pushes frames (raw or coded, as configured).
  GstElement* feeder() const { return appsrc_.get(); }

  // Sets the remote offer, adds candidates, creates and sets the answer, waits
  // for ICE gathering (bounded) and hands over the answer with candidates.
  void Answer(std::string offer_sdp, std::vector<IceCandidate> candidates, AnswerCallback done);
  // Offerer mode (viewer_session_offer.cc): creates and sets the offer, waits
  // for ICE gathering to complete (bounded by ice_gather_timeout; no trickle)
  // and hands over the offer with every candidate.
  void MakeOffer(AnswerCallback done);
  // Offerer mode: sets the remote answer. INVALID_ARGUMENT when it cannot be
  // parsed or webrtcbin refuses it.
  void TakeAnswer(const std::string& answer_sdp, std::function<void(absl::Status)> done);

  // Applies a complete quality live; `previous` tells what changed. A change
  // that cannot apply to a running session (NACK, FEC on a session negotiated
  // without it) is FAILED_PRECONDITION and nothing of the request is applied.
  absl::Status ApplyQuality(const Quality& previous, const Quality& next);
  // The refusals of ApplyQuality without applying anything.
  absl::Status CheckQuality(const Quality& previous, const Quality& next) const;
  // The operator's quality for this session (adaptive: its bounds).
  const Quality& quality() const { return config_.quality; }
  // `next` with the bitrate congestion control holds now and the degradation
  // ladder's size and framerate (adaptive, own encoder), else `next` itself:
  // what the encoder runs at.
  Quality InForce(const Quality& next) const;
  // Nothing without transport-wide congestion control.
  std::optional<SessionCongestion> congestion() const;
  SessionSettings Settings() const;
  void RequestStats(std::function<void(RtpSenderStats)> done);
  // Raw input: asks the session's encoder for a keyframe.
  void ForceKeyframe();
  uint64_t frames_encoded() const { return counters_->frames.load(); }
  uint64_t keyframes_encoded() const { return counters_->keyframes.load(); }
  // Why this session may not connect, found while answering ("" = nothing
  // seen): e.g. a TURN server that gave no relayed candidate.
  const std::string& ice_problem() const { return ice_problem_; }
  // Offerer: when the peer (the SFU) last sent RTCP; nullopt until it has
  // (and always for an answerer, whose viewer's director reports its end).
  std::optional<std::chrono::steady_clock::time_point> last_peer_rtcp() const {
    return rtcp_watch_.last();
  }

 private:
  ViewerSession(Engine* engine, SessionConfig config, Events events);
  absl::Status Build(const OfferedVideo& offered);
  // viewer_session_congestion.cc
  absl::Status EnableTransportCc(const OfferedVideo& offered);
  void OnCongestionFeedback(std::vector<PacketReport> packets, int64_t now_us);
  void OnCongestionTimer();
  bool adaptive() const;
  void ApplyTarget();
  void UpdateCongestionBounds(const Quality& next);
  // viewer_session_pacer.cc
  void AttachPacer();
  int64_t PacingTargetBps() const;
  void UpdatePacer();            // the pacer follows PacingTargetBps()
  double PacerPushback() const;  // the encoder target's share the pacer queue leaves
  PacerFigures pacer_figures() const;
  void WatchKeyframeRequests();
  void OnRemoteDescriptionSet(std::vector<IceCandidate> candidates);
  void OnAnswerCreated(GstWebRTCSessionDescription* answer);
  void WaitForGathering();
  void FinishAnswer(absl::StatusOr<std::string> result);
  void OnOfferCreated(GstWebRTCSessionDescription* offer);
  void NoteMissingRelays(const std::string& answer_sdp);
  static gboolean OnBusMessage(GstBus* bus, GstMessage* message, gpointer data);

  Engine* engine_;
  SessionConfig config_;
  Events events_;
  ElementPtr pipeline_;
  ElementPtr webrtc_;
  ElementPtr payloader_;
  ElementPtr appsrc_;
  std::shared_ptr<EncoderControl> encoder_;  // raw input only
  // ULP FEC exists only if fec-type was set before negotiation.
  bool fec_negotiated_ = false;
  gulong count_probe_ = 0;  // coded input: frames counted into the payloader
  TransceiverPtr transceiver_;
  AnswerCallback answer_done_;
  GSource* gather_timeout_ = nullptr;
  std::shared_ptr<FrameCounters> counters_;
  // Congestion control: the estimator exists when the viewer negotiated
  // transport-wide feedback; in_force_ is what the own encoder runs at.
  std::unique_ptr<RateEstimator> rate_;
  // The degradation ladder: with the estimator and an own encoder; acts
  // while adaptive() (off: the operator's picture, as without it).
  std::unique_ptr<ViewerLadder> ladder_;
  Quality in_force_;
  // The SSRC the payloader sends with, from SessionSsrcs() (engine/ssrc_pool.h
  // says why it is not simply random); 0 until Build.
  uint32_t ssrc_ = 0;
  std::chrono::system_clock::time_point congestion_changed_at_;
  uint64_t feedback_events_ = 0;
  // Ticks the estimator (RateEstimator::OnTimer: feedback timeout).
  GSource* congestion_timer_ = nullptr;
  uint64_t frames_at_last_tick_ = 0;
  ElementPtr pacer_;               // gwapacer between pay_capsfilter and webrtcbin
  int64_t pacer_target_bps_ = -1;  // last set on it
  // The TURN servers handed to webrtcbin: relay protocol of the selected pair.
  std::vector<RelayEndpoint> relays_;
  std::string ice_problem_;
  PeerRtcpWatch rtcp_watch_;  // offerer only
};

// What webrtcbin's threads get as user data: never the session itself, only
// a way to find it again on the engine thread if it still exists.
// The payload type an offerer session gives its codec (dynamic range).
inline constexpr int kOffererPayloadType = 96;
// The header extension id it offers for transport-wide sequence numbers.
inline constexpr int kOffererTwccExtensionId = 1;

struct SessionRef {
  std::weak_ptr<ViewerSession> session;
  Engine* engine;
};

}  // namespace engine
