// The Ahoy codec against every message of shared/ahoy-signaling.md, both
// directions, plus malformed input.
#include "signaling/ahoy_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "nlohmann/json.hpp"

namespace signaling::ahoy {
namespace {

using json = nlohmann::json;

DirectorMessage DecodeDirectorOk(const std::string& text) {
  auto decoded = DecodeDirectorMessage(text);
  if (auto* error = std::get_if<DecodeError>(&decoded)) {
    ADD_FAILURE() << "unexpected decode error: " << error->reason << " for " << text;
    return UnknownMessage{};
  }
  return std::get<DirectorMessage>(decoded);
}

DecodeError DecodeDirectorError(const std::string& text) {
  auto decoded = DecodeDirectorMessage(text);
  if (auto* error = std::get_if<DecodeError>(&decoded)) return *error;
  ADD_FAILURE() << "expected a decode error for " << text;
  return {};
}

AgentMessage DecodeAgentOk(const std::string& text) {
  auto decoded = DecodeAgentMessage(text);
  if (auto* error = std::get_if<DecodeError>(&decoded)) {
    ADD_FAILURE() << "unexpected decode error: " << error->reason << " for " << text;
    return Register{};
  }
  return std::get<AgentMessage>(decoded);
}

DecodeError DecodeAgentError(const std::string& text) {
  auto decoded = DecodeAgentMessage(text);
  if (auto* error = std::get_if<DecodeError>(&decoded)) return *error;
  ADD_FAILURE() << "expected a decode error for " << text;
  return {};
}

// ---- director -> agent: the protocol file's examples ----------------------------

TEST(AhoyCodecTest, DecodesRegisterResponse) {
  auto message = DecodeDirectorOk(R"({"registerResponse": {"success": true, "feedUuid": "cam1"}})");
  auto* m = std::get_if<RegisterResponse>(&message);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->success);
  EXPECT_EQ(m->feed_uuid, "cam1");
  EXPECT_EQ(m->error, "");
}

TEST(AhoyCodecTest, DecodesFailedRegisterResponse) {
  auto message =
      DecodeDirectorOk(R"({"registerResponse": {"success": false, "error": "name taken"}})");
  auto* m = std::get_if<RegisterResponse>(&message);
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->success);
  EXPECT_EQ(m->feed_uuid, "");
  EXPECT_EQ(m->error, "name taken");
}

TEST(AhoyCodecTest, DecodesStreamStartRequest) {
  auto message = DecodeDirectorOk(R"({"streamStartRequest": {"uuid": "r-1", "feedUuid": "cam1"}})");
  auto* m = std::get_if<StreamStartRequest>(&message);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->uuid, "r-1");
  EXPECT_EQ(m->feed_uuid, "cam1");
}

TEST(AhoyCodecTest, DecodesSdpRequest) {
  auto message = DecodeDirectorOk(R"({"sdpRequest": {"uuid": "r-2", "feedUuid": "cam1",
      "sdp": "v=0\r\n", "candidates": [{"candidate": "candidate:1 1 UDP 1 1.2.3.4 5 typ host",
      "sdpMLineIndex": 0}, {"candidate": "candidate:2", "sdpMLineIndex": 1, "sdpMid": "1"}]}})");
  auto* m = std::get_if<SdpRequest>(&message);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->uuid, "r-2");
  ASSERT_TRUE(m->feed_uuid.has_value());
  EXPECT_EQ(*m->feed_uuid, "cam1");
  EXPECT_EQ(m->sdp, "v=0\r\n");
  ASSERT_EQ(m->candidates.size(), 2u);
  EXPECT_EQ(m->candidates[0].candidate, "candidate:1 1 UDP 1 1.2.3.4 5 typ host");
  EXPECT_EQ(m->candidates[0].sdp_mline_index, 0);
  EXPECT_EQ(m->candidates[1].candidate, "candidate:2");
  EXPECT_EQ(m->candidates[1].sdp_mline_index, 1);
}

TEST(AhoyCodecTest, DecodesSdpRequestWithoutFeedUuidOrCandidates) {
  auto message = DecodeDirectorOk(R"({"sdpRequest": {"uuid": "r-2", "sdp": "offer"}})");
  auto* m = std::get_if<SdpRequest>(&message);
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->feed_uuid.has_value());
  EXPECT_EQ(m->sdp, "offer");
  EXPECT_TRUE(m->candidates.empty());

  message = DecodeDirectorOk(R"({"sdpRequest": {"uuid": "r-2", "sdp": "o", "candidates": []}})");
  m = std::get_if<SdpRequest>(&message);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->candidates.empty());
}

