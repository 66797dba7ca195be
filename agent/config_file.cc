#include "config_file.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace agent {
namespace {

absl::StatusOr<control::StreamSpec> ParseStream(const nlohmann::json& j, size_t index) {
  std::string where = absl::StrCat("streams[", index, "]");
  if (!j.is_object()) return absl::InvalidArgumentError(where + " is not an object");
  control::StreamSpec spec;
  spec.stream_id = j.value("stream_id", "");
  spec.source_uri = j.value("source_uri", "");
  if (auto codec = engine::ParseCodec(j.value("codec", "H264")); codec.ok()) {
    spec.codec = *codec;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", codec.status().message()));
  }
  if (j.contains("quality")) {
    const auto& q = j.at("quality");
    auto read = [&](const char* key, std::optional<uint32_t>* out) {
      if (q.contains(key)) *out = q.at(key).get<uint32_t>();
    };
    read("bitrate_kbps", &spec.quality.bitrate_kbps);
    read("framerate", &spec.quality.framerate);
    read("width", &spec.quality.width);
    read("height", &spec.quality.height);
    read("fec_percentage", &spec.quality.fec_percentage);
    read("keyframe_interval", &spec.quality.keyframe_interval);
    if (q.contains("preset")) spec.quality.preset = q.at("preset").get<std::string>();
  }
  if (j.contains("ahoy")) {
    const auto& a = j.at("ahoy");
    spec.director_url = a.value("director_url", "");
    spec.feed_name = a.value("feed_name", "");
    if (a.contains("api_key")) {
      return absl::InvalidArgumentError(
          where +
          ".ahoy.api_key: keys are not read from config files; use AHOY_API_KEY or "
          "--api-key-file");
    }
  }
  return spec;
}

}  // namespace

absl::StatusOr<std::vector<control::StreamSpec>> LoadStreamsFromConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open config file ", path));
  try {
    nlohmann::json root = nlohmann::json::parse(in);
    std::vector<control::StreamSpec> specs;
    if (!root.contains("streams")) return specs;
    if (!root.at("streams").is_array()) {
      return absl::InvalidArgumentError(path + ": 'streams' must be an array");
    }
    size_t index = 0;
    for (const auto& s : root.at("streams")) {
      auto spec = ParseStream(s, index++);
      if (!spec.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": ", spec.status().message()));
      }
      specs.push_back(std::move(*spec));
    }
    return specs;
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
}

}  // namespace agent
