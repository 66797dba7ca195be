// The browser side of local-director's /viewer WebSocket, in C++: lets a
// test play a feed through a real director with a real webrtcbin viewer
// (WebrtcReceiver) instead of a browser.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace testing_support {

class DirectorViewer {
 public:
  DirectorViewer();
  ~DirectorViewer();

  absl::Status Connect(int director_port, std::chrono::milliseconds timeout);  // on 127.0.0.1
  absl::Status Connect(const std::string& host, int director_port,
                       std::chrono::milliseconds timeout);
  // Sends {"play":{feed,sdp}} and returns the answer SDP, or the director's
  // error message as an error status.
  absl::StatusOr<std::string> Play(const std::string& feed, const std::string& offer_sdp,
                                   std::chrono::milliseconds timeout);
  // Sends {"stop":{feed}} and waits for {"stopped":..}.
  absl::Status Stop(const std::string& feed, std::chrono::milliseconds timeout);

 private:
  struct Impl;
  // Waits for the first queued message that has top-level key `key` (or
  // "error"), dropping feed-list updates.
  absl::StatusOr<std::string> WaitFor(const std::string& key, std::chrono::milliseconds timeout);
  std::unique_ptr<Impl> impl_;
};

}  // namespace testing_support
