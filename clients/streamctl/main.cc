// streamctl: operator CLI over the StreamControl gRPC API.
//
// main() checks the command line, picks the subcommand and its flags, connects
// and runs it. Exit status: 0 success, 1 RPC error, 2 usage error.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli.h"
#include "commands.h"
#include "connection.h"
#include "flags.h"
#include "health.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace streamctl {
namespace {

struct Command {
  const char* name;
  const char* usage;
  std::size_t min_args;
  std::size_t max_args;
  std::vector<std::string> flags;  // command flags allowed besides the global ones
  int (*run)(const CommandContext&);
};

const std::vector<Command>& Commands() {
  static const std::vector<std::string> kQuality = {"bitrate_kbps",
                                                    "framerate",
                                                    "width",
                                                    "height",
                                                    "fec_percentage",
                                                    "size",
                                                    "preset",
                                                    "keyframe_interval",
                                                    "nack",
                                                    "speed_preset",
                                                    "mtu",
                                                    "adaptive",
                                                    "min_bitrate_kbps",
                                                    "max_bitrate_kbps",
                                                    "degradation"};
  static const std::vector<Command> kCommands = [] {
    std::vector<std::string> start_flags = {
        "codec", "encoder",     "template",      "feed",        "director", "rtsp_transport",
        "loop",  "passthrough", "shared_encode", "max_viewers", "whip_url", "whip_token_file"};
    start_flags.insert(start_flags.end(), kQuality.begin(), kQuality.end());
    std::vector<std::string> set_flags = kQuality;
    set_flags.push_back("force_keyframe");
    return std::vector<Command>{
        {"start",
         "streamctl start <stream_id> <source_uri> [--codec h264|vp8|vp9|h265] "
         "[--encoder NAME] [--template NAME] [--feed NAME] [--director URL] "
         "[--rtsp_transport auto|udp|tcp] [--loop] [--passthrough] [--shared_encode] "
         "[--max_viewers N] [--whip-url URL [--whip-token-file AGENT_PATH]] [quality flags]",
         2, 2, start_flags, RunStart},
        {"stop", "streamctl stop <stream_id>", 1, 1, {}, RunStop},
        {"disconnect",
         "streamctl disconnect <stream_id> <session_id>   (\"\" for a v1 viewer)",
         2,
         2,
         {},
         RunDisconnect},
        {"set", "streamctl set <stream_id> [quality flags] [--force_keyframe]", 1, 1, set_flags,
         RunSet},
        {"get", "streamctl get <stream_id>", 1, 1, {}, RunGet},
        {"list", "streamctl list", 0, 0, {}, RunList},
        {"watch",
         "streamctl watch [<stream_id>] [--interval_ms 1000] [--count N] [--display "
         "auto|table|lines]",
         0,
         1,
         {"interval_ms", "count", "display"},
         RunWatch},
        {"health", "streamctl health   (exit 0 when the agent is SERVING)", 0, 0, {}, RunHealth},
    };
  }();
  return kCommands;
}

const Command* FindCommand(const std::string& name) {
  for (const Command& command : Commands()) {
    if (name == command.name) return &command;
  }
  return nullptr;
}

bool IsGlobalFlag(const std::string& name) {
  return name == "server" || name == "json" || name == "timeout_ms" || name == "tls" ||
         name == "ca_file" || name == "cert_file" || name == "key_file" || name == "token_file";
}

// --ca-file and --ca_file are the same flag: Abseil only knows underscores.
// Only the name part of "--name=value" changes, and nothing after "--".
std::vector<std::string> NormalizeFlagNames(int argc, char** argv) {
  std::vector<std::string> out(argv, argv + argc);
  for (size_t i = 1; i < out.size(); ++i) {
    std::string& arg = out[i];
    if (arg == "--") break;
    if (arg.rfind("--", 0) != 0) continue;
    const size_t end = std::min(arg.find('='), arg.size());
    for (size_t k = 2; k < end; ++k) {
      if (arg[k] == '-') arg[k] = '_';
    }
  }
  return out;
}

bool CommandTakesFlag(const Command& command, const std::string& name) {
  for (const std::string& flag : command.flags) {
    if (flag == name) return true;
  }
  return false;
}

int Run(int raw_argc, char** raw_argv) {
  std::vector<std::string> normalized = NormalizeFlagNames(raw_argc, raw_argv);
  std::vector<char*> arg_pointers;
  for (std::string& arg : normalized) arg_pointers.push_back(arg.data());
  const int argc = static_cast<int>(arg_pointers.size());
  char** argv = arg_pointers.data();

  ScanResult scan = ScanCommandLine(argc, argv);
  if (scan.help) {
    std::cout << UsageText();
    return kExitOk;
  }
  if (!scan.error.empty()) return UsageError(scan.error);

  // Cannot fail now: every flag was checked above.
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() < 2) return UsageError("missing command");
  const std::string name = positional[1];
  if (name == "help") {
    std::cout << UsageText();
    return kExitOk;
  }
  const Command* command = FindCommand(name);
  if (command == nullptr) return UsageError(absl::StrCat("unknown command '", name, "'"));

  CommandContext ctx;
  ctx.args.assign(positional.begin() + 2, positional.end());
  ctx.given = std::move(scan.given);
  ctx.usage = command->usage;
  if (ctx.args.size() < command->min_args || ctx.args.size() > command->max_args) {
    return UsageError(
        ctx.args.size() < command->min_args
            ? absl::StrCat("missing argument for ", name)
            : absl::StrCat("too many arguments for ", name, ": ", absl::StrJoin(ctx.args, " ")),
        ctx.usage);
  }
  for (const auto& [flag, value] : ctx.given) {
    if (!IsGlobalFlag(flag) && !CommandTakesFlag(*command, flag)) {
      return UsageError(absl::StrCat("--", flag, " does not apply to ", name), ctx.usage);
    }
  }
  for (const std::string& id : ctx.args) {
    if (id.empty()) return UsageError("arguments must not be empty", ctx.usage);
  }

  const std::string server = absl::GetFlag(FLAGS_server);
  if (server.empty()) return UsageError("--server must not be empty");
  const uint32_t timeout_ms = absl::GetFlag(FLAGS_timeout_ms);
  if (timeout_ms == 0) return UsageError("--timeout_ms must be positive");
  ctx.timeout = std::chrono::milliseconds(timeout_ms);
  ctx.json = absl::GetFlag(FLAGS_json);

  Connection connection;
  std::string error;
  if (!Connect(&connection, &error)) return UsageError(error);
  ctx.bearer_token = connection.bearer_token;
  std::unique_ptr<streamcontrol::v1::StreamControl::Stub> stub =
      streamcontrol::v1::StreamControl::NewStub(connection.channel);
  ctx.stub = stub.get();
  ctx.channel = connection.channel;
  return command->run(ctx);
}

}  // namespace
}  // namespace streamctl

int main(int argc, char** argv) { return streamctl::Run(argc, argv); }
