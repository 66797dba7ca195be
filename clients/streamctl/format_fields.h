// Renderings of single API fields shared by the line and table printers.
#ifndef GWA_CLIENTS_STREAMCTL_FORMAT_FIELDS_H_
#define GWA_CLIENTS_STREAMCTL_FORMAT_FIELDS_H_

#include <cstdint>
#include <string>

#include "streamcontrol/v1/streamcontrol.pb.h"

namespace streamctl {

std::string StateName(streamcontrol::v1::StreamState state);  // "STREAMING"
std::string CodecName(streamcontrol::v1::Codec codec);        // "H264"
std::string LinkName(streamcontrol::v1::LinkState link);      // "REGISTERED"
std::string Fixed(double value, int decimals);                // "12.5"
// "1280x720@30", with "?" for a field the message leaves unset.
std::string FrameShape(const streamcontrol::v1::Quality& q);
// "balanced", "maintain_framerate", "maintain_resolution"; "-" unspecified.
std::string DegradationName(streamcontrol::v1::Degradation d);
// Local wall-clock time of day with milliseconds: "14:03:07.250".
std::string TimeOfDay(int64_t unix_ms);

}  // namespace streamctl

#endif  // GWA_CLIENTS_STREAMCTL_FORMAT_FIELDS_H_
