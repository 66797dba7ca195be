// One feed's WebSocket link to an Ahoy director: register, keep-alive,
// reconnect with back-off, and dispatch of director requests to FeedSignals.
// All networking runs on the LinkPool's single asio thread; the public
// methods here are thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "signaling/feed_signals.h"

namespace signaling {

enum class LinkState { kConnecting, kRegistered, kUnauthorized, kBackingOff, kClosed };
const char* LinkStateName(LinkState state);

struct LinkStatus {
  LinkState state = LinkState::kConnecting;
  std::string last_error;                                // never contains the API key
  std::chrono::system_clock::time_point next_attempt{};  // when kBackingOff/kUnauthorized
  int connect_attempts = 0;
};

struct LinkConfig {
  std::string director_url;  // base, e.g. ws://127.0.0.1:8080/feeds/
  std::string feed_name;     // appended URL-escaped
  std::string api_key;       // secret: header x-api-key, never logged
  // Optional: the key's current value (a key file that rotates), read before
  // every connection attempt instead of `api_key`. An open connection keeps
  // the key the director accepted; the next reconnection uses the new one.
  std::function<std::string()> api_key_source;
  std::vector<std::string> codecs{"H264"};
  std::chrono::milliseconds ping_interval{10000};
  std::chrono::milliseconds pong_timeout{10000};
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  std::string ca_file;        // wss: extra CA bundle; empty = system store
  bool tls_insecure = false;  // wss: skip verification (explicit opt-in only)
  // Optional: called on the link's asio thread after every status change
  // (never after Close() returned). Must return at once and must not wait for
  // the link; it may call Status() but not block on anything the asio thread needs.
  std::function<void(const LinkStatus&)> on_status_change;
};

// Handle to an open link. Destroying it closes the link (blocking until the
// asio thread has let go of `signals`).
class AhoyLink {
 public:
  virtual ~AhoyLink() = default;
  virtual LinkStatus Status() const = 0;
  // Closes the connection and stops reconnecting; after it returns no
  // FeedSignals method is called any more. Idempotent.
  virtual void Close() = 0;
};

// Owns the single asio thread and the websocketpp client endpoints.
class LinkPool {
 public:
  LinkPool();
  ~LinkPool();  // closes every link still open, joins the thread
  LinkPool(const LinkPool&) = delete;
  LinkPool& operator=(const LinkPool&) = delete;

  // `signals` must outlive the returned link (or its Close()).
  std::unique_ptr<AhoyLink> Open(LinkConfig config, FeedSignals* signals);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "cam 1" -> "cam%201" (RFC 3986 unreserved characters kept).
std::string UrlEscape(std::string_view text);

}  // namespace signaling
