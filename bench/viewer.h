// One viewer as a browser would be: the director's /viewer protocol
// (DirectorViewer) plus a decoding webrtcbin (WebrtcReceiver), in the bench
// process so its CPU is never counted as the agent's.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <string>

#include "director_viewer.h"
#include "webrtc_receiver.h"

namespace bench {

struct Viewer {
  std::string feed;
  std::unique_ptr<testing_support::DirectorViewer> signaling;
  std::unique_ptr<testing_support::WebrtcReceiver> receiver;

  // Plays `name` through the director on 127.0.0.1:`director_port` and waits
  // for a few decoded frames. `on_frame`, when set, is the receiver's frame
  // hook (streaming thread, every decoded frame, from the first one on).
  // Empty on success, else what failed.
  std::string Play(int director_port, const std::string& name,
                   std::function<void(GstPad*, GstBuffer*)> on_frame = {});
  void Stop();
};

}  // namespace bench