TEST(AhoyCodecTest, DecodesStreamStopRequest) {
  auto message = DecodeDirectorOk(R"({"streamStopRequest": {"uuid": "r-3", "feedUuid": "cam1"}})");
  auto* m = std::get_if<StreamStopRequest>(&message);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->uuid, "r-3");
  EXPECT_EQ(m->feed_uuid, "cam1");
}

TEST(AhoyCodecTest, UnknownTypeIsNotAnError) {
  auto message = DecodeDirectorOk(R"({"viewerCount": {"n": 3}})");
  auto* m = std::get_if<UnknownMessage>(&message);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->type, "viewerCount");
}

TEST(AhoyCodecTest, DirectorMessagesRoundTrip) {
  const std::vector<DirectorMessage> messages = {
      RegisterResponse{true, "cam1", ""},
      RegisterResponse{false, "", "bad name"},
      StreamStartRequest{"r-1", "cam1", std::nullopt},
      StreamStartRequest{"r-5", "cam1", std::string("viewer-7")},
      SdpRequest{"r-2",
                 std::string("cam1"),
                 "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n",
                 {{"candidate:1 1 UDP 2 10.0.0.1 9 typ host", 0}, {"candidate:2", 3}},
                 std::nullopt},
      SdpRequest{"r-4", std::nullopt, "offer", {}, std::string("viewer-7")},
      StreamStopRequest{"r-3", "cam1", std::nullopt},
      StreamStopRequest{"r-6", "cam1", std::string("viewer-7")},
  };
  for (const DirectorMessage& original : messages) {
    const std::string text = EncodeDirectorMessage(original);
    DirectorMessage decoded = DecodeDirectorOk(text);
    ASSERT_EQ(decoded.index(), original.index()) << text;
    if (auto* a = std::get_if<RegisterResponse>(&original)) {
      auto& b = std::get<RegisterResponse>(decoded);
      EXPECT_EQ(a->success, b.success);
      EXPECT_EQ(a->feed_uuid, b.feed_uuid);
      EXPECT_EQ(a->error, b.error);
    } else if (auto* a = std::get_if<StreamStartRequest>(&original)) {
      auto& b = std::get<StreamStartRequest>(decoded);
      EXPECT_EQ(a->uuid, b.uuid);
      EXPECT_EQ(a->feed_uuid, b.feed_uuid);
      EXPECT_EQ(a->session_id, b.session_id);
    } else if (auto* a = std::get_if<SdpRequest>(&original)) {
      auto& b = std::get<SdpRequest>(decoded);
      EXPECT_EQ(a->uuid, b.uuid);
      EXPECT_EQ(a->feed_uuid, b.feed_uuid);
      EXPECT_EQ(a->sdp, b.sdp);
      EXPECT_EQ(a->session_id, b.session_id);
      ASSERT_EQ(a->candidates.size(), b.candidates.size());
      for (std::size_t i = 0; i < a->candidates.size(); ++i) {
        EXPECT_EQ(a->candidates[i].candidate, b.candidates[i].candidate);
        EXPECT_EQ(a->candidates[i].sdp_mline_index, b.candidates[i].sdp_mline_index);
      }
    } else if (auto* a = std::get_if<StreamStopRequest>(&original)) {
      auto& b = std::get<StreamStopRequest>(decoded);
      EXPECT_EQ(a->uuid, b.uuid);
      EXPECT_EQ(a->feed_uuid, b.feed_uuid);
      EXPECT_EQ(a->session_id, b.session_id);
    }
  }
}

