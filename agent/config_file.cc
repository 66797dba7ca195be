#include "config_file.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace agent {
namespace {

absl::Status Invalid(const std::string& origin, const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(origin, ": ", where, ": ", what));
}

absl::StatusOr<control::StreamSpec> ParseStream(const YAML::Node& node, const std::string& where,
                                                const std::string& origin) {
  if (!node.IsMap()) return Invalid(origin, where, "must be a mapping");
  control::StreamSpec spec;
  spec.stream_id = node["stream_id"].as<std::string>("");
  spec.source_uri = node["source_uri"].as<std::string>("");
  auto codec = engine::ParseCodec(node["codec"].as<std::string>("H264"));
  if (!codec.ok()) return Invalid(origin, where, std::string(codec.status().message()));
  spec.codec = *codec;
  spec.codec_set = static_cast<bool>(node["codec"]);
  spec.encoder = node["encoder"].as<std::string>("");
  spec.pipeline_template = node["pipeline_template"].as<std::string>("");
  spec.shared_encode = node["shared_encode"].as<bool>(false);
  if (node["max_viewers"]) spec.max_viewers = node["max_viewers"].as<uint32_t>();
  if (const YAML::Node w = node["whip"]) {
    if (!w.IsMap()) return Invalid(origin, where + ".whip", "must be a mapping");
    if (w["token"]) {
      return Invalid(origin, where + ".whip",
                     "token: a secret is never written here; use token_file");
    }
    signaling::WhipConfig whip;
    whip.endpoint_url = w["endpoint_url"].as<std::string>("");
    whip.token_file = w["token_file"].as<std::string>("");
    spec.whip = std::move(whip);
  }
  if (const YAML::Node q = node["quality"]) {
    if (!q.IsMap()) return Invalid(origin, where + ".quality", "must be a mapping");
    auto read = [&](const char* key, std::optional<uint32_t>* out) {
      if (q[key]) *out = q[key].as<uint32_t>();
    };
    read("bitrate_kbps", &spec.quality.bitrate_kbps);
    read("framerate", &spec.quality.framerate);
    read("width", &spec.quality.width);
    read("height", &spec.quality.height);
    read("fec_percentage", &spec.quality.fec_percentage);
    read("keyframe_interval", &spec.quality.keyframe_interval);
    read("speed_preset", &spec.quality.speed_preset);
    read("mtu", &spec.quality.mtu);
    read("min_bitrate_kbps", &spec.quality.min_bitrate_kbps);
    read("max_bitrate_kbps", &spec.quality.max_bitrate_kbps);
    if (q["adaptive"]) spec.quality.adaptive = q["adaptive"].as<bool>();
    if (q["nack"]) spec.quality.nack = q["nack"].as<bool>();
    if (q["preset"]) spec.quality.preset = q["preset"].as<std::string>();
    if (q["degradation"]) {
      engine::Degradation d;
      const std::string name = q["degradation"].as<std::string>();
      if (!engine::ParseDegradation(name, &d)) {
        return Invalid(origin, where + ".quality.degradation",
                       "unknown value '" + name +
                           "' (valid: balanced, maintain_framerate, maintain_resolution)");
      }
      spec.quality.degradation = d;
    }
  }
  if (const YAML::Node o = node["source_options"]) {
    if (!o.IsMap()) return Invalid(origin, where + ".source_options", "must be a mapping");
    if (o["rtsp_transport"]) {
      auto transport = engine::ParseRtspTransport(o["rtsp_transport"].as<std::string>());
      if (!transport.ok()) {
        return Invalid(origin, where + ".source_options",
                       std::string(transport.status().message()));
      }
      spec.source_options.rtsp_transport = *transport;
    }
    if (o["loop"]) spec.source_options.loop = o["loop"].as<bool>();
    if (o["passthrough"]) spec.source_options.passthrough = o["passthrough"].as<bool>();
  }
  if (const YAML::Node a = node["ahoy"]) {
    if (!a.IsMap()) return Invalid(origin, where + ".ahoy", "must be a mapping");
    if (a["api_key"]) {
      return Invalid(origin, where + ".ahoy.api_key",
                     "keys are not read from config files; use AHOY_API_KEY or --api-key-file");
    }
    spec.director_url = a["director_url"].as<std::string>("");
    spec.feed_name = a["feed_name"].as<std::string>("");
  }
  return spec;
}

