// The agent's config file (YAML, or JSON as YAML), read at start-up.
// Properties: never throws or crashes; a refused file is INVALID_ARGUMENT
// naming the origin.
#include "config_file.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::AsText(data, size));
  absl::StatusOr<agent::AgentConfig> config = agent::ParseAgentConfig(text, "fuzz.yaml");
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(std::string(config.status().message()).rfind("fuzz.yaml: ", 0) == 0);
    return 0;
  }
  for (const auto& [name, tmpl] : config->pipeline_templates) {
    FUZZ_CHECK(tmpl && tmpl->name == name && !tmpl->encode.empty());
  }
  FUZZ_CHECK(config->settings.count("config") == 0);
  FUZZ_CHECK(config->settings.count("turn_credential") == 0);
  return 0;
}
