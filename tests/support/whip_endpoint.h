// A tiny WHIP endpoint (RFC 9725) for tests: HTTP/1.1 on 127.0.0.1, one
// request per connection, answering each POSTed offer with a real receiving
// webrtcbin (WebrtcReceiver in answerer mode) that decodes what arrives.
//   POST /whip/endpoint  -> 201, application/sdp answer,
//                           Location: resource/<n> (relative, as servers do)
//   DELETE /whip/resource/<n> -> 200, the peer is freed
// Checks the bearer token when one is set (401 otherwise).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "webrtc_receiver.h"

namespace testing_support {

class WhipEndpoint {
 public:
  explicit WhipEndpoint(std::string token = "");
  ~WhipEndpoint();  // Stop()

  // Listens on `port` (0: any). False with `error` when it cannot.
  bool Start(int port, std::string* error);
  // Closes the listener and frees every peer (an SFU going away).
  void Stop();
  int port() const { return port_; }
  // A slow server: each DELETE is answered only after `delay` (the agent's
  // shutdown must not wait for N of them in a row).
  void SetDeleteDelay(std::chrono::milliseconds delay) { delete_delay_ms_ = delay.count(); }
  std::string endpoint_url() const;

  struct Seen {
    int posts = 0;             // POSTs answered 201
    int unauthorized = 0;      // POSTs refused 401
    std::vector<int> deleted;  // resource numbers DELETEd
    std::string last_authorization;
    std::string last_content_type;
  };
  Seen seen();
  // Waits until `predicate` holds over what was seen (false on timeout).
  bool WaitFor(const std::function<bool(const Seen&)>& predicate,
               std::chrono::milliseconds timeout);
  // The peer answering resource `n` (1-based); null once deleted or stopped.
  std::shared_ptr<WebrtcReceiver> peer(int n);

 private:
  void Serve(int listener);
  void Handle(int fd);

  const std::string token_;
  int port_ = 0;
  std::atomic<int> listener_{-1};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable changed_;
  Seen seen_;
  int next_resource_ = 1;
  std::atomic<int64_t> delete_delay_ms_{0};
  std::map<int, std::shared_ptr<WebrtcReceiver>> peers_;
};

}  // namespace testing_support
