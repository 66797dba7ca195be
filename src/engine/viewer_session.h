// One viewer: a pipeline from the source to webrtcbin, built when the viewer's
// offer arrives and set to NULL and freed when it is destroyed. Lives on the
// engine thread only; webrtcbin's callbacks are re-posted there.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/gst_ptr.h"
#include "engine/ice_options.h"
#include "engine/pipeline_template.h"
#include "engine/quality.h"
#include "engine/source_chain.h"
#include "engine/webrtc_stats.h"

namespace engine {

struct IceCandidate {
  std::string candidate;
  unsigned mline_index = 0;
};

struct SessionConfig {
  std::string source_uri;
  Codec codec = Codec::kH264;
  Quality quality;  // complete
  std::chrono::milliseconds ice_gather_timeout{2000};
  IceOptions ice;
  // Stamp the wall clock into every picture (engine/latency_probe.h).
  bool latency_probe = false;
  // A running source that delivers no frame for this long is restarted.
  std::chrono::milliseconds source_stall_timeout{5000};
  // The codec's encoder by API name ("" = its default); ignored with a
  // template, whose encode part brings its own.
  std::string encoder;
  std::shared_ptr<const PipelineTemplate> pipeline_template;  // validated
  SourceOptions source_options;
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

class ViewerSession : public std::enable_shared_from_this<ViewerSession> {
 public:
  // Called on the engine thread.
  struct Events {
    std::function<void(GstWebRTCICEConnectionState)> on_ice_state;
    std::function<void(std::string error)> on_error;  // the session is unusable
    // The source failed and is being restarted; the session stays up.
    std::function<void(std::string error)> on_source_down;
    std::function<void()> on_source_up;    // frames flow again after a failure
    std::function<void()> on_source_loop;  // a looping file went back to its start
  };
  using AnswerCallback = std::function<void(absl::StatusOr<std::string>)>;

  // Parses the offer, builds the pipeline for the offered payload type and
  // starts it. INVALID_ARGUMENT for an unusable offer, INTERNAL if GStreamer
  // cannot build or start the pipeline.
  static absl::StatusOr<std::shared_ptr<ViewerSession>> Create(Engine* engine,
                                                               const SessionConfig& config,
                                                               const std::string& offer_sdp,
                                                               Events events);
  ~ViewerSession();  // pipeline to NULL, everything released

  // Sets the remote offer, adds candidates, creates and sets the answer, waits
  // for ICE gathering (bounded) and hands over the answer with candidates.
  void Answer(std::string offer_sdp, std::vector<IceCandidate> candidates, AnswerCallback done);

  // Applies a complete quality live; `previous` tells what changed. A change
  // that cannot apply to a running session (NACK, FEC on a session negotiated
  // without it) is FAILED_PRECONDITION and nothing of the request is applied.
  // An x264 speed-preset change replaces the encoder at the next frame
  // (encoder_swap.h).
  absl::Status ApplyQuality(const Quality& previous, const Quality& next);
  SessionSettings Settings() const;
  void RequestStats(std::function<void(RtpSenderStats)> done);
  // Asks the encoder for a keyframe (GstForceKeyUnit upstream of it).
  void ForceKeyframe();
  uint64_t frames_encoded() const { return keyframes_->frames_encoded.load(); }
  uint64_t keyframes_encoded() const { return keyframes_->keyframes.load(); }
  uint32_t source_restarts() const { return source_ ? source_->restarts() : 0; }
  uint32_t source_loops() const { return source_ ? source_->loops() : 0; }

  // Shared with the encoder pad probes (streaming threads): counts frames and
  // keyframes and asks for a keyframe once `interval` frames went without.
  struct KeyframeControl {
    std::atomic<uint64_t> frames_encoded{0};
    std::atomic<uint64_t> keyframes{0};
    std::atomic<uint32_t> interval{60};
    std::atomic<uint32_t> since_keyframe{0};  // frames into the encoder since one came out
    std::atomic<bool> requested{false};       // a forced keyframe is on its way
  };

 private:
  ViewerSession(Engine* engine, SessionConfig config, Events events);
  absl::Status Build(int payload_type);
  void InstallKeyframeControl();
  void RemoveKeyframeControl();
  // Counts frames and keyframes passing `pad` (coded frames); returns the probe.
  gulong CountFramesAt(GstPad* pad);
  void ScheduleEncoderRestart();
  void RestartEncoder(gulong block_probe);
  void OnRemoteDescriptionSet(std::vector<IceCandidate> candidates);
  void OnAnswerCreated(GstWebRTCSessionDescription* answer);
  void WaitForGathering();
  void FinishAnswer(absl::StatusOr<std::string> result);
  static gboolean OnBusMessage(GstBus* bus, GstMessage* message, gpointer data);

  // Runs `fn(session)` on the engine thread if the session still exists.
  template <typename Fn>
  void PostToSelf(Fn fn);

  Engine* engine_;
  SessionConfig config_;
  Events events_;
  ElementPtr pipeline_;
  ElementPtr webrtc_;
  ElementPtr encoder_;
  ElementPtr payloader_;
  ElementPtr appsrc_;
  const CodecTraits* encoder_traits_ = nullptr;  // how to drive encoder_ live
  // ULP FEC exists only if fec-type was set before negotiation.
  bool fec_negotiated_ = false;
  bool encoder_restart_pending_ = false;
  gulong sink_probe_ = 0;  // the keyframe control's probes on the encoder
  gulong src_probe_ = 0;
  std::shared_ptr<SourceChain> source_;
  TransceiverPtr transceiver_;
  AnswerCallback answer_done_;
  GSource* gather_timeout_ = nullptr;
  // Shared with the encoder pad probes, which may outlive a teardown race.
  std::shared_ptr<KeyframeControl> keyframes_ = std::make_shared<KeyframeControl>();
};

}  // namespace engine