TEST(AhoyCodecTest, EncodesDirectorMessagesExactly) {
  EXPECT_EQ(json::parse(EncodeDirectorMessage(RegisterResponse{true, "cam1", ""})),
            json::parse(R"({"registerResponse": {"success": true, "feedUuid": "cam1"}})"));
  EXPECT_EQ(json::parse(EncodeDirectorMessage(StreamStartRequest{"r-1", "cam1", std::nullopt})),
            json::parse(R"({"streamStartRequest": {"uuid": "r-1", "feedUuid": "cam1"}})"));
  EXPECT_EQ(json::parse(EncodeDirectorMessage(SdpRequest{
                "r-2", std::string("cam1"), "offer", {{"candidate:1", 0}}, std::nullopt})),
            json::parse(R"({"sdpRequest": {"uuid": "r-2", "feedUuid": "cam1", "sdp": "offer",
                "candidates": [{"candidate": "candidate:1", "sdpMLineIndex": 0}]}})"));
  EXPECT_EQ(json::parse(EncodeDirectorMessage(StreamStopRequest{"r-3", "cam1", std::nullopt})),
            json::parse(R"({"streamStopRequest": {"uuid": "r-3", "feedUuid": "cam1"}})"));
  // v1.1: sessionId only when there is one.
  EXPECT_EQ(json::parse(EncodeDirectorMessage(StreamStopRequest{"r-3", "cam1", std::string("s")})),
            json::parse(R"({"streamStopRequest": {"uuid": "r-3", "feedUuid": "cam1",
                "sessionId": "s"}})"));
}

// ---- director -> agent: malformed ---------------------------------------------------

TEST(AhoyCodecTest, MalformedJson) {
  DecodeError error = DecodeDirectorError(R"({"sdpRequest": {"uuid": "r-1", )");
  EXPECT_NE(error.reason.find("malformed JSON"), std::string::npos) << error.reason;
  EXPECT_FALSE(error.uuid.has_value());
  EXPECT_FALSE(error.kind.has_value());

  error = DecodeDirectorError("");
  EXPECT_NE(error.reason.find("malformed JSON"), std::string::npos) << error.reason;

  error = DecodeDirectorError("\xff\xfe");
  EXPECT_NE(error.reason.find("malformed JSON"), std::string::npos) << error.reason;
}

TEST(AhoyCodecTest, NotAnObject) {
  for (const char* text : {"[1, 2]", "\"text\"", "42", "null", "true"}) {
    DecodeError error = DecodeDirectorError(text);
    EXPECT_EQ(error.reason, "frame is not a JSON object") << text;
    EXPECT_FALSE(error.uuid.has_value());
  }
  DecodeError error = DecodeDirectorError("{}");
  EXPECT_NE(error.reason.find("no message type"), std::string::npos) << error.reason;
}

TEST(AhoyCodecTest, BodyNotAnObject) {
  DecodeError error = DecodeDirectorError(R"({"streamStartRequest": "r-1"})");
  EXPECT_EQ(error.reason, "streamStartRequest: not an object");
  EXPECT_FALSE(error.uuid.has_value());
}

TEST(AhoyCodecTest, MissingUuid) {
  DecodeError error = DecodeDirectorError(R"({"streamStartRequest": {"feedUuid": "cam1"}})");
  EXPECT_EQ(error.reason, "streamStartRequest.uuid: missing or not a string");
  EXPECT_FALSE(error.uuid.has_value());
  EXPECT_FALSE(error.kind.has_value());

  error = DecodeDirectorError(R"({"sdpRequest": {"uuid": 7, "sdp": "offer"}})");
  EXPECT_EQ(error.reason, "sdpRequest.uuid: missing or not a string");
  EXPECT_FALSE(error.uuid.has_value());
}

TEST(AhoyCodecTest, SdpNotAStringKeepsUuidAndKind) {
  DecodeError error = DecodeDirectorError(R"({"sdpRequest": {"uuid": "r-2", "sdp": 5}})");
  EXPECT_EQ(error.reason, "sdpRequest.sdp: missing or not a string");
  EXPECT_EQ(error.uuid, "r-2");
  EXPECT_EQ(error.kind, ResponseKind::kSdp);

  error = DecodeDirectorError(R"({"sdpRequest": {"uuid": "r-2"}})");
  EXPECT_EQ(error.reason, "sdpRequest.sdp: missing or not a string");
  EXPECT_EQ(error.uuid, "r-2");
}

