// Makes the config file's settings the agent's flag values, before the
// command line is parsed, so a flag given on the command line wins.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace agent {

// The value of --config (as "--config=F" or "--config F") among `args`, or "".
std::string FindConfigPath(const std::vector<char*>& args);

// Sets each agent flag named in `settings`. Unknown names, flags that are not
// the agent's own, and unparsable values are errors naming the setting.
absl::Status ApplyConfigSettings(const std::map<std::string, std::string>& settings,
                                 const std::string& origin);

}  // namespace agent
