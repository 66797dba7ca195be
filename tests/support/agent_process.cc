#include "agent_process.h"

#include <gtest/gtest.h>

#include <chrono>

#include "child_process.h"
#include "temp_file.h"

namespace testing_support {

std::string AgentBinary() { return std::string(GWA_BIN_DIR) + "/gstwebrtc-agent"; }

std::string ExpectAgentRefusesConfig(const std::string& config_text, const std::string& reason) {
  using std::chrono::seconds;
  TempFile config(config_text);
  ChildProcess agent;
  std::string error;
  // The reason is printed, then the agent exits 2 without serving.
  if (agent
          .Start(AgentBinary(), {"--config", config.path(), "--grpc-listen=127.0.0.1:0"}, reason,
                 seconds(30), &error)
          .empty()) {
    ADD_FAILURE() << "no '" << reason << "' for config:\n" << config_text << error;
    return agent.Output();
  }
  EXPECT_EQ(agent.WaitForExit(seconds(30)), 2) << agent.Output();
  EXPECT_EQ(agent.CountInOutput("gRPC on port"), 0) << "the agent must not serve";
  return agent.Output();
}

}  // namespace testing_support