TEST(AhoyCodecTest, MalformedCandidates) {
  struct Case {
    const char* candidates;
    const char* reason;
  };
  const Case cases[] = {
      {R"("x")", "sdpRequest.candidates: not an array"},
      {R"([5])", "sdpRequest.candidates[0]: not an object"},
      {R"([{"sdpMLineIndex": 0}])", "sdpRequest.candidates[0].candidate: missing or not a string"},
      {R"([{"candidate": "c", "sdpMLineIndex": 0}, {"candidate": "c"}])",
       "sdpRequest.candidates[1].sdpMLineIndex: missing or not an integer"},
      {R"([{"candidate": "c", "sdpMLineIndex": "0"}])",
       "sdpRequest.candidates[0].sdpMLineIndex: missing or not an integer"},
      {R"([{"candidate": "c", "sdpMLineIndex": 0.5}])",
       "sdpRequest.candidates[0].sdpMLineIndex: missing or not an integer"},
      {R"([{"candidate": "c", "sdpMLineIndex": -1}])",
       "sdpRequest.candidates[0].sdpMLineIndex: out of range"},
      {R"([{"candidate": "c", "sdpMLineIndex": 99999999999}])",
       "sdpRequest.candidates[0].sdpMLineIndex: out of range"},
  };
  for (const Case& c : cases) {
    const std::string text = std::string(R"({"sdpRequest": {"uuid": "r-5", "sdp": "offer", )") +
                             R"("candidates": )" + c.candidates + "}}";
    DecodeError error = DecodeDirectorError(text);
    EXPECT_EQ(error.reason, c.reason) << text;
    EXPECT_EQ(error.uuid, "r-5") << text;
    EXPECT_EQ(error.kind, ResponseKind::kSdp) << text;
  }
}

TEST(AhoyCodecTest, WrongTypes) {
  DecodeError error =
      DecodeDirectorError(R"({"streamStartRequest": {"uuid": "r-1", "feedUuid": 3}})");
  EXPECT_EQ(error.reason, "streamStartRequest.feedUuid: missing or not a string");
  EXPECT_EQ(error.uuid, "r-1");
  EXPECT_EQ(error.kind, ResponseKind::kStreamStart);

  error = DecodeDirectorError(R"({"streamStopRequest": {"uuid": "r-3"}})");
  EXPECT_EQ(error.reason, "streamStopRequest.feedUuid: missing or not a string");
  EXPECT_EQ(error.uuid, "r-3");
  EXPECT_EQ(error.kind, ResponseKind::kStreamStop);

  error = DecodeDirectorError(R"({"sdpRequest": {"uuid": "r-2", "feedUuid": [], "sdp": "o"}})");
  EXPECT_EQ(error.reason, "sdpRequest.feedUuid: not a string");
  EXPECT_EQ(error.uuid, "r-2");

  error = DecodeDirectorError(R"({"registerResponse": {"success": "yes"}})");
  EXPECT_EQ(error.reason, "registerResponse.success: missing or not a boolean");
  EXPECT_FALSE(error.uuid.has_value());
  EXPECT_FALSE(error.kind.has_value());

  error = DecodeDirectorError(R"({"registerResponse": {"success": false, "error": 1}})");
  EXPECT_EQ(error.reason, "registerResponse.error: not a string");
}

TEST(AhoyCodecTest, TwoKnownTypesInOneFrame) {
  DecodeError error = DecodeDirectorError(
      R"({"streamStartRequest": {"uuid": "a", "feedUuid": "f"},
          "streamStopRequest": {"uuid": "b", "feedUuid": "f"}})");
  EXPECT_NE(error.reason.find("more than one"), std::string::npos) << error.reason;
}

// ---- agent -> director ----------------------------------------------------------

TEST(AhoyCodecTest, EncodesRegisterExactly) {
  EXPECT_EQ(json::parse(EncodeAgentMessage(Register{"cam1", {"H264"}})),
            json::parse(R"({"register": {"name": "cam1",
                "capabilities": {"video": {"codecs": ["H264"]}}}})"));
  EXPECT_EQ(json::parse(EncodeAgentMessage(Register{"cam1", {}})),
            json::parse(R"({"register": {"name": "cam1",
                "capabilities": {"video": {"codecs": []}}}})"));
}

