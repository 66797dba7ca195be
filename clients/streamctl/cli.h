// Command-line checking that must happen before absl::ParseCommandLine, which
// would exit with status 1 on a bad flag: streamctl reports usage errors with
// status 2 instead. Also owns the usage text.
#ifndef GWA_CLIENTS_STREAMCTL_CLI_H_
#define GWA_CLIENTS_STREAMCTL_CLI_H_

#include <map>
#include <string>

namespace streamctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitRpcError = 1,
  kExitUsage = 2,
};

// Flags present on the command line: name (without dashes) -> value as typed
// ("true"/"false" for a bare boolean flag or its "no" form).
using GivenFlags = std::map<std::string, std::string>;

struct ScanResult {
  bool help = false;  // --help (or a variant) was given
  std::string error;  // non-empty: a usage error to report
  GivenFlags given;
};

// Checks every flag in argv: known to streamctl, has a value where one is
// needed, and the value parses as the flag's type. Sets no flag that matters:
// absl::ParseCommandLine must still run afterwards.
ScanResult ScanCommandLine(int argc, char** argv);

// The full usage text (ends with a newline).
const char* UsageText();

// Prints "streamctl: <message>" and `usage` (or a short synopsis when empty)
// to stderr. Returns kExitUsage.
int UsageError(const std::string& message, const std::string& usage = "");

}  // namespace streamctl

#endif  // GWA_CLIENTS_STREAMCTL_CLI_H_
