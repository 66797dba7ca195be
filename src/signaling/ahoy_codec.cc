#include "signaling/ahoy_codec.h"

#include <exception>
#include <limits>
#include <utility>

#include "nlohmann/json.hpp"

namespace signaling::ahoy {
namespace {

using json = nlohmann::json;

// Message type keys (shared/ahoy-signaling.md).
constexpr char kRegister[] = "register";
constexpr char kMessage[] = "message";
constexpr char kRegisterResponse[] = "registerResponse";
constexpr char kStreamStartRequest[] = "streamStartRequest";
constexpr char kSdpRequest[] = "sdpRequest";
constexpr char kStreamStopRequest[] = "streamStopRequest";
constexpr char kStreamStartResponse[] = "streamStartResponse";
constexpr char kSdpResponse[] = "sdpResponse";
constexpr char kStreamStopResponse[] = "streamStopResponse";
constexpr char kDirectorPrefix[] = "director.api_";

const char* ResponseKey(ResponseKind kind) {
  switch (kind) {
    case ResponseKind::kStreamStart:
      return kStreamStartResponse;
    case ResponseKind::kSdp:
      return kSdpResponse;
    case ResponseKind::kStreamStop:
      return kStreamStopResponse;
  }
  return kStreamStartResponse;
}

// Never throws: invalid UTF-8 in a string (e.g. an SDP handed in by the
// engine) is replaced instead of raising nlohmann's type_error 316.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Thrown (and caught inside this file only) when a field is missing or has
// the wrong type; `reason` names the field path, never its value (the agent
// side decodes envelopes that carry the API key).
struct FieldError {
  std::string reason;
};

std::string MissingOr(const std::string& path, const char* what) {
  return path + ": missing or not " + what;
}

const json* Find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string RequiredString(const json& object, const std::string& type, const char* key) {
  const json* value = Find(object, key);
  if (value == nullptr || !value->is_string()) {
    throw FieldError{MissingOr(type + "." + key, "a string")};
  }
  return value->get<std::string>();
}

// Absent or null -> nullopt; present with another type -> error.
std::optional<std::string> OptionalString(const json& object, const std::string& type,
                                          const char* key) {
  const json* value = Find(object, key);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string()) throw FieldError{type + "." + key + ": not a string"};
  return value->get<std::string>();
}

// v1.1's optional sessionId: a bounded, printable name.
std::optional<std::string> SessionId(const json& object, const std::string& type) {
  std::optional<std::string> id = OptionalString(object, type, "sessionId");
  if (!id) return id;
  if (id->empty()) throw FieldError{type + ".sessionId: empty"};
  if (id->size() > kMaxSessionIdLength) {
    throw FieldError{type + ".sessionId: longer than " + std::to_string(kMaxSessionIdLength) +
                     " characters"};
  }
  for (unsigned char ch : *id) {
    if (ch < 0x20 || ch == 0x7f) throw FieldError{type + ".sessionId: holds a control character"};
  }
  return id;
}

bool RequiredBool(const json& object, const std::string& type, const char* key) {
  const json* value = Find(object, key);
  if (value == nullptr || !value->is_boolean()) {
    throw FieldError{MissingOr(type + "." + key, "a boolean")};
  }
  return value->get<bool>();
}

int RequiredIndex(const json& object, const std::string& path) {
  const json* value = Find(object, "sdpMLineIndex");
  const std::string field = path + ".sdpMLineIndex";
  if (value == nullptr || !value->is_number_integer()) {
    throw FieldError{MissingOr(field, "an integer")};
  }
  if (value->is_number_unsigned()) {
    if (value->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
      throw FieldError{field + ": out of range"};
    }
    return static_cast<int>(value->get<std::uint64_t>());
  }
  const std::int64_t index = value->get<std::int64_t>();
  if (index < 0 || index > std::numeric_limits<int>::max()) {
    throw FieldError{field + ": out of range"};
  }
  return static_cast<int>(index);
}

std::string BoundedString(const json& value, const std::string& path) {
  if (!value.is_string()) throw FieldError{path + ": not a string"};
  std::string out = value.get<std::string>();
  if (out.size() > kMaxIceServerFieldLength) {
    throw FieldError{path + ": longer than " + std::to_string(kMaxIceServerFieldLength) +
                     " characters"};
  }
  return out;
}

// v1.1's optional iceServers (RTCIceServer shape). Errors name the field,
// never its value: a credential must not reach a log through an error.
std::optional<std::vector<IceServer>> IceServers(const json& body, const std::string& type) {
  const json* list = Find(body, "iceServers");
  if (list == nullptr || list->is_null()) return std::nullopt;
  const std::string path = type + ".iceServers";
  if (!list->is_array()) throw FieldError{path + ": not an array"};
  if (list->size() > kMaxIceServers) {
    throw FieldError{path + ": more than " + std::to_string(kMaxIceServers) + " servers"};
  }
  std::vector<IceServer> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!entry.is_object()) throw FieldError{at + ": not an object"};
    IceServer server;
    const json* urls = Find(entry, "urls");
    if (urls == nullptr) throw FieldError{MissingOr(at + ".urls", "a string or an array")};
    if (urls->is_string()) {
      server.urls.push_back(BoundedString(*urls, at + ".urls"));
    } else if (urls->is_array()) {
      if (urls->empty()) throw FieldError{at + ".urls: empty"};
      if (urls->size() > kMaxIceServerUrls) {
        throw FieldError{at + ".urls: more than " + std::to_string(kMaxIceServerUrls) + " URLs"};
      }
      for (const json& url : *urls) server.urls.push_back(BoundedString(url, at + ".urls"));
    } else {
      throw FieldError{at + ".urls: not a string or an array"};
    }
    if (const json* user = Find(entry, "username"); user && !user->is_null()) {
      server.username = BoundedString(*user, at + ".username");
    }
    if (const json* credential = Find(entry, "credential"); credential && !credential->is_null()) {
      server.credential = BoundedString(*credential, at + ".credential");
    }
    out.push_back(std::move(server));
  }
  return out;
}

