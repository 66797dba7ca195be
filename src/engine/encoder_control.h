// The raw half of a sending path, from the appsrc that receives the feed's
// frames to the encoder, and everything that changes there while it runs:
//   feeder (appsrc) ! videoscale ! videorate name=path_rate (max-rate)
//     ! capsfilter name=path_capsfilter ! <encoder named `encoder`> ! ...
// - size and framerate of this path (a viewer's adaptation may send less
//   than the source delivers; equal sizes make videoscale a pass-through),
// - the encoder's bitrate,
// - a keyframe every keyframe_interval frames and on request (x264enc cannot
//   change key-int-max while PLAYING, so the frames going in are counted and
//   a GstForceKeyUnit event is sent when the interval is reached),
// - the encoder's speed: live for vpx, by swapping in a new x264enc/x265enc
//   behind a blocked pad for encoders that read it only when they start,
// - the latency stamp (--latency-probe), written after scaling so its blocks
//   keep their size.
// Used by every viewer's own encoder and by a stream's shared encoder.
// Engine thread, except the pad probes (streaming threads, atomics only).
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/gst_ptr.h"
#include "engine/pipeline_description.h"
#include "engine/quality.h"

namespace engine {

// Frames and keyframes seen on a pad of coded frames, and the keyframe
// interval's bookkeeping. Shared with pad probes, which may outlive a
// teardown race.
struct FrameCounters {
  std::atomic<uint64_t> frames{0};
  std::atomic<uint64_t> keyframes{0};
  std::atomic<uint32_t> interval{60};
  std::atomic<uint32_t> since_keyframe{0};  // frames into the encoder since one came out
  std::atomic<bool> requested{false};       // a forced keyframe is on its way
};
// Counts frames and keyframes passing `pad`; returns the probe id.
gulong CountFramesAt(GstPad* pad, const std::shared_ptr<FrameCounters>& counters);

class EncoderControl : public std::enable_shared_from_this<EncoderControl> {
 public:
  // Finds the path's elements in `pipeline` and installs the keyframe
  // control. `quality` is the path's quality in force (complete). `on_error`
  // is told when an encoder swap failed (the path is then unusable).
  static absl::StatusOr<std::shared_ptr<EncoderControl>> Attach(
      Engine* engine, GstBin* pipeline, const CodecTraits& traits, const Quality& quality,
      bool latency_probe, std::function<void(std::string)> on_error);
  ~EncoderControl();
  EncoderControl(const EncoderControl&) = delete;
  EncoderControl& operator=(const EncoderControl&) = delete;

  // Applies what differs between `previous` and `next` (bitrate, size,
  // framerate, keyframe interval, speed) to the running elements.
  void Apply(const Quality& previous, const Quality& next);
  void ForceKeyframe();
  // Under congestion control every frame must fit the link soon after it is
  // made: caps the encoder's rate-control buffer (x264enc's VBV) so a
  // keyframe is a few hundred ms of bits at the target, not the encoder's
  // default (600 ms, which a keyframe fills: half a second of queue on a link
  // that just fits the target). Off: the encoder's own setting again.
  void LimitBursts(bool on);
  // The encoder's speed setting read back from the element (0 without one).
  int speed() const;
  const std::shared_ptr<FrameCounters>& counters() const { return counters_; }

 private:
  EncoderControl(Engine* engine, GstBin* pipeline, const CodecTraits& traits,
                 std::function<void(std::string)> on_error);
  void InstallProbes();
  void RemoveProbes();
  void ScheduleEncoderSwap();
  void SwapEncoder(gulong block_probe);
  void ApplyBurstLimit();

  Engine* engine_;
  GstBin* pipeline_;  // not owned: the path's owner keeps it alive
  const CodecTraits& traits_;
  std::function<void(std::string)> on_error_;
  ElementPtr rate_;
  ElementPtr capsfilter_;
  ElementPtr encoder_;
  Quality quality_;
  bool swap_pending_ = false;
  bool bursts_limited_ = false;
  gulong sink_probe_ = 0;
  gulong src_probe_ = 0;
  std::shared_ptr<FrameCounters> counters_ = std::make_shared<FrameCounters>();
};

// "video/x-raw,width=W,height=H": the path's size (its framerate is the
// videorate's max-rate, so a path never asks for more frames than come in).
std::string PathCapsString(const Quality& quality);

}  // namespace engine
