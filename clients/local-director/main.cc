// local-director: an Ahoy-compatible director for watching feeds locally and
// for browser tests. Flags, wiring and the single asio thread live here; see
// director_server.h for the protocols.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <asio/io_context.hpp>
#include <sstream>

#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include "agent_congestion.h"
#include "api_key.h"
#include "director_server.h"
#include "listen_address.h"
#include "signaling/server_tls.h"
#include "ws_endpoint.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:8080",
          "HOST:PORT to serve HTTP and WebSocket on; port 0 picks a free port");
ABSL_FLAG(std::string, agent_grpc, "",
          "An agent's gRPC address (host:port, plaintext, e.g. 127.0.0.1:50051): the viewer page "
          "charts that agent's congestion estimate for each viewer next to the received rate "
          "(GET /api/congestion). Empty: no chart line");
ABSL_FLAG(std::string, api_key_file, "",
          "File holding the agents' API key (trimmed); when set, agents must send it "
          "in the x-api-key header or get HTTP 401");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve HTTPS and WSS instead of HTTP and WS (with --tls-key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls-cert");
ABSL_FLAG(int64_t, response_timeout_ms, 15000,
          "How long an agent may take to answer streamStartRequest or sdpRequest");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error or off");
// --ice-server is read before absl (it may repeat): see TakeIceServers.

namespace {

constexpr auto kShutdownGrace = std::chrono::milliseconds(2000);
constexpr auto kShutdownPoll = std::chrono::milliseconds(20);

// absl flag names are identifiers; accept the dashed spelling too
// (--api-key-file == --api_key_file). Only the name part is rewritten.
std::vector<std::string> NormalizeFlagNames(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.size() < 3 || arg[0] != '-') continue;
    const std::size_t start = arg[1] == '-' ? 2 : 1;
    const std::size_t end = std::min(arg.find('='), arg.size());
    for (std::size_t j = start; j < end; ++j) {
      if (arg[j] == '-') arg[j] = '_';
    }
  }
  return args;
}

// Polls until every connection is closed or the grace period is over, then
// stops the io_context so run() returns.
void StopWhenDrained(asio::io_context& io, local_director::WsEndpoint& endpoint,
                     std::shared_ptr<asio::steady_timer> timer,
                     std::chrono::steady_clock::time_point deadline) {
  if (endpoint.OpenConnections() == 0 || std::chrono::steady_clock::now() >= deadline) {
    io.stop();
    return;
  }
  timer->expires_after(kShutdownPoll);
  timer->async_wait([&io, &endpoint, timer, deadline](const std::error_code&) {
    StopWhenDrained(io, endpoint, timer, deadline);
  });
}

