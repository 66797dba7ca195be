// One sent packet as transport-wide congestion control feedback describes it
// (webrtcbin's RTPTWCCPackets event, or a synthetic trace in a test). Plain
// data: the rate estimator (engine/rate_estimator.h) knows nothing of
// GStreamer.
#pragma once

#include <cstdint>

namespace engine {

struct PacketReport {
  // When the packet left, on the sender's clock, microseconds.
  int64_t send_us = 0;
  // When it arrived, on the receiver's clock (unrelated to the sender's:
  // only differences between arrivals mean something), microseconds.
  // Meaningless when `lost`.
  int64_t arrival_us = 0;
  // Bytes on the wire as the sender counted them.
  uint32_t size = 0;
  bool lost = false;
};

}  // namespace engine
