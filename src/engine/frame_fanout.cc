#include "engine/frame_fanout.h"

#include <gst/app/gstappsrc.h>

#include <algorithm>

namespace engine {

FrameFanout::FrameFanout(bool coded, std::function<void()> on_keyframe_wanted)
    : coded_(coded), on_keyframe_wanted_(std::move(on_keyframe_wanted)) {}

FrameFanout::~FrameFanout() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& target : targets_) gst_object_unref(target.appsrc);
  targets_.clear();
}

void FrameFanout::Add(GstElement* appsrc) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    targets_.push_back(Target{GST_ELEMENT(gst_object_ref(appsrc)), coded_});
  }
  if (coded_ && on_keyframe_wanted_) on_keyframe_wanted_();
}

void FrameFanout::Remove(GstElement* appsrc) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(targets_.begin(), targets_.end(),
                         [&](const Target& target) { return target.appsrc == appsrc; });
  if (it == targets_.end()) return;
  // A Push in flight holds its own reference to the appsrc.
  gst_object_unref(it->appsrc);
  targets_.erase(it);
}

size_t FrameFanout::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return targets_.size();
}

void FrameFanout::Push(GstSample* sample) {
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  if (!buffer) return;
  const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  // Snapshot the targets (with a reference to each appsrc) under the lock;
  // push outside it.
  std::vector<GstElement*> to;
  {
    std::lock_guard<std::mutex> lock(mu_);
    to.reserve(targets_.size());
    for (Target& target : targets_) {
      if (target.waiting_for_keyframe) {
        if (!keyframe) continue;
        target.waiting_for_keyframe = false;
      }
      to.push_back(GST_ELEMENT(gst_object_ref(target.appsrc)));
    }
  }
  for (GstElement* appsrc : to) {
    // Metadata copy (the pixels or coded bytes are shared, read-only): each
    // appsrc restamps its own with its pipeline's running time.
    GstBuffer* copy = gst_buffer_copy(buffer);
    GST_BUFFER_PTS(copy) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(copy) = GST_CLOCK_TIME_NONE;
    GstSample* out = gst_sample_new(copy, gst_sample_get_caps(sample), nullptr, nullptr);
    gst_app_src_push_sample(GST_APP_SRC(appsrc), out);
    gst_sample_unref(out);
    gst_buffer_unref(copy);
    gst_object_unref(appsrc);
  }
}

}  // namespace engine
