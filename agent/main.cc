// gstwebrtc-agent: streams live video through GStreamer/webrtcbin to WebRTC
// viewers found through an Ahoy director, controlled over gRPC.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "config_file.h"
#include "config_flags.h"
#include "control/agent_server.h"
#include "engine/heap.h"
#include "engine/ice_options.h"
#include "ice_flags.h"
#include "log_setup.h"

ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:50051", "gRPC listen address (host:port)");
ABSL_FLAG(std::string, director_url, "ws://127.0.0.1:8080/feeds/",
          "Default Ahoy director base URL for streams that name none");
ABSL_FLAG(std::string, api_key_file, "",
          "File holding the Ahoy API key (else env AHOY_API_KEY). Never pass the key itself.");
ABSL_FLAG(std::string, config, "",
          "YAML (or JSON) config file: agent settings under their flag names, and the streams "
          "to start at launch (see configs/agent.example.yaml)");
ABSL_FLAG(int, stats_interval_ms, 1000, "Stats sampling interval");
ABSL_FLAG(int, ice_gather_timeout_ms, 2000, "Longest wait for ICE gathering before answering");
ABSL_FLAG(int, ice_connect_timeout_ms, 30000,
          "A viewer whose ICE has not connected this long after its play is dropped, the "
          "stream FAILED with the reason");
ABSL_FLAG(bool, ice_tcp, false,
          "Also gather ICE-TCP candidates (slower answers; for UDP-less paths)");
ABSL_FLAG(bool, ice_upnp, false,
          "Let libnice ask the site's router to open ports over UPnP-IGD (SSDP multicast on "
          "every interface). Off by default: only for a site whose operator wants it");
ABSL_FLAG(std::vector<std::string>, ice_server, {},
          "STUN/TURN server URL for every viewer session (stun:host[:port], "
          "turn:host[:port][?transport=udp|tcp], turns:host[:port]); repeatable or "
          "comma-separated. TURN credentials come from --turn-credentials-file or "
          "GWA_TURN_USERNAME/GWA_TURN_CREDENTIAL, never from here");
ABSL_FLAG(std::string, ice_tls_ca_file, "",
          "PEM bundle trusted to verify turns: (TURN over TLS) servers (else the system's)");
ABSL_FLAG(std::string, ice_transport_policy, "all",
          "all, or relay: only relayed (TURN) candidates, never a direct path");
ABSL_FLAG(std::string, turn_credentials_file, "",
          "File holding the TURN username (first line) and credential (second line) for the "
          "--ice-server TURN URLs (else env GWA_TURN_USERNAME and GWA_TURN_CREDENTIAL)");
ABSL_FLAG(bool, latency_probe, false,
          "Stamp the wall clock into every picture before encoding, for glass-to-glass "
          "latency benchmarks (bench/); visible as blocks at the top-left corner");
ABSL_FLAG(double, pacing_factor, 2.5,
          "Each viewer's packets leave at this multiple of its target bitrate, bursts spread "
          "(libwebrtc's pacer: 2.5); 0 turns pacing off (a frame's packets leave at once)");
ABSL_FLAG(int, max_streams, 64, "Most streams this agent runs at once");
ABSL_FLAG(int, max_viewers_per_feed, 4,
          "Viewer sessions per stream at once unless its StartRequest says otherwise (1..64); "
          "each viewer has its own encoder unless the stream shares one");
ABSL_FLAG(std::string, director_ca, "", "CA bundle to verify wss:// directors (else system)");
ABSL_FLAG(bool, director_insecure, false, "Do not verify wss:// director certificates (labs)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain for gRPC TLS (with --tls-key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for gRPC TLS (with --tls-cert)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: require gRPC clients to present a certificate it signed (mutual TLS)");
ABSL_FLAG(std::string, auth_token_file, "",
          "File holding the bearer token every StreamControl RPC must send (health and "
          "reflection are exempt). Never pass the token itself.");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port of a Prometheus scrape endpoint (GET /metrics); empty: none. Same TLS "
          "files and bearer token as the gRPC API");
ABSL_FLAG(int, reload_interval_s, 60,
          "How often the TLS files, --auth-token-file and --api-key-file are checked for "
          "changes (rotation without a restart); 0: read once at start");
ABSL_FLAG(int, max_watchers, 256, "Most concurrent WatchStats subscribers");
ABSL_FLAG(int, max_message_bytes, 1 << 20, "Largest gRPC request the agent accepts, in bytes");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error, critical, off");
ABSL_FLAG(std::string, log_format, "text", "text, or json (one object per line)");

