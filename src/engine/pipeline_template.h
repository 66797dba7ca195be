// Operator pipeline templates: named pipeline fragments from the agent's
// config file that replace the built-in encoder (and optionally the source)
// of a stream. Only the operator writes them; remote callers pick one by name
// and never send pipeline text (a caller who could would run any element,
// e.g. `filesink location=/etc/...`, as the agent's user).
//
// The engine runs two pipelines (source_chain.h), so a template has two parts:
//   encode  raw video in, RTP out: must name its encoder `encoder` and its
//           payloader `payloader`, e.g.
//             videoflip video-direction=90r ! x264enc name=encoder tune=zerolatency
//             ! video/x-h264,profile=constrained-baseline
//             ! rtph264pay name=payloader config-interval=-1
//           The engine puts it between the appsrc `feeder` and webrtcbin, and
//           sets on it what the stream decides: the payloader's pt and ssrc,
//           the encoder's bitrate (the stream's quality wins over the
//           template) and its own keyframe distance.
//   source  optional; replaces the stream's source_uri; must end in raw video
//           and name its first element `source`. The engine appends the scaling,
//           the raw capsfilter and the appsink.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/pipeline_description.h"
#include "engine/quality.h"

namespace engine {

struct PipelineTemplate {
  std::string name;
  Codec codec = Codec::kH264;  // what the encode part produces
  std::string encode;
  std::string source;  // empty: the stream's source_uri
  // The encoder element's traits; set by ValidatePipelineTemplate.
  const CodecTraits* encoder = nullptr;
};

using PipelineTemplates = std::map<std::string, std::shared_ptr<const PipelineTemplate>>;

// Parses both parts in throwaway bins (never started) and checks the names:
// `encoder` is a known encoder element for the template's codec (so bitrate
// and keyframes stay controllable live), `payloader` is that codec's
// payloader, `source` exists when there is a source part. The error names the
// template. Sets `encoder`. Needs GStreamer initialised.
absl::Status ValidatePipelineTemplate(PipelineTemplate* tmpl);

// INVALID_ARGUMENT listing the defined names when `name` is not one of them.
absl::StatusOr<std::shared_ptr<const PipelineTemplate>> FindPipelineTemplate(
    const PipelineTemplates& templates, const std::string& name);

}  // namespace engine
