// The agent's logging: spdlog to stderr, as text for people or as one JSON
// object per line for log collectors (--log-format=json).
#pragma once

#include <string>

#include "absl/status/status.h"

namespace agent {

// `level`: trace, debug, info, warn, error, critical, off. `format`: text or
// json. An unknown name is an error (spdlog itself would silently turn an
// unknown level into "off").
absl::Status SetUpLogging(const std::string& level, const std::string& format);

}  // namespace agent
