// The steps of one play, time-stamped for the time-to-first-frame breakdown
// (BENCHMARKS.md section 1, bench/browser.mjs). Each step is one debug-level
// log line
//   play-step <session> <step> <ms>
// with <ms> the wall clock in milliseconds since the epoch (0.1 ms): the page
// that plays runs on the same machine, so its own stamps and the agent's can
// be set side by side without a protocol field. Nothing is formatted, and no
// signal handler or probe is added, unless debug logging is on: an agent at
// its usual level pays nothing.
#pragma once

#include <gst/gst.h>

#include <string>

#include <spdlog/spdlog.h>

namespace engine {

inline bool PlayStepsOn() { return spdlog::should_log(spdlog::level::debug); }

// `session`: the viewer's session id ("" = the feed's default session).
void StampPlayStep(const std::string& session, const char* step);

// The steps webrtcbin's own threads see, stamped where they happen (not
// after a hop to the engine thread): ice_connected, dtls_connected (the peer
// connection is connected), first_srtp (the first RTP packet leaves the ICE
// transport), keyframe_after_dtls (the first keyframe reaching the
// payloader once DTLS is up), first_frame_in (the first frame out of the
// session's `feeder`) and first_frame_encoded (the first into the
// payloader). Call while building the session, before any description is
// set. No-op unless PlayStepsOn().
void WatchPlaySteps(GstElement* webrtcbin, GstElement* payloader, GstElement* feeder,
                    const std::string& session);

}  // namespace engine
