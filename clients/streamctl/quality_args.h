// Turns the quality and codec flags into request fields. Only flags that were
// given set a field, so SetQuality changes nothing else.
#ifndef GWA_CLIENTS_STREAMCTL_QUALITY_ARGS_H_
#define GWA_CLIENTS_STREAMCTL_QUALITY_ARGS_H_

#include <cstdint>
#include <string>

#include "cli.h"
#include "streamcontrol/v1/streamcontrol.pb.h"

namespace streamctl {

// Fills `quality` from the given quality flags (--bitrate_kbps, --framerate,
// --width, --height, --size, --fec_percentage, --preset, --keyframe_interval,
// --nack, --speed_preset, --mtu). Returns a usage
// error message, or "" on success. Ranges are the server's to check.
std::string QualityFromFlags(const GivenFlags& given, streamcontrol::v1::Quality* quality);

// Fills `options` from --rtsp_transport and --loop. Returns a usage error
// message, or "".
std::string SourceOptionsFromFlags(const GivenFlags& given,
                                   streamcontrol::v1::SourceOptions* options);

// Parses --`name`'s value as a non-negative 32-bit integer. Returns a usage
// error message, or "".
std::string ParseUint(const char* name, const std::string& value, uint32_t* out);

// Parses "h264", "vp8" or "vp9" (any case). Returns a usage error message, or "".
std::string ParseCodec(const std::string& text, streamcontrol::v1::Codec* codec);

}  // namespace streamctl

#endif  // GWA_CLIENTS_STREAMCTL_QUALITY_ARGS_H_