// Every "--ice_server VALUE" / "--ice_server=VALUE" taken out of `args`:
// VALUE is URL or URL,USERNAME,CREDENTIAL_FILE (the credential is read from
// the file, never from argv). Returns false with `error` naming the problem.
bool TakeIceServers(std::vector<std::string>& args,
                    std::vector<signaling::ahoy::IceServer>* servers, std::string* error) {
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string value;
    if (args[i] == "--") {
      rest.insert(rest.end(), args.begin() + static_cast<long>(i), args.end());
      break;
    }
    if (args[i].rfind("--ice_server=", 0) == 0) {
      value = args[i].substr(13);
    } else if (args[i] == "--ice_server" && i + 1 < args.size()) {
      value = args[++i];
    } else {
      rest.push_back(args[i]);
      continue;
    }
    std::vector<std::string> parts;
    std::stringstream in(value);
    for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
    if (parts.size() != 1 && parts.size() != 3) {
      *error = "--ice-server takes URL or URL,USERNAME,CREDENTIAL_FILE";
      return false;
    }
    signaling::ahoy::IceServer server;
    server.urls.push_back(parts[0]);
    if (parts.size() == 3) {
      server.username = parts[1];
      auto credential = local_director::LoadApiKey(parts[2], error);
      if (!credential) {
        *error = "--ice-server " + parts[0] + ": credential file: " + *error;
        return false;
      }
      server.credential = *credential;
    }
    servers->push_back(std::move(server));
  }
  args = std::move(rest);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Ahoy-compatible director: agents connect to ws://HOST:PORT/feeds/<name>, "
      "browsers open http://HOST:PORT/ (?feed=NAME autoplays).");
  std::vector<std::string> args = NormalizeFlagNames(argc, argv);
  std::vector<signaling::ahoy::IceServer> ice_servers;
  std::string ice_error;
  if (!TakeIceServers(args, &ice_servers, &ice_error)) {
    std::cerr << ice_error << "\n";
    return 2;
  }
  std::vector<char*> arg_ptrs;
  for (std::string& arg : args) arg_ptrs.push_back(arg.data());
  const std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());

  // Logs go to stderr: stdout carries only the "listening on" line.
  auto logger = spdlog::stderr_color_mt("local-director");
  spdlog::set_default_logger(logger);
  const std::string level_name = absl::GetFlag(FLAGS_log_level);
  const spdlog::level::level_enum level = spdlog::level::from_str(level_name);
  if (level == spdlog::level::off && level_name != "off") {
    spdlog::error("--log-level: unknown level '{}'", level_name);
    return 2;
  }
  spdlog::set_level(level);

  if (positional.size() > 1) {
    spdlog::error("unexpected argument '{}'", positional[1]);
    return 2;
  }
  std::string error;
  const auto address = local_director::ParseListenAddress(absl::GetFlag(FLAGS_listen), &error);
  if (!address) {
    spdlog::error("--listen: {}", error);
    return 2;
  }
  std::optional<std::string> api_key;
  if (const std::string path = absl::GetFlag(FLAGS_api_key_file); !path.empty()) {
    api_key = local_director::LoadApiKey(path, &error);
    if (!api_key) {
      spdlog::error("--api-key-file: {}", error);
      return 2;
    }
  }
  const int64_t timeout_ms = absl::GetFlag(FLAGS_response_timeout_ms);
  if (timeout_ms <= 0) {
    spdlog::error("--response-timeout-ms must be positive");
    return 2;
  }

  std::shared_ptr<asio::ssl::context> tls;
  const std::string tls_cert = absl::GetFlag(FLAGS_tls_cert);
  const std::string tls_key = absl::GetFlag(FLAGS_tls_key);
  if (tls_cert.empty() != tls_key.empty()) {
    spdlog::error("--tls-cert and --tls-key go together");
    return 2;
  }
  if (!tls_cert.empty()) {
    auto loaded = signaling::LoadServerTls({tls_cert, tls_key, ""});
    if (!loaded.ok()) {
      spdlog::error("{}", std::string(loaded.status().message()));
      return 2;
    }
    tls = *loaded;
  }

  asio::io_context io;
  local_director::WsEndpoint endpoint(io, api_key, tls);
  local_director::DirectorServer director(
      io, endpoint,
      local_director::DirectorOptions{api_key, std::chrono::milliseconds(timeout_ms),
                                      std::move(ice_servers)});
  endpoint.Attach(&director);
  std::unique_ptr<local_director::AgentCongestion> congestion;
  if (const std::string agent = absl::GetFlag(FLAGS_agent_grpc); !agent.empty()) {
    congestion = std::make_unique<local_director::AgentCongestion>(agent);
    endpoint.AttachCongestion(congestion.get());
  }

  const auto port = endpoint.Listen(*address, &error);
  if (!port) {
    spdlog::error("{}", error);
    return 1;
  }
  std::string url = local_director::HttpUrl(address->host, *port);
  if (tls) url.insert(4, "s");                                      // http:// -> https://
  std::cout << "local-director listening on " << url << std::endl;  // flushes: scripts wait
  spdlog::info("agents connect to ws{}feeds/<name>{}", url.substr(4),
               api_key ? " (x-api-key required)" : "");

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int signal_number) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal_number);
    director.Shutdown();
    endpoint.Shutdown();
    StopWhenDrained(io, endpoint, std::make_shared<asio::steady_timer>(io),
                    std::chrono::steady_clock::now() + kShutdownGrace);
  });

  io.run();
  spdlog::info("bye");
  return 0;
}
