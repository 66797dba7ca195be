// One encoder for every viewer of a stream (StartRequest.shared_encode): the
// cost of one viewer whatever their number, at one rate for all (the lowest
// any of them can take, when they adapt). Raw frames come in through
// `feeder()` from the source's fan-out; coded frames go out through
// `output()`, a fan-out of its own that the viewers' coded-input sessions
// consume. A joining viewer waits for a keyframe and the encoder makes one
// at once; a viewer's PLI makes one for everybody (at most one per
// kMinKeyframeSpacing: N viewers asking at once get one keyframe).
// Engine thread, except the appsink callback (streaming thread), which only
// pushes into the output fan-out.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/encoder_control.h"
#include "engine/engine.h"
#include "engine/frame_fanout.h"
#include "engine/gst_ptr.h"
#include "engine/pipeline_description.h"
#include "engine/quality.h"

namespace engine {

class SharedEncoder : public std::enable_shared_from_this<SharedEncoder> {
 public:
  static constexpr std::chrono::milliseconds kMinKeyframeSpacing{500};

  // `on_error`: the encoder pipeline failed (engine thread).
  static absl::StatusOr<std::shared_ptr<SharedEncoder>> Start(
      Engine* engine, const CodecTraits& traits, const Quality& quality, bool latency_probe,
      std::function<void(std::string)> on_error);
  ~SharedEncoder();  // pipeline to NULL

  GstElement* feeder() const { return appsrc_.get(); }
  const std::shared_ptr<FrameFanout>& output() const { return output_; }
  // The caps of the coded frames it hands out.
  std::string coded_caps() const { return CodedCaps(traits_); }
  const Quality& quality() const { return quality_; }

  void Apply(const Quality& next);
  void ForceKeyframe();
  uint64_t frames_encoded() const { return control_->counters()->frames.load(); }
  uint64_t keyframes_encoded() const { return control_->counters()->keyframes.load(); }
  int speed() const { return control_->speed(); }

 private:
  SharedEncoder(Engine* engine, const CodecTraits& traits, const Quality& quality);
  absl::Status Build(bool latency_probe, std::function<void(std::string)> on_error);
  static gboolean OnBusMessage(GstBus* bus, GstMessage* message, gpointer data);

  Engine* engine_;
  const CodecTraits& traits_;
  Quality quality_;
  ElementPtr pipeline_;
  ElementPtr appsrc_;
  std::shared_ptr<FrameFanout> output_;
  std::shared_ptr<EncoderControl> control_;
  std::function<void(std::string)> on_error_;
  std::chrono::steady_clock::time_point last_forced_{};
};

}  // namespace engine
