// Internal to the signaling module: the transport-independent half of one
// feed's Ahoy link (state machine, dispatch, keep-alive, back-off, safe
// close). The WebSocket transport (plain or TLS websocketpp client) derives
// from it in ahoy_link.cc. Everything except Status(), Close() and the
// FeedSignals `done` callbacks runs on the LinkPool's asio thread.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "asio/io_context.hpp"
#include "asio/steady_timer.hpp"
#include "signaling/ahoy_codec.h"
#include "signaling/ahoy_link.h"
#include "signaling/backoff.h"
#include "signaling/feed_signals.h"

namespace signaling::internal {

// Largest director frame accepted; larger frames close the connection (1009).
inline constexpr std::size_t kMaxFrameBytes = 1 << 20;

class LinkCore : public std::enable_shared_from_this<LinkCore> {
 public:
  LinkCore(asio::io_context& io, std::thread::id io_thread, LinkConfig config,
           FeedSignals* signals);
  virtual ~LinkCore();
  LinkCore(const LinkCore&) = delete;
  LinkCore& operator=(const LinkCore&) = delete;

  // Posts the first connection attempt. Call once, right after construction.
  void Start();
  LinkStatus Status() const;
  // Thread-safe and idempotent. From any thread but the asio thread it blocks
  // until the asio thread has let go of `signals`; on the asio thread (e.g.
  // from inside a FeedSignals method) it closes inline.
  void Close();

 protected:
  // ---- implemented by the transport; asio thread only ----
  // Creates a connection to `url` and starts connecting; its handlers report
  // back through the Handle* methods with `gen`. Returns an error text (no
  // secrets) when no connection could be created.
  virtual std::string Connect(const std::string& url, std::uint64_t gen) = 0;
  // Sends one text frame on the current connection.
  virtual void SendText(const std::string& text) = 0;
  virtual void SendPing() = 0;
  // Lets go of the current connection: a close frame when `graceful` and the
  // connection is open, otherwise the socket is dropped. Its handlers may
  // still fire later; they carry a stale generation and are ignored.
  virtual void Drop(bool graceful) = 0;

  // ---- called by the transport's handlers; asio thread only ----
  void HandleOpen(std::uint64_t gen);
  void HandleFail(std::uint64_t gen, int http_status, const std::string& error);
  void HandleClose(std::uint64_t gen, const std::string& error);
  void HandleMessage(std::uint64_t gen, const std::string& text);
  void HandlePong(std::uint64_t gen);

  const LinkConfig& config() const { return config_; }
  // The key of the current connection attempt (asio thread): the config's,
  // or the key source's value when the attempt began.
  const std::string& api_key() const { return api_key_; }
  // Replaces any occurrence of the API key (defence in depth for texts that
  // come from the network or the URL).
  std::string Scrub(std::string text) const;

 private:
  bool Detached() const;
  void StartConnect();
  // Forgets the current connection: new generation, keep-alive stopped.
  void Abandon(bool graceful);
  // The current connection is gone or must go: OnLinkLost if it was open,
  // then reconnect after the back-off.
  void LoseConnection(const std::string& error, bool graceful);
  void ScheduleRetry(const std::string& error, bool unauthorized);
  void ArmPing();
  void OnPingTimer(std::uint64_t gen);
  void OnPongTimeout(std::uint64_t gen, std::uint64_t ping_seq);
  void DoClose();

  void Dispatch(std::uint64_t gen, ahoy::DirectorMessage message);
  void OnRegisterResponse(const ahoy::RegisterResponse& message);
  void OnDecodeError(std::uint64_t gen, const ahoy::DecodeError& error);
  // Checks `feedUuid`; answers success:false and returns false on mismatch.
  bool CheckFeed(std::uint64_t gen, ahoy::ResponseKind kind, const std::string& uuid,
                 const SessionId& session, const std::string* feed_uuid);
  std::function<void(absl::Status)> StatusDone(ahoy::ResponseKind kind, std::string uuid,
                                               SessionId session);
  std::function<void(absl::StatusOr<std::string>)> AnswerDone(std::string uuid, SessionId session);
  ahoy::Response Failure(ahoy::ResponseKind kind, std::string uuid, const SessionId& session,
                         std::string error) const;
  // Any thread: hands a response over to the asio thread.
  void PostReply(std::uint64_t gen, ahoy::Response response);
  // Asio thread: sends it if connection `gen` is still the current, open one.
  void Reply(std::uint64_t gen, const ahoy::Response& response);

  template <typename Fn>
  void UpdateStatus(Fn&& fn);

  asio::io_context& io_;
  const std::thread::id io_thread_;
  const LinkConfig config_;

  // ---- asio thread only ----
  FeedSignals* signals_;  // null once closed
  Backoff backoff_;
  std::unique_ptr<asio::steady_timer> reconnect_timer_;
  std::unique_ptr<asio::steady_timer> ping_timer_;
  std::unique_ptr<asio::steady_timer> pong_timer_;
  std::uint64_t gen_ = 0;  // identifies the current connection attempt
  bool open_ = false;      // the current connection completed its handshake
  bool pong_pending_ = false;
  std::uint64_t ping_seq_ = 0;
  std::string api_key_;
  // The latest registerResponse's iceServers (nullopt: it sent none).
  std::optional<std::vector<ahoy::IceServer>> link_ice_servers_;

  // ---- guarded by mu_ ----
  mutable std::mutex mu_;
  LinkStatus status_;
  bool detached_ = false;  // closed: io_ must not be touched any more
  std::shared_future<void> closed_;

  // Every key this link has used, for Scrub (any thread).
  mutable std::mutex keys_mu_;
  std::vector<std::string> used_keys_;
};

}  // namespace signaling::internal
