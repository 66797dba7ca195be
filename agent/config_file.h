// The agent's config file, YAML (read with yaml-cpp; JSON files are valid
// YAML, so the older JSON configs still load). Two parts:
//
//   # Any agent flag, under its own name: the file sets it, a flag given on
//   # the command line wins.
//   grpc_listen: 127.0.0.1:50051
//   director_url: ws://127.0.0.1:8080/feeds/
//   max_streams: 16
//   tls_cert: /etc/gstwebrtc-agent/grpc.pem
//   # Operator pipeline templates (engine/pipeline_template.h), checked at
//   # start-up; streams and gRPC callers pick them by name.
//   pipeline_templates:
//     flipped:
//       codec: H264
//       encode: videoflip video-direction=90r ! x264enc name=encoder ...
//               ! rtph264pay name=payloader
//       source: videotestsrc name=source is-live=true   # optional
//   # Streams started at launch.
//   streams:
//     - stream_id: demo
//       source_uri: test://smpte
//       codec: H264
//       encoder: openh264            # optional; or pipeline_template: flipped
//       quality: {width: 1280, height: 720, framerate: 30, bitrate_kbps: 2000,
//                 nack: true, speed_preset: 1, mtu: 1200}
//       source_options: {rtsp_transport: tcp, loop: false}   # auto|udp|tcp
//       ahoy: {director_url: ws://127.0.0.1:8080/feeds/, feed_name: demo}
//
// Secrets never go in this file: the Ahoy key comes from AHOY_API_KEY or
// --api-key-file, the bearer token from --auth-token-file.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "control/stream_registry.h"

namespace agent {

struct AgentConfig {
  // Flag name -> value as it would be typed after --name=.
  std::map<std::string, std::string> settings;
  std::vector<control::StreamSpec> streams;
  engine::PipelineTemplates pipeline_templates;  // not yet validated
};

absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& origin);
absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path);

}  // namespace agent