TEST(AhoyCodecTest, EncodesResponsesExactly) {
  const std::string to = DirectorAddress("k3y");
  EXPECT_EQ(to, "director.api_k3y");
  EXPECT_EQ(
      json::parse(EncodeAgentMessage(Envelope{
          to, Response{ResponseKind::kStreamStart, true, "r-1", "cam1", "", "", std::nullopt}})),
      json::parse(R"({"message": {"to": "director.api_k3y", "payload":
          {"streamStartResponse": {"success": true, "uuid": "r-1", "feedUuid": "cam1"}}}})"));
  EXPECT_EQ(json::parse(EncodeAgentMessage(Envelope{
                to, Response{ResponseKind::kSdp, true, "r-2", "", "answer", "", std::nullopt}})),
            json::parse(R"({"message": {"to": "director.api_k3y", "payload":
          {"sdpResponse": {"success": true, "uuid": "r-2", "sdp": "answer"}}}})"));
  EXPECT_EQ(
      json::parse(EncodeAgentMessage(Envelope{
          to, Response{ResponseKind::kStreamStop, true, "r-3", "cam1", "", "", std::nullopt}})),
      json::parse(R"({"message": {"to": "director.api_k3y", "payload":
          {"streamStopResponse": {"success": true, "uuid": "r-3", "feedUuid": "cam1"}}}})"));
}

TEST(AhoyCodecTest, ErrorOnlyOnFailure) {
  const std::string to = DirectorAddress("k");
  json ok = json::parse(EncodeAgentMessage(Envelope{
      to, Response{ResponseKind::kStreamStart, true, "r-1", "cam1", "", "ignored", std::nullopt}}));
  EXPECT_FALSE(ok["message"]["payload"]["streamStartResponse"].contains("error"));

  json failed = json::parse(EncodeAgentMessage(Envelope{
      to, Response{ResponseKind::kSdp, false, "r-2", "", "", "no pipeline", std::nullopt}}));
  const json& body = failed["message"]["payload"]["sdpResponse"];
  EXPECT_EQ(body["success"], false);
  EXPECT_EQ(body["uuid"], "r-2");
  EXPECT_EQ(body["error"], "no pipeline");
}

TEST(AhoyCodecTest, AgentMessagesRoundTrip) {
  AgentMessage reg = DecodeAgentOk(EncodeAgentMessage(Register{"cam 1", {"H264", "VP8"}}));
  auto* r = std::get_if<Register>(&reg);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->name, "cam 1");
  EXPECT_EQ(r->codecs, (std::vector<std::string>{"H264", "VP8"}));

  const Response responses[] = {
      {ResponseKind::kStreamStart, true, "r-1", "cam1", "", "", std::nullopt},
      {ResponseKind::kSdp, true, "r-2", "", "v=0\r\n", "", std::string("viewer-7")},
      {ResponseKind::kStreamStop, true, "r-3", "cam1", "", "", std::nullopt},
      {ResponseKind::kStreamStart, false, "r-4", "cam1", "", "busy", std::string("v")},
      {ResponseKind::kSdp, false, "r-5", "", "", "bad offer", std::nullopt},
  };
  for (const Response& original : responses) {
    const std::string text = EncodeAgentMessage(Envelope{DirectorAddress("s3cret"), original});
    AgentMessage decoded = DecodeAgentOk(text);
    auto* envelope = std::get_if<Envelope>(&decoded);
    ASSERT_NE(envelope, nullptr) << text;
    EXPECT_EQ(envelope->to, "director.api_s3cret");
    const Response& b = envelope->payload;
    EXPECT_EQ(b.kind, original.kind) << text;
    EXPECT_EQ(b.success, original.success) << text;
    EXPECT_EQ(b.uuid, original.uuid) << text;
    EXPECT_EQ(b.feed_uuid, original.feed_uuid) << text;
    EXPECT_EQ(b.sdp, original.sdp) << text;
    EXPECT_EQ(b.error, original.error) << text;
    EXPECT_EQ(b.session_id, original.session_id) << text;
  }
}

// v1.1 sessionId: optional; when present a bounded, printable, non-empty
// string, else the request is answered success:false with the field named.
TEST(AhoyCodecTest, SessionIdIsOptionalAndChecked) {
  auto ok = DecodeDirectorOk(R"({"streamStartRequest": {"uuid": "u", "feedUuid": "f"}})");
  EXPECT_FALSE(std::get<StreamStartRequest>(ok).session_id.has_value());
  for (const std::string& bad :
       {std::string(R"("")"), std::string(R"(7)"), "\"" + std::string(129, 'x') + "\"",
        std::string(R"("a\u0001b")")}) {
    auto decoded = DecodeDirectorMessage(
        R"({"sdpRequest": {"uuid": "u9", "sdp": "v=0", "sessionId": )" + bad + "}}");
    auto* error = std::get_if<DecodeError>(&decoded);
    ASSERT_NE(error, nullptr) << bad;
    EXPECT_NE(error->reason.find("sessionId"), std::string::npos) << error->reason;
    EXPECT_EQ(error->uuid, "u9") << "must still be answerable";
  }
}

