// The source side of a feed, decoupled from the viewers' encoders so that it
// can die and be rebuilt while they stay connected, and shared by all of
// them: one camera connection and one decode whatever the number of viewers
// (frames reach each session's appsrc through a FrameFanout).
//
// Why a separate pipeline feeding an appsrc (and not an input-selector with a
// fallback, a sub-bin swapped in place, or intervideosrc):
//  - A source error (RTSP camera gone, EOS, decoder error) stays inside the
//    source pipeline: its bus, its state. The sending pipeline (appsrc,
//    encoder, payloader, webrtcbin) never sees the error or the EOS and stays
//    PLAYING, so DTLS/ICE/SRTP state, SSRC, sequence numbers and the
//    negotiated payload type survive: no renegotiation.
//  - Tearing down rtspsrc/decodebin (dynamic pads, internal EOS, flushing) in
//    the middle of a running pipeline with webrtcbin is fragile; setting a
//    whole separate pipeline to NULL and building a new one is not.
//  - Timestamps stay sane: buffers enter the sending pipeline with their
//    timestamps cleared and appsrc (live, do-timestamp) stamps them with the
//    sending pipeline's running time at arrival. A restarted source starts at
//    running time 0 of its own pipeline; the sending side never sees that.
//  - During an outage nothing is pushed: the encoder idles and the viewer
//    keeps the last picture (no black frames to encode and send). x264enc and
//    vp8enc carry on from their state when frames resume; the session forces a
//    keyframe then for a clean picture. intervideosrc would have sent black
//    frames, but it renegotiates and restarts its timestamps when the framerate
//    changes, which live quality changes do.
//
// The source pipeline is
//   <source> ! videoconvert ! videoscale ! videorate ! capsfilter ! appsink
// so size and framerate are enforced before the hand-over and caps into the
// encoder only change when the operator changes them. A pass-through source
// (engine/passthrough.h) hands over coded access units instead, from the
// first keyframe of each run on.
//
// A looping file (Options::loop) is not a failure at EOS: a flushing seek
// takes the same pipeline back to the start (on_loop), so the viewer sees no
// outage and nothing is rebuilt.
//
// Failures (bus ERROR, EOS, or no frame for `stall_timeout` once running, or
// 2x that before the first frame) tear the source pipeline down and rebuild it
// after a back-off (RestartBackoff). Engine thread only, except the appsink
// callback, which only pushes into the appsrc and touches atomics.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "engine/engine.h"
#include "engine/frame_fanout.h"
#include "engine/gst_ptr.h"
#include "engine/quality.h"
#include "engine/source_options.h"

namespace engine {

// Delay before the next source restart: 0.5 s doubling up to 10 s; back to
// 0.5 s once a source ran fine (delivered frames) for `healthy_after`.
class RestartBackoff {
 public:
  using Duration = std::chrono::steady_clock::duration;
  explicit RestartBackoff(std::chrono::milliseconds initial = std::chrono::milliseconds(500),
                          std::chrono::milliseconds max = std::chrono::milliseconds(10000),
                          std::chrono::milliseconds healthy_after = std::chrono::seconds(10));
  // A failure after the source delivered frames for `ran_fine_for` (zero if it
  // never did). Returns how long to wait before the next attempt.
  std::chrono::milliseconds OnFailure(Duration ran_fine_for);

 private:
  std::chrono::milliseconds initial_, max_, healthy_after_, next_;
};

class SourceChain : public std::enable_shared_from_this<SourceChain> {
 public:
  struct Events {
    // The source failed; a restart is scheduled after `retry_in`.
    std::function<void(const std::string& error, std::chrono::milliseconds retry_in)> on_down;
    // The first frame after a failure arrived.
    std::function<void()> on_up;
    // A looping source went back to its start.
    std::function<void()> on_loop;
  };
  struct Options {
    std::chrono::milliseconds stall_timeout{5000};
    // An operator template's source part (engine/pipeline_template.h), used
    // instead of the one derived from the source URI.
    std::string source_part;
    SourceOptions source;
    // With source.passthrough: the codec the camera must send (passthrough.h).
    Codec codec = Codec::kH264;
  };

  // Every frame goes to `fanout`. Builds and starts the source pipeline; an
  // error here (cannot build or start) is returned, later failures are
  // retried.
  static absl::StatusOr<std::shared_ptr<SourceChain>> Start(Engine* engine, std::string source_uri,
                                                            const Quality& quality,
                                                            std::shared_ptr<FrameFanout> fanout,
                                                            Options options, Events events);
  ~SourceChain();  // source pipeline to NULL, timers gone

  // Size/framerate for the running pipeline and every rebuild.
  void SetQuality(const Quality& quality);
  bool down() const { return down_; }
  uint32_t restarts() const { return restarts_; }
  uint32_t loops() const { return loops_; }

 private:
  struct Run;
  SourceChain(Engine* engine, std::string source_uri, const Quality& quality,
              std::shared_ptr<FrameFanout> fanout, Options options, Events events);
  absl::Status Build();
  // For logs: the URI without its password, or a template's source part
  // (which has no URI).
  std::string Label() const;
  // `text` without the source URI's password (engine/uri_secret.h).
  std::string Scrubbed(const std::string& text) const;
  void TearDown();
  void Fail(const std::string& reason);
  void Loop();
  void OnFirstFrame(uint64_t run_id);
  void OnWatchdog();
  void OnRestartTimer();
  static gboolean OnBusMessage(GstBus* bus, GstMessage* message, gpointer data);

  Engine* engine_;
  std::string source_uri_;
  Quality quality_;
  std::shared_ptr<FrameFanout> fanout_;
  Options options_;
  Events events_;
  RestartBackoff backoff_;

  ElementPtr pipeline_;
  ElementPtr raw_capsfilter_;
  std::shared_ptr<Run> run_;
  uint64_t run_id_ = 0;
  bool down_ = false;
  uint32_t restarts_ = 0;
  uint32_t loops_ = 0;
  GSource* watchdog_ = nullptr;
  GSource* restart_timer_ = nullptr;
};

}  // namespace engine