namespace {

// The documented spelling is --grpc-listen; absl flags use underscores.
std::vector<char*> NormalizeFlagNames(int argc, char** argv, std::vector<std::string>* storage) {
  storage->reserve(argc);
  std::vector<char*> out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0 && arg.rfind("--", 0) == 0) {
      size_t end = arg.find('=');
      for (size_t k = 2; k < std::min(end, arg.size()); ++k) {
        if (arg[k] == '-') arg[k] = '_';
      }
    }
    storage->push_back(arg);
  }
  for (auto& s : *storage) out.push_back(s.data());
  return out;
}

// A secret file's content, whitespace-stripped; exits on an unreadable file.
std::string ReadSecretFile(const std::string& path, const char* flag) {
  std::ifstream in(path);
  if (!in) {
    spdlog::critical("cannot read {} {}", flag, path);
    std::exit(2);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(buffer.str()));
}

std::string ReadApiKey() {
  std::string path = absl::GetFlag(FLAGS_api_key_file);
  if (!path.empty()) return ReadSecretFile(path, "--api-key-file");
  const char* env = std::getenv("AHOY_API_KEY");
  return env ? env : "";
}

// TURN credentials: a file or the environment, never argv (like the API key).
agent::TurnCredentials ReadTurnCredentials() {
  const std::string path = absl::GetFlag(FLAGS_turn_credentials_file);
  if (!path.empty()) {
    auto read = agent::ReadTurnCredentialsFile(path);
    if (!read.ok()) {
      spdlog::critical("{}", std::string(read.status().message()));
      std::exit(2);
    }
    return *read;
  }
  const char* user = std::getenv("GWA_TURN_USERNAME");
  const char* credential = std::getenv("GWA_TURN_CREDENTIAL");
  return {user ? user : "", credential ? credential : ""};
}