json EncodeIceServers(const std::vector<IceServer>& servers) {
  json list = json::array();
  for (const IceServer& server : servers) {
    json entry = {{"urls", server.urls}};
    if (!server.username.empty()) entry["username"] = server.username;
    if (!server.credential.empty()) entry["credential"] = server.credential;
    list.push_back(std::move(entry));
  }
  return list;
}

std::vector<IceCandidate> Candidates(const json& body) {
  std::vector<IceCandidate> out;
  const json* list = Find(body, "candidates");
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_array()) throw FieldError{"sdpRequest.candidates: not an array"};
  out.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string path = "sdpRequest.candidates[" + std::to_string(i) + "]";
    const json& item = (*list)[i];
    if (!item.is_object()) throw FieldError{path + ": not an object"};
    IceCandidate candidate;
    candidate.candidate = RequiredString(item, path, "candidate");
    candidate.sdp_mline_index = RequiredIndex(item, path);
    out.push_back(std::move(candidate));
  }
  return out;
}

struct Typed {
  std::string type;
  const json* body = nullptr;  // null when the object names no known type
};

// Finds the (single) known message type among the top-level keys.
template <std::size_t N>
std::variant<Typed, DecodeError> PickType(const json& root, const char* const (&known)[N]) {
  if (!root.is_object()) return DecodeError{"frame is not a JSON object", {}, {}};
  if (root.empty()) return DecodeError{"empty object: no message type", {}, {}};
  Typed typed;
  for (const char* key : known) {
    auto it = root.find(key);
    if (it == root.end()) continue;
    if (typed.body != nullptr) {
      return DecodeError{"more than one message type in one frame", {}, {}};
    }
    typed.type = key;
    typed.body = &*it;
  }
  if (typed.body == nullptr) typed.type = root.begin().key();
  return typed;
}

std::optional<json> Parse(std::string_view text, DecodeError* error) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // Only the byte offset: the text may carry a secret (envelope `to`).
    error->reason = "malformed JSON at byte " + std::to_string(e.byte);
  } catch (const std::exception&) {
    error->reason = "malformed JSON";
  }
  return std::nullopt;
}

// ---- director -> agent decoding ---------------------------------------------

std::optional<ResponseKind> RequestKind(const std::string& type) {
  if (type == kStreamStartRequest) return ResponseKind::kStreamStart;
  if (type == kSdpRequest) return ResponseKind::kSdp;
  if (type == kStreamStopRequest) return ResponseKind::kStreamStop;
  return std::nullopt;
}

DirectorMessage DecodeDirectorBody(const std::string& type, const json& body) {
  if (type == kRegisterResponse) {
    RegisterResponse out;
    out.success = RequiredBool(body, type, "success");
    out.feed_uuid = OptionalString(body, type, "feedUuid").value_or("");
    out.error = OptionalString(body, type, "error").value_or("");
    out.ice_servers = IceServers(body, type);
    return out;
  }
  if (type == kStreamStartRequest) {
    StreamStartRequest out;
    out.uuid = RequiredString(body, type, "uuid");
    out.feed_uuid = RequiredString(body, type, "feedUuid");
    out.session_id = SessionId(body, type);
    return out;
  }
  if (type == kStreamStopRequest) {
    StreamStopRequest out;
    out.uuid = RequiredString(body, type, "uuid");
    out.feed_uuid = RequiredString(body, type, "feedUuid");
    out.session_id = SessionId(body, type);
    return out;
  }
  // sdpRequest
  SdpRequest out;
  out.uuid = RequiredString(body, type, "uuid");
  out.feed_uuid = OptionalString(body, type, "feedUuid");
  out.sdp = RequiredString(body, type, "sdp");
  out.candidates = Candidates(body);
  out.session_id = SessionId(body, type);
  out.ice_servers = IceServers(body, type);
  return out;
}

