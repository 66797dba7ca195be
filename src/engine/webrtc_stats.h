// Plain numbers read out of webrtcbin's "get-stats" structure.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <optional>
#include <string>

namespace engine {

// Cumulative counters and the viewer's latest RTCP-derived figures.
struct RtpSenderStats {
  uint64_t bytes_sent = 0;
  uint64_t packets_sent = 0;
  uint32_t nack_count = 0;
  uint32_t pli_count = 0;
  uint32_t fir_count = 0;
  std::optional<double> round_trip_time_ms;
  std::optional<double> jitter_ms;
  std::optional<int64_t> packets_lost;
  std::optional<double> fraction_lost;
};

// Reads the video outbound-rtp and its remote-inbound-rtp out of a get-stats
// reply. Tolerates missing fields (webrtcbin omits what it has not seen yet).
RtpSenderStats ReadSenderStats(const GstStructure* stats);

}  // namespace engine