std::string ReadAuthToken() {
  std::string path = absl::GetFlag(FLAGS_auth_token_file);
  if (path.empty()) return "";
  std::string token = ReadSecretFile(path, "--auth-token-file");
  // An empty file must not quietly turn authentication off.
  if (token.empty()) {
    spdlog::critical("--auth-token-file {} is empty", path);
    std::exit(2);
  }
  return token;
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by a dedicated thread; block them before any other
  // thread (GStreamer, asio, gRPC) exists so none of those gets them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Before any thread allocates: keeps RSS flat as viewers come and go.
  engine::ConfigureHeap();

  absl::SetProgramUsageMessage("gstwebrtc-agent [--grpc-listen HOST:PORT] [--config FILE]");
  std::vector<std::string> storage;
  std::vector<char*> args = NormalizeFlagNames(argc, argv, &storage);
  // --ice-server may be repeated: absl would keep only the last.
  storage = agent::JoinRepeatedFlag(storage, "ice_server");
  args.clear();
  for (auto& s : storage) args.push_back(s.data());
  // The config file first (its settings become flag values), then the
  // command line, so flags given there win.
  agent::AgentConfig config;
  if (const std::string path = agent::FindConfigPath(args); !path.empty()) {
    auto loaded = agent::LoadAgentConfig(path);
    absl::Status applied =
        loaded.ok() ? agent::ApplyConfigSettings(loaded->settings, path) : loaded.status();
    if (!applied.ok()) {
      std::cerr << applied.message() << "\n";
      return 2;
    }
    config = std::move(*loaded);
  }
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (absl::Status logging =
          agent::SetUpLogging(absl::GetFlag(FLAGS_log_level), absl::GetFlag(FLAGS_log_format));
      !logging.ok()) {
    std::cerr << logging.message() << "\n";
    return 2;
  }

  control::AgentOptions options;
  options.grpc_listen = absl::GetFlag(FLAGS_grpc_listen);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.security.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.security.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.security.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.security.auth_token = ReadAuthToken();
  const int reload_interval_s = absl::GetFlag(FLAGS_reload_interval_s);
  if (reload_interval_s < 0) {
    spdlog::critical("--reload-interval-s must be 0 or more");
    return 2;
  }
  options.security.reload_interval_s = static_cast<unsigned>(reload_interval_s);
  if (reload_interval_s > 0 && !options.security.auth_token.empty()) {
    auto token =
        control::RotatingSecret::Open(absl::GetFlag(FLAGS_auth_token_file), "--auth-token-file");
    if (!token.ok()) {
      spdlog::critical("{}", std::string(token.status().message()));
      return 2;
    }
    options.security.auth_token_source = *token;
  }
  if (absl::GetFlag(FLAGS_max_watchers) < 1 || absl::GetFlag(FLAGS_max_message_bytes) < 1) {
    spdlog::critical("--max-watchers and --max-message-bytes must be positive");
    return 2;
  }
  options.max_watchers = static_cast<size_t>(absl::GetFlag(FLAGS_max_watchers));
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.registry.default_director_url = absl::GetFlag(FLAGS_director_url);
  options.registry.default_api_key = ReadApiKey();
  if (reload_interval_s > 0 && !absl::GetFlag(FLAGS_api_key_file).empty() &&
      !options.registry.default_api_key.empty()) {
    auto key = control::RotatingSecret::Open(absl::GetFlag(FLAGS_api_key_file), "--api-key-file");
    if (!key.ok()) {
      spdlog::critical("{}", std::string(key.status().message()));
      return 2;
    }
    options.registry.default_api_key_source = *key;
  }
  options.registry.max_streams = static_cast<size_t>(absl::GetFlag(FLAGS_max_streams));
  const int max_viewers = absl::GetFlag(FLAGS_max_viewers_per_feed);
  if (max_viewers < 1 || max_viewers > static_cast<int>(engine::kMaxViewersLimit)) {
    spdlog::critical("--max-viewers-per-feed must be 1 to {}", engine::kMaxViewersLimit);
    return 2;
  }
  options.registry.max_viewers_per_feed = static_cast<uint32_t>(max_viewers);
  options.registry.stats_interval =
      std::chrono::milliseconds(absl::GetFlag(FLAGS_stats_interval_ms));
  options.registry.ice_gather_timeout =
      std::chrono::milliseconds(absl::GetFlag(FLAGS_ice_gather_timeout_ms));
  options.registry.ice_connect_timeout =
      std::chrono::milliseconds(absl::GetFlag(FLAGS_ice_connect_timeout_ms));
  options.registry.ice.tcp = absl::GetFlag(FLAGS_ice_tcp);
  options.registry.ice.upnp = absl::GetFlag(FLAGS_ice_upnp);
  auto ice_servers =
      agent::IceServersFromFlags(absl::GetFlag(FLAGS_ice_server), ReadTurnCredentials());
  auto ice_policy = engine::ParseIceTransportPolicy(absl::GetFlag(FLAGS_ice_transport_policy));
  if (!ice_servers.ok() || !ice_policy.ok()) {
    const absl::Status& bad = !ice_servers.ok() ? ice_servers.status() : ice_policy.status();
    spdlog::critical("{}", std::string(bad.message()));
    return 2;
  }
  options.registry.ice.servers = std::move(*ice_servers);
  options.registry.ice.transport_policy = *ice_policy;
  options.registry.ice.tls_ca_file = absl::GetFlag(FLAGS_ice_tls_ca_file);
  // Read by the TURN-over-TLS tunnel only when a viewer first needs it: a
  // typo would otherwise surface as "no relay" at the first play.
  if (const std::string& ca = options.registry.ice.tls_ca_file;
      !ca.empty() && !std::ifstream(ca).good()) {
    spdlog::critical("--ice-tls-ca-file {}: cannot be read", ca);
    return 2;
  }
  if (absl::Status ice = engine::ValidateIceOptions(options.registry.ice); !ice.ok()) {
    spdlog::critical("{}", std::string(ice.message()));
    return 2;
  }
  options.registry.latency_probe = absl::GetFlag(FLAGS_latency_probe);
  options.registry.pacing_factor = absl::GetFlag(FLAGS_pacing_factor);
  if (const double f = options.registry.pacing_factor; !(f == 0 || (f >= 1 && f <= 10))) {
    spdlog::critical("--pacing-factor {}: 0 (off) or 1..10", f);
    return 2;
  }
  options.registry.link_template.ca_file = absl::GetFlag(FLAGS_director_ca);
  options.registry.link_template.tls_insecure = absl::GetFlag(FLAGS_director_insecure);

  options.registry.pipeline_templates = std::move(config.pipeline_templates);

  std::vector<control::StreamSpec> startup_streams = std::move(config.streams);

  auto agent = control::AgentServer::Start(options);
  if (!agent.ok()) {
    spdlog::critical("{}", agent.status().ToString());
    // A bad flag combination or file is a usage error; a busy port is not.
    return absl::IsInvalidArgument(agent.status()) ? 2 : 1;
  }
  for (auto& spec : startup_streams) {
    std::string id = spec.stream_id;
    auto started = (*agent)->registry().Start(std::move(spec));
    if (!started.ok()) {
      spdlog::critical("stream {}: {}", id, started.status().ToString());
      (*agent)->Shutdown(std::chrono::seconds(5));
      return 2;
    }
  }
  // Scripts wait for this line before talking to the agent.
  std::cout << "gstwebrtc-agent ready: gRPC on port " << (*agent)->grpc_port();
  if ((*agent)->metrics_port() != 0) std::cout << ", metrics on port " << (*agent)->metrics_port();
  std::cout << std::endl;

  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("signal {}: shutting down", received);
    (*agent)->Shutdown(std::chrono::seconds(5));
  });
  (*agent)->Wait();
  signal_thread.join();
  spdlog::info("bye");
  return 0;
}
