// Replaces the encoder of a running sending pipeline with a new one between
// the same neighbours, for settings an encoder takes only when it starts
// (x264enc's speed-preset). Nothing else of the pipeline changes: appsrc
// re-sends its sticky events (stream-start, caps, segment) to the new
// encoder, whose first frame is a keyframe, and the payloader, its SSRC and
// sequence numbers and webrtcbin carry on, so the viewer needs no new
// offer/answer.
#pragma once

#include <gst/gst.h>

#include <string>

#include "absl/status/statusor.h"
#include "engine/gst_ptr.h"

namespace engine {

// `description` is one gst-launch element named like `old_encoder`. The
// caller has blocked the pad that feeds `old_encoder`, so no buffer is
// inside it. On success the old encoder is in NULL and out of the bin.
// Engine thread.
absl::StatusOr<ElementPtr> ReplaceEncoder(GstBin* pipeline, GstElement* old_encoder,
                                          const std::string& description);

}  // namespace engine
