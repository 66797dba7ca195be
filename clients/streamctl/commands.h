// The subcommands. Each builds its request from the positional arguments and
// flags, makes one RPC and prints the answer. Argument counts and which flags
// apply are checked by the dispatcher (main.cc) before a command runs.
#ifndef GWA_CLIENTS_STREAMCTL_COMMANDS_H_
#define GWA_CLIENTS_STREAMCTL_COMMANDS_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cli.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace streamctl {

struct CommandContext {
  streamcontrol::v1::StreamControl::StubInterface* stub = nullptr;
  std::shared_ptr<grpc::Channel> channel;  // for services other than StreamControl
  std::vector<std::string> args;           // positional arguments after the command name
  GivenFlags given;                        // flags present on the command line
  bool json = false;
  std::chrono::milliseconds timeout{5000};  // deadline for unary calls
  std::string bearer_token;                 // sent with every call when set (secret)
  std::string usage;                        // this command's usage line, for errors
};

// Each returns the process exit status (see ExitCode).
int RunStart(const CommandContext& ctx);
int RunStop(const CommandContext& ctx);
int RunDisconnect(const CommandContext& ctx);
int RunSet(const CommandContext& ctx);
int RunGet(const CommandContext& ctx);
int RunList(const CommandContext& ctx);
int RunWatch(const CommandContext& ctx);

}  // namespace streamctl

#endif  // GWA_CLIENTS_STREAMCTL_COMMANDS_H_
