// A real SFU for WHIP tests: Janus (Debian's `janus`, VideoRoom plugin) with
// Debian's simple-whip-server in front of it, both started by the test from
// configs generated into a temporary directory.
//
// Nothing leaves the machine: Janus loads only the VideoRoom plugin and the
// HTTP (the subscriber's API) and WebSocket (simple-whip-server's API)
// transports, each bound to 127.0.0.1, and gathers ICE candidates only on
// the process's private network (tests/support/private_network.h: Janus
// 1.1.2 cannot gather on `lo`, it skips loopback interfaces, and the host's
// own addresses are not for tests), with no STUN/TURN, no UPnP, no IPv6, no
// mDNS. Start() refuses to run outside that private network.
// simple-whip-server listens on every interface by itself, so a preloaded
// script binds its listener to 127.0.0.1.
//
// simple-whip-server is not installed (its package depends on Debian's
// nodejs, which conflicts with NodeSource's): scripts/install-deps.sh
// extracts it and its JavaScript dependencies into kSimpleWhipServerRoot and
// it runs on the machine's node with NODE_PATH there.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "child_process.h"

namespace testing_support {

inline constexpr char kSimpleWhipServerRoot[] = "/opt/gwa/simple-whip-server";

class JanusServer {
 public:
  // `node`: the node binary; `token`: the bearer token the WHIP endpoint
  // requires. The room is 1234, the WHIP endpoint id "gwa".
  JanusServer(std::string node, std::string token);
  ~JanusServer();  // Stop(), config directory removed
  JanusServer(const JanusServer&) = delete;
  JanusServer& operator=(const JanusServer&) = delete;

  // Starts Janus, then simple-whip-server (which connects to Janus), then
  // creates the WHIP endpoint mapped to the room. Ports are picked at the
  // first Start and kept, so a restart serves the same URLs.
  bool Start(std::string* error);
  // Stops simple-whip-server and Janus (SIGTERM): every session is gone.
  void Stop();

  static constexpr int kRoom = 1234;
  std::string whip_url() const;   // http://127.0.0.1:P/whip/endpoint/gwa
  std::string janus_url() const;  // http://127.0.0.1:P/janus
  // The one address Janus gathers ICE candidates on: the private network's
  // (kPrivateAddress), so media never leaves the process's namespace.
  const std::string& ice_address() const { return ice_address_; }
  // Waits until `needle` has appeared `count` times in the current process's
  // output (false on timeout).
  bool WaitForJanusLog(const std::string& needle, int count, std::chrono::milliseconds timeout) {
    return janus_ && janus_->WaitForOutputCount(needle, count, timeout);
  }
  int CountInJanusLog(const std::string& needle) {
    return janus_ ? janus_->CountInOutput(needle) : 0;
  }
  bool WaitForWhipLog(const std::string& needle, int count, std::chrono::milliseconds timeout) {
    return whip_ && whip_->WaitForOutputCount(needle, count, timeout);
  }
  // Output so far of the current processes (for assertions and failures).
  std::string janus_log();
  std::string whip_log();

 private:
  bool WriteConfig(std::string* error);

  const std::string node_;
  const std::string token_;
  std::string dir_;
  std::string ice_address_;
  int http_port_ = 0, ws_port_ = 0, whip_port_ = 0;
  std::unique_ptr<ChildProcess> janus_;
  std::unique_ptr<ChildProcess> whip_;
};

}  // namespace testing_support
