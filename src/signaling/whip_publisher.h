// Publishes one feed to a WHIP endpoint (RFC 9725) and keeps it published:
// asks the feed for a sendonly offer (ICE gathering complete: no trickle, so
// no PATCH), POSTs it with the bearer token, sets the answer, and when the
// session ends (ICE failed, the SFU went away, an operator dropped it) or a
// POST fails, publishes again after a back-off (signaling/backoff.h).
// Stop() DELETEs the resource. One thread per publisher, which alone does
// HTTP; the feed's callbacks only hand it values.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "signaling/backoff.h"
#include "signaling/publish_target.h"

namespace signaling {

enum class WhipState {
  kOffering,    // making the offer and POSTing it
  kPublishing,  // the endpoint answered 201; the session runs
  kBackingOff,  // waiting before the next attempt
  kStopped,
};
const char* WhipStateName(WhipState state);

struct WhipStatus {
  WhipState state = WhipState::kOffering;
  std::string resource_url;                              // while publishing (or last known)
  std::string last_error;                                // never the token
  uint32_t attempts = 0;                                 // POSTs tried since start
  std::chrono::system_clock::time_point next_attempt{};  // while backing off
  std::string session_id;  // the feed's session for the current attempt
};

struct WhipConfig {
  std::string endpoint_url;  // http(s)://
  std::string token_file;    // bearer token (whitespace-stripped), read at each POST; "" = none
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::milliseconds http_timeout{10000};
  // Called on the publisher's thread after every status change.
  std::function<void(const WhipStatus&)> on_status;
};

// INVALID_ARGUMENT for a URL that is not http(s):// (named, at most 200
// characters) or a token file that cannot be read (named, never its content).
absl::Status ValidateWhipConfig(const WhipConfig& config);

class WhipPublisher {
 public:
  // Starts publishing at once. `target` must outlive Stop().
  WhipPublisher(WhipConfig config, PublishTarget* target);
  ~WhipPublisher();  // Stop()

  // Ends the session, DELETEs the resource (bounded by http_timeout), joins
  // the thread. Idempotent.
  void Stop();
  // Stop() without the join: the publisher's thread starts ending its
  // session and DELETEing at once. The agent's shutdown asks every publisher
  // first and then joins them, so N DELETEs take the time of the slowest one,
  // not the sum (the shutdown budget is 5 s, a DELETE up to 3 s).
  void RequestStop();
  WhipStatus Status() const;

 private:
  void Run();
  // One attempt; returns when it failed or its session ended (or stop).
  void Attempt(uint32_t n);
  void SetStatus(const std::function<void(WhipStatus&)>& change);
  void DeleteResource(const std::string& url, bool cancellable);

  // What the feed's callbacks (engine thread, possibly after this publisher
  // is gone) hand over: shared, never the publisher itself.
  struct Mailbox {
    std::mutex mu;
    std::condition_variable cv;
    bool stopping = false;
    uint64_t generation = 0;  // of the current session; stale callbacks are ignored
    std::optional<absl::StatusOr<std::string>> offer;
    std::optional<absl::Status> answer_set;
    std::optional<std::string> ended;  // the current session's end reason
  };
  // Waits until `ready` holds (under the mailbox lock) or Stop(); false on stop.
  bool Await(const std::function<bool()>& ready,
             std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

  const WhipConfig config_;
  PublishTarget* const target_;
  Backoff backoff_;  // publisher thread only
  std::atomic<bool> stopping_{false};
  std::shared_ptr<Mailbox> box_ = std::make_shared<Mailbox>();

  mutable std::mutex mu_;
  WhipStatus status_;
  std::thread thread_;
};

}  // namespace signaling
