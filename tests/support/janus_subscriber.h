// A VideoRoom subscriber speaking Janus's HTTP API with a real receiving
// webrtcbin: waits for a publisher in the room, joins as its subscriber,
// answers Janus's offer (all candidates inline), starts, and decodes what
// Janus forwards. What a browser with janus.js does, without a browser.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "janus_api.h"
#include "webrtc_receiver.h"

namespace testing_support {

class JanusSubscriber {
 public:
  JanusSubscriber() = default;
  ~JanusSubscriber();  // the receiver goes first, then the Janus session

  // Subscribes to the first active publisher of `room`, waiting up to
  // `timeout` for one (event-driven: Janus announces it). `feed` then holds
  // its id.
  absl::Status Subscribe(const std::string& janus_url, int room, std::chrono::milliseconds timeout);
  WebrtcReceiver& receiver() { return *receiver_; }
  uint64_t feed() const { return feed_; }
  // Janus's offer to this subscriber (its candidates show where it listens).
  const std::string& janus_offer() const { return janus_offer_; }

 private:
  std::unique_ptr<JanusVideoRoomHandle> watcher_;  // in the room, publishing nothing
  std::unique_ptr<JanusVideoRoomHandle> handle_;
  std::unique_ptr<WebrtcReceiver> receiver_;
  uint64_t feed_ = 0;
  std::string janus_offer_;
};

}  // namespace testing_support