// name: {codec: H264, encode: "...", source: "..."}; checked against
// GStreamer later, at agent start-up (engine/pipeline_template.h).
absl::StatusOr<engine::PipelineTemplate> ParseTemplate(const std::string& name,
                                                       const YAML::Node& node,
                                                       const std::string& origin) {
  const std::string where = absl::StrCat("pipeline_templates.", name);
  if (!node.IsMap()) return Invalid(origin, where, "must be a mapping");
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
          std::string::npos) {
    return Invalid(origin, where, "a template name is [A-Za-z0-9._-]{1,64}");
  }
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    if (key != "codec" && key != "encode" && key != "source") {
      return Invalid(origin, where,
                     absl::StrCat("unknown key '", key, "' (codec, encode, source)"));
    }
  }
  engine::PipelineTemplate tmpl;
  tmpl.name = name;
  if (!node["codec"]) return Invalid(origin, where, "codec is required");
  auto codec = engine::ParseCodec(node["codec"].as<std::string>());
  if (!codec.ok()) return Invalid(origin, where, std::string(codec.status().message()));
  tmpl.codec = *codec;
  tmpl.encode = node["encode"].as<std::string>("");
  if (tmpl.encode.empty()) return Invalid(origin, where, "encode is required");
  tmpl.source = node["source"].as<std::string>("");
  return tmpl;
}

}  // namespace

absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& origin) {
  AgentConfig config;
  try {
    const YAML::Node root = YAML::Load(text);
    if (root.IsNull()) return config;
    if (!root.IsMap()) return Invalid(origin, "top level", "must be a mapping");
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      if (key == "streams" || key == "pipeline_templates") continue;
      if (key == "config") return Invalid(origin, key, "a config file cannot name another");
      if (key == "ice_server" && entry.second.IsSequence()) {
        // A list of URLs (the flag's comma-separated form).
        std::string joined;
        for (const auto& url : entry.second) {
          absl::StrAppend(&joined, joined.empty() ? "" : ",", url.as<std::string>());
        }
        config.settings[key] = joined;
        continue;
      }
      if (key == "turn_credential" || key == "turn_username") {
        return Invalid(origin, key,
                       "TURN credentials are not read from config files; use "
                       "--turn-credentials-file or GWA_TURN_USERNAME/GWA_TURN_CREDENTIAL");
      }
      if (!entry.second.IsScalar()) return Invalid(origin, key, "must be a single value");
      config.settings[key] = entry.second.as<std::string>();
    }
    if (const YAML::Node templates = root["pipeline_templates"]) {
      if (!templates.IsMap()) return Invalid(origin, "pipeline_templates", "must be a mapping");
      for (const auto& entry : templates) {
        auto tmpl = ParseTemplate(entry.first.as<std::string>(), entry.second, origin);
        if (!tmpl.ok()) return tmpl.status();
        const std::string name = tmpl->name;
        config.pipeline_templates[name] =
            std::make_shared<const engine::PipelineTemplate>(std::move(*tmpl));
      }
    }
    if (const YAML::Node streams = root["streams"]) {
      if (!streams.IsSequence()) return Invalid(origin, "streams", "must be a list");
      for (size_t i = 0; i < streams.size(); ++i) {
        auto spec = ParseStream(streams[i], absl::StrCat("streams[", i, "]"), origin);
        if (!spec.ok()) return spec.status();
        config.streams.push_back(std::move(*spec));
      }
    }
  } catch (const YAML::Exception& e) {
    // e.what() carries line and column; values are never secrets here.
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ", e.what()));
  }
  return config;
}

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open config file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseAgentConfig(text.str(), path);
}

}  // namespace agent
