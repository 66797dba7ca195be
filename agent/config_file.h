// The agent's JSON config file: streams declared at start-up. JSON because the
// project already ships nlohmann-json for the Ahoy codec; see README.
//
// {
//   "streams": [
//     {"stream_id": "demo", "source_uri": "test://smpte", "codec": "H264",
//      "quality": {"width": 1280, "height": 720, "framerate": 30, "bitrate_kbps": 2000},
//      "ahoy": {"director_url": "ws://127.0.0.1:8080/feeds/", "feed_name": "demo"}}
//   ]
// }
// API keys never go in this file's streams: they come from AHOY_API_KEY or
// --api-key-file.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control/stream_registry.h"

namespace agent {

absl::StatusOr<std::vector<control::StreamSpec>> LoadStreamsFromConfig(const std::string& path);

}  // namespace agent
