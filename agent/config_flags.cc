#include "config_flags.h"

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace agent {

std::string FindConfigPath(const std::vector<char*>& args) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string arg = args[i];
    if (arg == "--") break;
    if (absl::StartsWith(arg, "--config=")) return arg.substr(9);
    if (arg == "--config" && i + 1 < args.size()) return args[i + 1];
  }
  return "";
}

absl::Status ApplyConfigSettings(const std::map<std::string, std::string>& settings,
                                 const std::string& origin) {
  for (const auto& [name, value] : settings) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    // Only the agent's own flags: not absl's (--flagfile, --help...).
    if (flag == nullptr || !absl::EndsWith(flag->Filename(), "agent/main.cc")) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": unknown setting '", name, "' (settings are agent flag names)"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ": ", name, ": ", error));
    }
  }
  return absl::OkStatus();
}

}  // namespace agent
