// The Janus HTTP (REST) API as a test speaks it, over libcurl: one request,
// one JSON reply. Enough for a VideoRoom subscriber and for asking a room who
// publishes; see https://janus.conf.meetecho.com/docs/rest.html.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace testing_support {

// POSTs `body` (a "transaction" is added) to `url` and returns the reply; an
// error when the transfer fails, the reply is not JSON or says "error".
absl::StatusOr<nlohmann::json> JanusPost(
    const std::string& url, nlohmann::json body,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));
// POSTs `body` as it is; the reply's text (simple-whip-server's own API).
absl::StatusOr<std::string> HttpPostJson(const std::string& url, const nlohmann::json& body);
// GET `url` (a long poll of a session's events).
absl::StatusOr<nlohmann::json> JanusGet(const std::string& url, std::chrono::milliseconds timeout);

// A Janus session with one handle attached to janus.plugin.videoroom,
// destroyed with the object.
class JanusVideoRoomHandle {
 public:
  JanusVideoRoomHandle() = default;
  ~JanusVideoRoomHandle();
  JanusVideoRoomHandle(const JanusVideoRoomHandle&) = delete;
  JanusVideoRoomHandle& operator=(const JanusVideoRoomHandle&) = delete;

  // `janus_url`: http://127.0.0.1:port/janus
  absl::Status Attach(const std::string& janus_url);
  // A synchronous plugin request (listparticipants…): plugindata.data.
  absl::StatusOr<nlohmann::json> Request(const nlohmann::json& body);
  // An asynchronous one (join, start): posts it, then long-polls the
  // session's events until one from the plugin arrives; returns that event
  // (plugindata.data under "data", the JSEP if any under "jsep").
  absl::StatusOr<nlohmann::json> Message(const nlohmann::json& body, const nlohmann::json& jsep,
                                         std::chrono::milliseconds timeout);
  // The next event from the plugin on this session (long polls).
  absl::StatusOr<nlohmann::json> NextEvent(std::chrono::milliseconds timeout);
  // Tells Janus that this side has no more candidates (all are in the SDP).
  absl::Status TrickleCompleted();

 private:
  std::string session_url_;
  std::string handle_url_;
};

// Ids of the publishers in `room`, asked over a session of its own.
absl::StatusOr<std::vector<uint64_t>> JanusPublishers(const std::string& janus_url, int room);

}  // namespace testing_support