// ---- agent -> director decoding -----------------------------------------------

Register DecodeRegister(const json& body) {
  const std::string type = kRegister;
  if (!body.is_object()) throw FieldError{type + ": not an object"};
  Register out;
  out.name = RequiredString(body, type, "name");
  const json* caps = Find(body, "capabilities");
  if (caps == nullptr || caps->is_null()) return out;
  if (!caps->is_object()) throw FieldError{"register.capabilities: not an object"};
  const json* video = Find(*caps, "video");
  if (video == nullptr || video->is_null()) return out;
  if (!video->is_object()) throw FieldError{"register.capabilities.video: not an object"};
  const json* codecs = Find(*video, "codecs");
  if (codecs == nullptr || codecs->is_null()) return out;
  if (!codecs->is_array()) throw FieldError{"register.capabilities.video.codecs: not an array"};
  for (std::size_t i = 0; i < codecs->size(); ++i) {
    const json& codec = (*codecs)[i];
    if (!codec.is_string()) {
      throw FieldError{"register.capabilities.video.codecs[" + std::to_string(i) +
                       "]: not a string"};
    }
    out.codecs.push_back(codec.get<std::string>());
  }
  return out;
}

Response DecodeResponse(const std::string& type, ResponseKind kind, const json& body,
                        DecodeError* partial) {
  Response out;
  out.kind = kind;
  out.uuid = RequiredString(body, type, "uuid");
  partial->uuid = out.uuid;
  partial->kind = kind;
  out.success = RequiredBool(body, type, "success");
  if (kind == ResponseKind::kSdp) {
    // A failed sdpResponse need not carry an SDP.
    out.sdp = out.success ? RequiredString(body, type, "sdp")
                          : OptionalString(body, type, "sdp").value_or("");
  } else {
    out.feed_uuid = out.success ? RequiredString(body, type, "feedUuid")
                                : OptionalString(body, type, "feedUuid").value_or("");
  }
  if (!out.success) out.error = OptionalString(body, type, "error").value_or("");
  out.session_id = SessionId(body, type);
  return out;
}

Envelope DecodeEnvelope(const json& body, DecodeError* partial) {
  if (!body.is_object()) throw FieldError{"message: not an object"};
  Envelope out;
  out.to = RequiredString(body, kMessage, "to");
  const json* payload = Find(body, "payload");
  if (payload == nullptr || !payload->is_object()) {
    throw FieldError{MissingOr("message.payload", "an object")};
  }
  static constexpr const char* kResponses[] = {kStreamStartResponse, kSdpResponse,
                                               kStreamStopResponse};
  auto picked = PickType(*payload, kResponses);
  if (auto* error = std::get_if<DecodeError>(&picked)) {
    throw FieldError{"message.payload: " + error->reason};
  }
  const Typed& typed = std::get<Typed>(picked);
  if (typed.body == nullptr) {
    throw FieldError{"message.payload: unknown response type '" + typed.type + "'"};
  }
  const ResponseKind kind = typed.type == kSdpResponse          ? ResponseKind::kSdp
                            : typed.type == kStreamStopResponse ? ResponseKind::kStreamStop
                                                                : ResponseKind::kStreamStart;
  if (!typed.body->is_object()) throw FieldError{typed.type + ": not an object"};
  out.payload = DecodeResponse(typed.type, kind, *typed.body, partial);
  return out;
}

}  // namespace

std::variant<DirectorMessage, DecodeError> DecodeDirectorMessage(std::string_view text) {
  DecodeError error;
  try {
    std::optional<json> root = Parse(text, &error);
    if (!root) return error;
    static constexpr const char* kKnown[] = {kRegisterResponse, kStreamStartRequest, kSdpRequest,
                                             kStreamStopRequest};
    auto picked = PickType(*root, kKnown);
    if (auto* picked_error = std::get_if<DecodeError>(&picked)) return *picked_error;
    const Typed& typed = std::get<Typed>(picked);
    if (typed.body == nullptr) return DirectorMessage{UnknownMessage{typed.type}};
    if (!typed.body->is_object()) return DecodeError{typed.type + ": not an object", {}, {}};

    // Read the uuid first so that any later field error can still be
    // answered with success:false to the right request.
    if (std::optional<ResponseKind> kind = RequestKind(typed.type)) {
      const json* uuid = Find(*typed.body, "uuid");
      if (uuid != nullptr && uuid->is_string()) {
        error.uuid = uuid->get<std::string>();
        error.kind = kind;
      }
    }
    try {
      return DecodeDirectorBody(typed.type, *typed.body);
    } catch (const FieldError& field_error) {
      error.reason = field_error.reason;
      return error;
    }
  } catch (const std::exception& e) {
    return DecodeError{std::string("cannot decode frame: ") + e.what(), error.uuid, error.kind};
  }
}

