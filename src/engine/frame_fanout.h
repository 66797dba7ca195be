// Hands every frame of one producer to the appsrc of every viewer session
// that consumes it: one source (one camera connection, one decode) or one
// shared encoder, any number of viewers.
//
// The producer's streaming thread calls Push; sessions join and leave on the
// engine thread. The lock is held only to copy the target list, never while
// a frame is pushed, so a slow viewer never stalls the others (each appsrc
// is leaky and bounded: it drops its own oldest frames).
//
// Coded frames (pass-through, shared encode) reach a new target only from a
// keyframe on: deltas on a picture the viewer never had decode as garbage.
// `on_keyframe_wanted` (producer's choice) is called when a target starts
// waiting, so a shared encoder can make one at once; a camera cannot.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <mutex>
#include <vector>

namespace engine {

class FrameFanout {
 public:
  // `coded`: frames are encoded access units (keyframe gating applies).
  explicit FrameFanout(bool coded, std::function<void()> on_keyframe_wanted = {});
  ~FrameFanout();
  FrameFanout(const FrameFanout&) = delete;
  FrameFanout& operator=(const FrameFanout&) = delete;

  // Engine thread. A reference to `appsrc` is taken until Remove.
  void Add(GstElement* appsrc);
  void Remove(GstElement* appsrc);
  size_t size() const;

  // Producer's streaming thread: a metadata copy of the sample's buffer
  // (pixels shared) without timestamps goes to each target's appsrc, which
  // stamps it with its own pipeline's running time.
  void Push(GstSample* sample);

 private:
  struct Target {
    GstElement* appsrc;  // own reference
    bool waiting_for_keyframe;
  };
  const bool coded_;
  const std::function<void()> on_keyframe_wanted_;
  mutable std::mutex mu_;
  std::vector<Target> targets_;
};

}  // namespace engine
