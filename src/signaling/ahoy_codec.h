// Pure JSON <-> typed-message codec for the Ahoy signaling protocol v1
// (shared/ahoy-signaling.md). No I/O, no threads: used by the agent's link,
// by local-director and by tests, so both ends speak exactly the same thing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace signaling::ahoy {

struct IceCandidate {
  std::string candidate;  // "candidate:1 1 UDP ..."
  int sdp_mline_index = 0;
};

// v1.1 `iceServers`: the browser's RTCIceServer shape (`urls` a string or an
// array of strings). `credential` is a secret: never logged, never echoed.
// The codec checks the shape and the sizes; the URLs' syntax is checked where
// they are used (engine/ice_servers.h).
struct IceServer {
  std::vector<std::string> urls;
  std::string username;
  std::string credential;
};
inline constexpr std::size_t kMaxIceServers = 8;
inline constexpr std::size_t kMaxIceServerUrls = 8;
inline constexpr std::size_t kMaxIceServerFieldLength = 512;

// ---- director -> agent ----------------------------------------------------
struct RegisterResponse {
  bool success = false;
  std::string feed_uuid;
  std::string error;  // set when success is false
  // For every session of this feed on this link (absent: the agent's own).
  std::optional<std::vector<IceServer>> ice_servers = std::nullopt;
};
// v1.1 `sessionId`: names one viewer session of the feed; absent means the
// feed's single default session (v1). At most kMaxSessionIdLength
// characters, none of them control characters.
inline constexpr std::size_t kMaxSessionIdLength = 128;
struct StreamStartRequest {
  std::string uuid;
  std::string feed_uuid;
  std::optional<std::string> session_id = std::nullopt;
};
struct SdpRequest {
  std::string uuid;
  std::optional<std::string> feed_uuid;  // older directors omit it
  std::string sdp;                       // the viewer's offer
  std::vector<IceCandidate> candidates;  // may be empty
  std::optional<std::string> session_id = std::nullopt;
  // For this session only; wins over the registerResponse's list.
  std::optional<std::vector<IceServer>> ice_servers = std::nullopt;
};
struct StreamStopRequest {
  std::string uuid;
  std::string feed_uuid;
  // Absent: every session of the feed stops.
  std::optional<std::string> session_id = std::nullopt;
};
// A well-formed JSON object whose type the codec does not know: ignored.
struct UnknownMessage {
  std::string type;
};
using DirectorMessage = std::variant<RegisterResponse, StreamStartRequest, SdpRequest,
                                     StreamStopRequest, UnknownMessage>;

// ---- agent -> director ----------------------------------------------------
struct Register {
  std::string name;
  std::vector<std::string> codecs;  // e.g. {"H264"}
};
enum class ResponseKind { kStreamStart, kSdp, kStreamStop };
// One shape for the three responses; `feed_uuid` is used by start/stop,
// `sdp` by sdpResponse; `error` is emitted only when success is false.
struct Response {
  ResponseKind kind = ResponseKind::kStreamStart;
  bool success = false;
  std::string uuid;
  std::string feed_uuid;
  std::string sdp;
  std::string error;
  // Echoed from the request it answers (absent when the request had none).
  std::optional<std::string> session_id = std::nullopt;
};
// The envelope's payload target: "director.api_<key>".
struct Envelope {
  std::string to;
  Response payload;
};
using AgentMessage = std::variant<Register, Envelope>;

// Why a frame could not be decoded. `uuid` is filled when one could be read,
// so the receiver can answer `success:false` to the right request; `kind`
// tells which response type that answer must be.
struct DecodeError {
  std::string reason;
  std::optional<std::string> uuid;
  std::optional<ResponseKind> kind;
};

// Director -> agent. Unknown types decode to UnknownMessage (not an error).
std::variant<DirectorMessage, DecodeError> DecodeDirectorMessage(std::string_view json);
std::string EncodeAgentMessage(const AgentMessage& message);

// Agent -> director (used by local-director and test directors).
std::variant<AgentMessage, DecodeError> DecodeAgentMessage(std::string_view json);
std::string EncodeDirectorMessage(const DirectorMessage& message);

// "director.api_<key>"
std::string DirectorAddress(std::string_view api_key);

}  // namespace signaling::ahoy