std::variant<AgentMessage, DecodeError> DecodeAgentMessage(std::string_view text) {
  DecodeError error;
  try {
    std::optional<json> root = Parse(text, &error);
    if (!root) return error;
    static constexpr const char* kKnown[] = {kRegister, kMessage};
    auto picked = PickType(*root, kKnown);
    if (auto* picked_error = std::get_if<DecodeError>(&picked)) return *picked_error;
    const Typed& typed = std::get<Typed>(picked);
    if (typed.body == nullptr) {
      return DecodeError{"unknown message type '" + typed.type + "'", {}, {}};
    }
    try {
      if (typed.type == kRegister) return AgentMessage{DecodeRegister(*typed.body)};
      return AgentMessage{DecodeEnvelope(*typed.body, &error)};
    } catch (const FieldError& field_error) {
      error.reason = field_error.reason;
      return error;
    }
  } catch (const std::exception& e) {
    // Not e.what(): it could quote input, and agent frames carry the key.
    return DecodeError{"cannot decode frame", error.uuid, error.kind};
  }
}

std::string EncodeAgentMessage(const AgentMessage& message) {
  try {
    json root;
    if (const auto* reg = std::get_if<Register>(&message)) {
      root[kRegister] = {{"name", reg->name},
                         {"capabilities", {{"video", {{"codecs", reg->codecs}}}}}};
    } else {
      const auto& envelope = std::get<Envelope>(message);
      const Response& response = envelope.payload;
      json body = {{"success", response.success}, {"uuid", response.uuid}};
      if (response.kind == ResponseKind::kSdp) {
        body["sdp"] = response.sdp;
      } else {
        body["feedUuid"] = response.feed_uuid;
      }
      if (!response.success) body["error"] = response.error;
      if (response.session_id) body["sessionId"] = *response.session_id;
      root[kMessage] = {{"to", envelope.to},
                        {"payload", {{ResponseKey(response.kind), std::move(body)}}}};
    }
    return Dump(root);
  } catch (const std::exception&) {
    return "{}";  // unreachable in practice: building a json from strings does not throw
  }
}

std::string EncodeDirectorMessage(const DirectorMessage& message) {
  try {
    json root;
    if (const auto* m = std::get_if<RegisterResponse>(&message)) {
      json body = {{"success", m->success}};
      if (m->success || !m->feed_uuid.empty()) body["feedUuid"] = m->feed_uuid;
      if (!m->success) body["error"] = m->error;
      if (m->ice_servers) body["iceServers"] = EncodeIceServers(*m->ice_servers);
      root[kRegisterResponse] = std::move(body);
    } else if (const auto* m = std::get_if<StreamStartRequest>(&message)) {
      json body = {{"uuid", m->uuid}, {"feedUuid", m->feed_uuid}};
      if (m->session_id) body["sessionId"] = *m->session_id;
      root[kStreamStartRequest] = std::move(body);
    } else if (const auto* m = std::get_if<SdpRequest>(&message)) {
      json body = {{"uuid", m->uuid}, {"sdp", m->sdp}};
      if (m->feed_uuid) body["feedUuid"] = *m->feed_uuid;
      json candidates = json::array();
      for (const IceCandidate& c : m->candidates) {
        candidates.push_back({{"candidate", c.candidate}, {"sdpMLineIndex", c.sdp_mline_index}});
      }
      body["candidates"] = std::move(candidates);
      if (m->session_id) body["sessionId"] = *m->session_id;
      if (m->ice_servers) body["iceServers"] = EncodeIceServers(*m->ice_servers);
      root[kSdpRequest] = std::move(body);
    } else if (const auto* m = std::get_if<StreamStopRequest>(&message)) {
      json body = {{"uuid", m->uuid}, {"feedUuid", m->feed_uuid}};
      if (m->session_id) body["sessionId"] = *m->session_id;
      root[kStreamStopRequest] = std::move(body);
    } else {
      root[std::get<UnknownMessage>(message).type] = json::object();
    }
    return Dump(root);
  } catch (const std::exception&) {
    return "{}";
  }
}

std::string DirectorAddress(std::string_view api_key) {
  return std::string(kDirectorPrefix) + std::string(api_key);
}

}  // namespace signaling::ahoy
