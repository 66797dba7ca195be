// Checks at Start that a local source is there, so a typo in a file name or a
// missing camera is answered at once (FAILED_PRECONDITION with the OS or
// GStreamer reason) instead of surfacing only when a viewer plays:
//   file://  the path opens for reading and is not a directory;
//   v4l2://  GStreamer's v4l2src opens the device (state READY), which checks
//            it is a video capture device.
// Network sources and test patterns are not probed: a camera may come up
// after the stream was declared, and the self-healing source retries it.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace engine {

// `uri` has passed ValidateSource. Engine thread (it drives a v4l2src).
absl::Status CheckSourceAvailable(const std::string& uri);

}  // namespace engine
