#include "cli.h"

#include <iostream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "flags.h"

namespace streamctl {
namespace {

constexpr char kUsage[] =
    R"(Usage: streamctl [global flags] <command> [args] [command flags]

Operator CLI for the gstwebrtc-agent StreamControl gRPC API.

Commands:
  start <stream_id> <source_uri> [--codec h264|vp8|vp9|h265] [--encoder NAME]
        [--template NAME] [--feed NAME] [--director URL]
        [--rtsp_transport auto|udp|tcp] [--loop] [--passthrough] [quality flags]
                  create a stream and register its Ahoy feed; the API key is
                  taken from the AHOY_API_KEY environment variable if set.
                  --encoder: x264 or openh264 for h264; --template: a
                  pipeline template from the agent's config file (source_uri
                  "-" when the template has a source part); --passthrough:
                  forward an RTSP camera's H264/H265 without re-encoding
  stop <stream_id>
                  stop a stream and forget it
  set <stream_id> [quality flags] [--force_keyframe]
                  change only the given quality fields, live; --force_keyframe
                  asks the encoder for a keyframe now
  get <stream_id> show one stream
  list            show every stream
  watch [<stream_id>] [--interval_ms 1000] [--count N] [--display auto|table|lines]
                  live stats (every stream if no id): on a terminal a table
                  redrawn in place, one row per stream; piped (or with
                  --display lines) one line per sample; --json one object per
                  sample; with --count N, exit after N samples
  help            show this text

Quality flags (a field is left unset unless its flag is given):
  --bitrate_kbps N     target bitrate, 50..50000
  --framerate N        frames per second, 1..120
  --width N            even, 16..4096
  --height N           even, 16..2160
  --size WxH           shorthand for --width W --height H
  --fec_percentage N   ULP FEC redundancy, 0..100
  --preset NAME        low 640x360@15 400kbps, medium 640x360@20 1000kbps,
                       high 1280x720@20 1500kbps, hd 1280x720@20 2500kbps,
                       fhd 1920x1080@20 4000kbps; explicit flags override it
  --keyframe_interval N  most frames between keyframes, 0..3000 (0: 2 s)
  --nack on|off        NACK/RTX; negotiated, so only while no viewer watches
  --speed_preset N     x264 speed-preset 1..10 (1 ultrafast; only while no
                       viewer watches) or vpx cpu-used (VP8 0..16, VP9 0..9, live)
  --mtu N              largest RTP packet, 576..1400 bytes, live
  --adaptive on|off    congestion control: each viewer's bitrate follows its
                       link between --min_bitrate_kbps and --bitrate_kbps
                       (and --max_bitrate_kbps); off: exactly --bitrate_kbps
  --min_bitrate_kbps N adaptive floor, 50..50000 (default 150)
  --max_bitrate_kbps N adaptive cap, 50..50000
  --degradation D      what an adaptive viewer gives up when its link cannot
                       carry the picture: balanced (default), maintain_framerate
                       (smaller size) or maintain_resolution (fewer fps), live

Global flags:
  --server HOST:PORT   agent address (default 127.0.0.1:50051)
  --timeout_ms N       deadline for unary calls (default 5000)
  --json               print responses as JSON, one object per line
  --tls                connect with TLS (implied by the three flags below)
  --ca-file PEM        root CA that signed the agent's certificate
                       (default: the system's trust store)
  --cert-file PEM      client certificate, for an agent run with --tls-client-ca
  --key-file PEM       its private key
  --token-file FILE    send the bearer token in FILE (agent --auth-token-file)

Flag names may be written with '-' or '_' (--ca-file, --ca_file).

Exit status: 0 success, 1 RPC error, 2 usage error.
)";

bool IsHelpFlag(absl::string_view name) {
  return name == "help" || name == "h" || name == "helpfull" || name == "helpshort" || name == "?";
}

}  // namespace

ScanResult ScanCommandLine(int argc, char** argv) {
  ScanResult result;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;  // everything after is positional
    if (arg.size() < 2 || arg[0] != '-') continue;

    absl::string_view body = arg.substr(absl::StartsWith(arg, "--") ? 2 : 1);
    absl::string_view name = body;
    absl::string_view value;
    bool has_value = false;
    if (auto eq = body.find('='); eq != absl::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    if (IsHelpFlag(name)) {
      result.help = true;
      return result;
    }

    absl::CommandLineFlag* flag = IsStreamctlFlag(name) ? absl::FindCommandLineFlag(name) : nullptr;
    if (flag == nullptr && !has_value && absl::ConsumePrefix(&name, "no")) {
      // --nojson is --json=false.
      flag = IsStreamctlFlag(name) ? absl::FindCommandLineFlag(name) : nullptr;
      if (flag != nullptr && !flag->IsOfType<bool>()) flag = nullptr;
      value = "false";
      has_value = true;
    }
    if (flag == nullptr) {
      if (result.error.empty()) result.error = absl::StrCat("unknown flag ", arg);
      continue;
    }

    if (!has_value) {
      if (flag->IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < argc && (argv[i + 1][0] != '-' || !flag->IsOfType<std::string>())) {
        value = argv[++i];
      } else {
        // For a string flag, "--feed --director x" is almost surely a
        // forgotten value; say so rather than take "--director" as the name.
        if (result.error.empty()) result.error = absl::StrCat("missing value for --", name);
        continue;
      }
    }

    std::string parse_error;
    if (!flag->ParseFrom(value, &parse_error)) {
      if (result.error.empty()) {
        result.error = absl::StrCat("bad value '", value, "' for --", name);
      }
      continue;
    }
    result.given[std::string(name)] = std::string(value);
  }
  return result;
}

const char* UsageText() { return kUsage; }

int UsageError(const std::string& message, const std::string& usage) {
  std::cerr << "streamctl: " << message << "\n";
  if (usage.empty()) {
    std::cerr << "usage: streamctl [global flags] <command> [args] [command flags]\n"
                 "commands: start, stop, set, get, list, watch, help; "
                 "run 'streamctl --help' for details\n";
  } else {
    std::cerr << "usage: " << usage << "\n";
  }
  return kExitUsage;
}

}  // namespace streamctl
