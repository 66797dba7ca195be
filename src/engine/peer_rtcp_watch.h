// When the peer last sent RTCP, for sessions whose peer may vanish without a
// word (a WHIP publish: the SFU restarts or its host dies). An SFU sends
// receiver reports (and transport-wide feedback) about once a second, so a
// few seconds of silence means it is gone: far sooner than libnice's ICE
// keepalives notice (25 s timer plus retransmissions, ~50 s measured).
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "absl/status/status.h"

namespace engine {

class PeerRtcpWatch {
 public:
  // Watches `webrtcbin`'s rtpbin: every RTCP packet from a remote source
  // (rtpbin's "on-ssrc-active") stamps the time. INTERNAL when webrtcbin
  // has no rtpbin to watch.
  absl::Status Attach(GstElement* webrtcbin);
  // The last RTCP from the peer; nullopt until the first one arrives (a peer
  // that never sends RTCP is never judged by it).
  std::optional<std::chrono::steady_clock::time_point> last() const;

 private:
  // Shared with the signal handler (rtpbin's thread), which may outlive us
  // by one call: steady-clock nanoseconds, 0 = none yet.
  std::shared_ptr<std::atomic<int64_t>> last_ns_ = std::make_shared<std::atomic<int64_t>>(0);
};

}  // namespace engine
