// "gwapacer": engine/pacer.h as a GStreamer element, between a session's
// payloader and webrtcbin's sink pad. RTP enters on the upstream thread
// (buffers and buffer lists alike; a list is paced packet by packet). A
// packet with nothing queued ahead of it that the pacer lets leave at once
// (or within 5 ms: pacer_element.cc, kEarlyUs) goes on from that thread; the
// others leave from the element's own src-pad task when the pacer allows, so webrtcbin's rtpsession
// stamps each packet's transport-wide send time after pacing: the estimator sees the paced send
// times. Serialized events wait in line with the buffers; flushes and state
// changes empty the queue.
//
// Properties:
//   factor          pacing rate / target (default 2.5); 0: pass-through,
//                   every buffer pushed at once on the upstream thread
//   target-bitrate  the encoder's target, bits/s (0: the input rate decides)
//   max-queue-time  the oldest packet's longest wait, ms (default 400)
//   queue-delay     read-only: how long the oldest queued packet has waited, us
//   pacing-rate     read-only: the rate packets leave at now, bits/s
//   packets-delayed read-only: packets that could not leave on arrival
#pragma once

#include <gst/gst.h>

namespace engine {

inline constexpr char kPacerFactory[] = "gwapacer";

// Registers the element with GStreamer (statically, no plugin file); the
// engine calls it once after gst_init. Safe to call again.
void RegisterPacerElement();

}  // namespace engine
