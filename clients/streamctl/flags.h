// Command-line flags of streamctl. Quality flags are strings defaulting to ""
// so that an absent flag means "leave unset" (see quality_args.h).
#ifndef GWA_CLIENTS_STREAMCTL_FLAGS_H_
#define GWA_CLIENTS_STREAMCTL_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/flags/declare.h"
#include "absl/strings/string_view.h"

// Global.
ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(uint32_t, timeout_ms);

// Global: connection security (see connection.h).
ABSL_DECLARE_FLAG(bool, tls);
ABSL_DECLARE_FLAG(std::string, ca_file);
ABSL_DECLARE_FLAG(std::string, cert_file);
ABSL_DECLARE_FLAG(std::string, key_file);
ABSL_DECLARE_FLAG(std::string, token_file);

// start.
ABSL_DECLARE_FLAG(std::string, codec);
ABSL_DECLARE_FLAG(std::string, encoder);
ABSL_DECLARE_FLAG(std::string, template);
ABSL_DECLARE_FLAG(std::string, feed);
ABSL_DECLARE_FLAG(std::string, director);

// start and set.
ABSL_DECLARE_FLAG(std::string, bitrate_kbps);
ABSL_DECLARE_FLAG(std::string, framerate);
ABSL_DECLARE_FLAG(std::string, width);
ABSL_DECLARE_FLAG(std::string, height);
ABSL_DECLARE_FLAG(std::string, fec_percentage);
ABSL_DECLARE_FLAG(std::string, size);
ABSL_DECLARE_FLAG(std::string, preset);
ABSL_DECLARE_FLAG(std::string, keyframe_interval);
ABSL_DECLARE_FLAG(std::string, nack);
ABSL_DECLARE_FLAG(std::string, adaptive);
ABSL_DECLARE_FLAG(std::string, degradation);
ABSL_DECLARE_FLAG(std::string, min_bitrate_kbps);
ABSL_DECLARE_FLAG(std::string, max_bitrate_kbps);
ABSL_DECLARE_FLAG(std::string, speed_preset);
ABSL_DECLARE_FLAG(std::string, mtu);

// start: source options.
ABSL_DECLARE_FLAG(std::string, rtsp_transport);
ABSL_DECLARE_FLAG(bool, loop);
ABSL_DECLARE_FLAG(bool, passthrough);
ABSL_DECLARE_FLAG(bool, shared_encode);
ABSL_DECLARE_FLAG(std::string, max_viewers);
ABSL_DECLARE_FLAG(std::string, whip_url);
ABSL_DECLARE_FLAG(std::string, whip_token_file);

// set.
ABSL_DECLARE_FLAG(bool, force_keyframe);

// watch.
ABSL_DECLARE_FLAG(uint32_t, interval_ms);
ABSL_DECLARE_FLAG(uint32_t, count);
ABSL_DECLARE_FLAG(std::string, display);

namespace streamctl {

// Whether `name` (without dashes) is one of the flags above. Every other flag,
// including Abseil's built-in ones, is rejected as unknown.
bool IsStreamctlFlag(absl::string_view name);

}  // namespace streamctl

#endif  // GWA_CLIENTS_STREAMCTL_FLAGS_H_
