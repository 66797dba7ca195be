// The agent binary run as a child process, as an operator runs it.
#pragma once

#include <string>

namespace testing_support {

// bin/gstwebrtc-agent of this build.
std::string AgentBinary();

// Runs the agent with `config_text` as its config file, expecting it to print
// `reason` (a regular expression) and exit 2 without ever serving gRPC;
// records a test failure otherwise. Returns everything the agent printed.
std::string ExpectAgentRefusesConfig(const std::string& config_text, const std::string& reason);

}  // namespace testing_support