// v1.1 iceServers (RTCIceServer shape) in registerResponse and sdpRequest.
TEST(AhoyCodecTest, DecodesIceServersInBothShapes) {
  auto message = DecodeDirectorOk(R"({"registerResponse": {"success": true, "feedUuid": "cam1",
      "iceServers": [{"urls": "stun:stun.example.net:3478"},
                     {"urls": ["turn:t.example.net:3478?transport=udp", "turns:t.example.net"],
                      "username": "1700000000:cam1", "credential": "pw"}]}})");
  auto* m = std::get_if<RegisterResponse>(&message);
  ASSERT_NE(m, nullptr);
  ASSERT_TRUE(m->ice_servers.has_value());
  ASSERT_EQ(m->ice_servers->size(), 2u);
  EXPECT_EQ((*m->ice_servers)[0].urls, std::vector<std::string>{"stun:stun.example.net:3478"});
  EXPECT_EQ((*m->ice_servers)[0].username, "");
  EXPECT_EQ((*m->ice_servers)[1].urls.size(), 2u);
  EXPECT_EQ((*m->ice_servers)[1].username, "1700000000:cam1");
  EXPECT_EQ((*m->ice_servers)[1].credential, "pw");

  message = DecodeDirectorOk(
      R"({"sdpRequest": {"uuid": "u", "sdp": "o", "iceServers": [{"urls": "stun:s"}]}})");
  auto* sdp = std::get_if<SdpRequest>(&message);
  ASSERT_NE(sdp, nullptr);
  ASSERT_TRUE(sdp->ice_servers.has_value());
  EXPECT_EQ(sdp->ice_servers->size(), 1u);
}

TEST(AhoyCodecTest, AV1PeerWithoutIceServersDecodesToNone) {
  auto message = DecodeDirectorOk(R"({"sdpRequest": {"uuid": "u", "sdp": "o"}})");
  EXPECT_FALSE(std::get<SdpRequest>(message).ice_servers.has_value());
  message = DecodeDirectorOk(R"({"registerResponse": {"success": true, "feedUuid": "c"}})");
  EXPECT_FALSE(std::get<RegisterResponse>(message).ice_servers.has_value());
  // An empty list is a list: "no servers", not "use yours".
  message = DecodeDirectorOk(R"({"sdpRequest": {"uuid": "u", "sdp": "o", "iceServers": []}})");
  ASSERT_TRUE(std::get<SdpRequest>(message).ice_servers.has_value());
  EXPECT_TRUE(std::get<SdpRequest>(message).ice_servers->empty());
}

TEST(AhoyCodecTest, MalformedIceServersNameTheFieldNotTheCredential) {
  const std::string cases[] = {
      R"({"sdpRequest": {"uuid": "u", "sdp": "o", "iceServers": {"urls": "stun:s"}}})",
      R"({"sdpRequest": {"uuid": "u", "sdp": "o", "iceServers": ["stun:s"]}})",
      R"({"sdpRequest": {"uuid": "u", "sdp": "o", "iceServers": [{"username": "x"}]}})",
      R"({"sdpRequest": {"uuid": "u", "sdp": "o", "iceServers": [{"urls": 5}]}})",
      R"({"sdpRequest": {"uuid": "u", "sdp": "o", "iceServers": [{"urls": []}]}})",
      R"({"sdpRequest": {"uuid": "u", "sdp": "o", "iceServers": [{"urls": [7]}]}})",
      R"({"sdpRequest": {"uuid": "u", "sdp": "o",
          "iceServers": [{"urls": "turn:t", "username": "x", "credential": 12345}]}})",
  };
  for (const std::string& text : cases) {
    DecodeError error = DecodeDirectorError(text);
    EXPECT_NE(error.reason.find("iceServers"), std::string::npos) << error.reason;
    EXPECT_EQ(error.uuid, std::optional<std::string>("u")) << text;
    EXPECT_EQ(error.reason.find("12345"), std::string::npos) << error.reason;
  }
  // Bounded: a hostile director cannot hand over thousands of servers.
  json many = json::array();
  for (int i = 0; i < 9; ++i) many.push_back({{"urls", "stun:s"}});
  DecodeError error = DecodeDirectorError(
      json{{"sdpRequest", {{"uuid", "u"}, {"sdp", "o"}, {"iceServers", many}}}}.dump());
  EXPECT_NE(error.reason.find("more than 8"), std::string::npos) << error.reason;
  error = DecodeDirectorError(
      json{{"sdpRequest",
            {{"uuid", "u"},
             {"sdp", "o"},
             {"iceServers", {{{"urls", "turn:t"}, {"credential", std::string(600, 'c')}}}}}}}
          .dump());
  EXPECT_NE(error.reason.find("credential: longer than"), std::string::npos) << error.reason;
}

