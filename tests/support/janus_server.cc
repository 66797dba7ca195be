#include "janus_server.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/substitute.h"
#include "free_port.h"
#include "janus_api.h"
#include "private_network.h"

namespace testing_support {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr char kJanusLibDir[] = "/usr/lib/x86_64-linux-gnu/janus";

bool WriteFile(const fs::path& path, const std::string& text, std::string* error) {
  std::ofstream out(path);
  out << text;
  if (!out) *error = "cannot write " + path.string();
  return static_cast<bool>(out);
}

}  // namespace

JanusServer::JanusServer(std::string node, std::string token)
    : node_(std::move(node)), token_(std::move(token)) {}

JanusServer::~JanusServer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

bool JanusServer::WriteConfig(std::string* error) {
  char tmpl[] = "/tmp/gwa-janus-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    *error = "mkdtemp failed";
    return false;
  }
  dir_ = tmpl;
  http_port_ = FreeLoopbackPort();
  ws_port_ = FreeLoopbackPort();
  whip_port_ = FreeLoopbackPort();
  const fs::path dir(dir_);
  // Janus loads every library in its plugin/transport folders: folders of
  // our own with links to the three we want keep the others (SIP, MQTT,
  // RabbitMQ, event handlers…) from ever loading.
  for (const char* sub : {"plugins", "transports", "none", "cfg", "whip"}) {
    fs::create_directories(dir / sub);
  }
  std::error_code ec;
  for (const char* lib : {"plugins/libjanus_videoroom.so", "transports/libjanus_http.so",
                          "transports/libjanus_websockets.so"}) {
    fs::create_symlink(fs::path(kJanusLibDir) / lib, dir / lib, ec);
    if (ec || !fs::exists(dir / lib)) {
      *error = std::string("cannot link Janus's ") + lib + " (is janus installed?) " + ec.message();
      return false;
    }
  }
  // Janus itself: its own plugin/transport folders, logs on stdout; the
  // subscriber's session lives as long as the test (no keepalives). No
  // STUN/TURN server, no NAT 1:1 mapping, no mDNS, no IPv6, candidates on one
  // of the private network's address only (kPrivateAddress on
  // kPrivateInterface, enforced by interface name).
  ice_address_ = kPrivateAddress;
  const std::string janus_jcfg = absl::Substitute(R"(general: {
  configs_folder = "$0/cfg"
  plugins_folder = "$0/plugins"
  transports_folder = "$0/transports"
  events_folder = "$0/none"
  loggers_folder = "$0/none"
  log_to_stdout = true
  debug_level = 4
  debug_colors = false
  session_timeout = 0
}
media: {
  ipv6 = false
}
nat: {
  nice_debug = false
  ignore_mdns = true
  ice_enforce_list = "$1"
}
plugins: {
}
transports: {
}
loggers: {
}
events: {
  broadcast = false
}
)",
                                                  dir_, kPrivateInterface);
  const std::string http_jcfg = absl::Substitute(R"(general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = $0
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_http = false
  admin_https = false
}
)",
                                                 http_port_);
  const std::string ws_jcfg = absl::Substitute(R"(general: {
  json = "plain"
  ws = true
  ws_port = $0
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
)",
                                               ws_port_);
  // H264 first: the agent's default codec.
  const std::string videoroom_jcfg = absl::Substitute(R"(general: {
}
room-$0: {
  description = "gwa WHIP test"
  publishers = 4
  bitrate = 8000000
  fir_freq = 10
  videocodec = "h264,vp8,vp9"
  audiocodec = "opus"
}
)",
                                                      kRoom);
  const std::string whip_config = absl::Substitute(R"(module.exports = {
  janus: { address: 'ws://127.0.0.1:$0' },
  port: $1,
  rest: '/whip', allowTrickle: true, strictETags: false, iceServers: []
};
)",
                                                   ws_port_, whip_port_);
  // Binds every listener that names only a port to 127.0.0.1.
  const std::string loopback_js = R"(const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function(port, ...rest) {
  if (typeof port !== 'number') return listen.call(this, port, ...rest);
  return listen.call(this, port, '127.0.0.1', ...rest.filter(a => typeof a === 'function'));
};
)";
  const fs::path src = fs::path(kSimpleWhipServerRoot) / "usr/share/simple-whip-server/src";
  for (const char* file : {"server.js", "whip-janus.js"}) {
    fs::copy_file(src / file, dir / "whip" / file, ec);
    if (ec) {
      *error = "simple-whip-server not found under " + std::string(kSimpleWhipServerRoot) +
               " (run scripts/install-deps.sh): " + ec.message();
      return false;
    }
  }
  return WriteFile(dir / "cfg/janus.jcfg", janus_jcfg, error) &&
         WriteFile(dir / "cfg/janus.transport.http.jcfg", http_jcfg, error) &&
         WriteFile(dir / "cfg/janus.transport.websockets.jcfg", ws_jcfg, error) &&
         WriteFile(dir / "cfg/janus.plugin.videoroom.jcfg", videoroom_jcfg, error) &&
         WriteFile(dir / "whip/config.js", whip_config, error) &&
         WriteFile(dir / "whip/loopback.js", loopback_js, error);
}

bool JanusServer::Start(std::string* error) {
  if (!InPrivateNetwork()) {
    *error = "Janus runs only inside the process's private network (EnterPrivateNetwork): " +
             PrivateNetworkError();
    return false;
  }
  if (dir_.empty() && !WriteConfig(error)) return false;
  const std::string cfg = dir_ + "/cfg";
  janus_ = std::make_unique<ChildProcess>();
  std::string janus_error;
  if (janus_
          ->Start("/usr/bin/janus", {"-C", cfg + "/janus.jcfg", "-F", cfg},
                  "(REST) \\(HTTP/HTTPS\\) transport plugin initialized", 20s, &janus_error)
          .empty()) {
    *error = "janus did not start: " + janus_error;
    return false;
  }
  const std::string root = kSimpleWhipServerRoot;
  whip_ = std::make_unique<ChildProcess>();
  std::string whip_error;
  const std::string ready = whip_->Start(
      "/usr/bin/env",
      {"NODE_PATH=" + root + "/usr/share/nodejs:" + root + "/usr/lib/x86_64-linux-gnu/nodejs",
       "DEBUG=whip:*", "DEBUG_COLORS=0", node_, "-r", dir_ + "/whip/loopback.js",
       dir_ + "/whip/server.js"},
      "WHIP server (prototype) started", 20s, &whip_error);
  if (ready.empty()) {
    *error = "simple-whip-server did not start: " + whip_error;
    return false;
  }
  // simple-whip-server's own (non-WHIP) API: an endpoint id mapped to a room.
  auto created =
      HttpPostJson("http://127.0.0.1:" + std::to_string(whip_port_) + "/whip/create",
                   {{"id", "gwa"}, {"room", kRoom}, {"token", token_}, {"label", "gwa-agent"}});
  if (!created.ok()) {
    *error = "cannot create the WHIP endpoint: " + created.status().ToString();
    return false;
  }
  return true;
}

void JanusServer::Stop() {
  if (whip_) whip_->Stop();
  if (janus_) janus_->Stop();
}

std::string JanusServer::whip_url() const {
  return "http://127.0.0.1:" + std::to_string(whip_port_) + "/whip/endpoint/gwa";
}

std::string JanusServer::janus_url() const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + "/janus";
}

std::string JanusServer::janus_log() { return janus_ ? janus_->Output() : ""; }
std::string JanusServer::whip_log() { return whip_ ? whip_->Output() : ""; }

}  // namespace testing_support
