#include "chromium_viewer.h"

namespace testing_support {

std::vector<std::string> ChromiumViewerCommand(const std::string& director_host_port,
                                               const std::string& feed, int seconds, int report_ms,
                                               bool latency) {
  std::vector<std::string> command = {
      GWA_NODE,      std::string(GWA_BROWSER_DIR) + "/nat_viewer.mjs",
      "--director",  director_host_port,
      "--feed",      feed,
      "--seconds",   std::to_string(seconds),
      "--report_ms", std::to_string(report_ms)};
  if (latency) command.insert(command.end(), {"--latency", "1"});
  return command;
}

}  // namespace testing_support