TEST(AhoyCodecTest, IceServersRoundTrip) {
  SdpRequest request;
  request.uuid = "u";
  request.sdp = "o";
  request.ice_servers =
      std::vector<IceServer>{{{"stun:a"}, "", ""}, {{"turn:b?transport=tcp", "turns:b"}, "n", "c"}};
  DirectorMessage decoded = DecodeDirectorOk(EncodeDirectorMessage(request));
  const auto& back = std::get<SdpRequest>(decoded);
  ASSERT_TRUE(back.ice_servers.has_value());
  ASSERT_EQ(back.ice_servers->size(), 2u);
  EXPECT_EQ((*back.ice_servers)[1].urls, request.ice_servers->at(1).urls);
  EXPECT_EQ((*back.ice_servers)[1].username, "n");
  EXPECT_EQ((*back.ice_servers)[1].credential, "c");
  RegisterResponse response;
  response.success = true;
  response.feed_uuid = "f";
  response.ice_servers = request.ice_servers;
  decoded = DecodeDirectorOk(EncodeDirectorMessage(response));
  EXPECT_EQ(std::get<RegisterResponse>(decoded).ice_servers->size(), 2u);
}

TEST(AhoyCodecTest, InvalidUtf8IsEncodedNotThrown) {
  std::string sdp = "v=0\xff\r\n";
  std::string text = EncodeAgentMessage(Envelope{
      DirectorAddress("k"), Response{ResponseKind::kSdp, true, "r", "", sdp, "", std::nullopt}});
  EXPECT_NO_THROW(json::parse(text));
}

TEST(AhoyCodecTest, MalformedAgentMessages) {
  DecodeError error = DecodeAgentError("{\"message\": {\"to\": \"director.api_s3cret\"");
  EXPECT_NE(error.reason.find("malformed JSON"), std::string::npos);
  EXPECT_EQ(error.reason.find("s3cret"), std::string::npos) << "reason leaks the key";

  error = DecodeAgentError("[]");
  EXPECT_EQ(error.reason, "frame is not a JSON object");

  error = DecodeAgentError(R"({"hello": {}})");
  EXPECT_EQ(error.reason, "unknown message type 'hello'");

  error = DecodeAgentError(R"({"register": {"capabilities": {}}})");
  EXPECT_EQ(error.reason, "register.name: missing or not a string");

  error = DecodeAgentError(R"({"register": {"name": "c", "capabilities": {"video":
      {"codecs": ["H264", 3]}}}})");
  EXPECT_EQ(error.reason, "register.capabilities.video.codecs[1]: not a string");

  error = DecodeAgentError(R"({"message": {"payload": {}}})");
  EXPECT_EQ(error.reason, "message.to: missing or not a string");

  error = DecodeAgentError(R"({"message": {"to": "director.api_k"}})");
  EXPECT_EQ(error.reason, "message.payload: missing or not an object");

  error = DecodeAgentError(R"({"message": {"to": "director.api_k", "payload": {"x": {}}}})");
  EXPECT_EQ(error.reason, "message.payload: unknown response type 'x'");

  error = DecodeAgentError(R"({"message": {"to": "director.api_k", "payload":
      {"sdpResponse": {"success": true, "uuid": "r-2"}}}})");
  EXPECT_EQ(error.reason, "sdpResponse.sdp: missing or not a string");
  EXPECT_EQ(error.uuid, "r-2");
  EXPECT_EQ(error.kind, ResponseKind::kSdp);

  error = DecodeAgentError(R"({"message": {"to": "director.api_k", "payload":
      {"streamStartResponse": {"uuid": "r-1", "success": 1, "feedUuid": "f"}}}})");
  EXPECT_EQ(error.reason, "streamStartResponse.success: missing or not a boolean");
  EXPECT_EQ(error.uuid, "r-1");
}

}  // namespace
}  // namespace signaling::ahoy
