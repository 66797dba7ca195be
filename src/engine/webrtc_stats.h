// Plain numbers read out of webrtcbin's "get-stats" structure.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <optional>
#include <string>

namespace engine {

// The ICE candidate pair media flows over: which path the viewer reached
// (host, srflx, relay), from the transport's selected-candidate-pair-id.
struct CandidatePairStats {
  std::string local_address;
  uint32_t local_port = 0;
  std::string local_type;  // host, srflx, prflx, relay
  std::string remote_address;
  uint32_t remote_port = 0;
  std::string remote_type;
  std::string protocol;  // udp, tcp
  // A relayed local candidate's TURN server address (stats' "url") and how
  // media reaches it: udp, tcp or tls ("" = not relayed or not known).
  std::string local_relay_server;
  std::string local_relay_protocol;
};

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
  std::optional<CandidatePairStats> selected_pair;
};

// Reads the video outbound-rtp, its remote-inbound-rtp and the transport's
// selected candidate pair out of a get-stats reply. Tolerates missing fields
// (webrtcbin omits what it has not seen yet).
RtpSenderStats ReadSenderStats(const GstStructure* stats);

}  // namespace engine
