// A hostile or broken director, scripted frame by frame, against a real
// agent: every bad case is answered as shared/ahoy-signaling.md says, the
// link stays up, and another feed on a real local-director keeps streaming.
#include <gtest/gtest.h>

#include "agent_harness.h"
#include "director_viewer.h"
#include "scripted_director.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace pb = streamcontrol::v1;

class HostileDirectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hostile_port_ = hostile_.Listen();
    std::string error;
    good_port_ = testing_support::StartDirector(good_director_, 0, {}, &error);
    ASSERT_NE(good_port_, 0) << error;
    ASSERT_TRUE(agent_.Start().ok());
    ASSERT_TRUE(agent_.StartStream("cam", hostile_port_).ok());
    ASSERT_TRUE(hostile_.WaitForRegistrations(1, 10s));

    // The other feed plays for the whole test through the real director.
    ASSERT_TRUE(agent_.StartStream("other", good_port_).ok());
    testing_support::StatsWatch watch(agent_.stub(), "other", 200, 20s);
    ASSERT_TRUE(
        watch.ReadUntil([](const auto& s) { return s.link_state() == pb::LINK_REGISTERED; }));
    ASSERT_TRUE(viewer_.Connect(good_port_, 5s).ok());
    other_receiver_ = std::make_unique<testing_support::WebrtcReceiver>("H264");
    auto answer = viewer_.Play("other", other_receiver_->CreateOffer(), 15s);
    ASSERT_TRUE(answer.ok()) << answer.status();
    std::string set_error;
    ASSERT_TRUE(other_receiver_->SetAnswer(*answer, &set_error)) << set_error;
    ASSERT_TRUE(other_receiver_->WaitFor([](const auto& s) { return s.frames > 10; }, 15s));
  }

  // Sends `frame` and returns the agent's `type` answer for `uuid`.
  json Ask(const std::string& frame, const std::string& type, const std::string& uuid) {
    hostile_.Send(frame);
    auto answer = hostile_.WaitForResponse(type, uuid, 10s);
    EXPECT_TRUE(answer) << "no " << type << " for " << frame;
    return answer.value_or(json::object());
  }

  void ExpectRefused(const std::string& frame, const std::string& type, const std::string& uuid,
                     const std::string& reason_part) {
    json answer = Ask(frame, type, uuid);
    EXPECT_EQ(answer.value("success", true), false) << frame;
    EXPECT_NE(answer.value("error", "").find(reason_part), std::string::npos)
        << frame << " answered " << answer.dump();
  }

  static std::string Sdp(const std::string& uuid, const std::string& sdp) {
    return json{{"sdpRequest", {{"uuid", uuid}, {"feedUuid", "cam"}, {"sdp", sdp}}}}.dump();
  }

  testing_support::ScriptedDirector hostile_;
  int hostile_port_ = 0;
  testing_support::ChildProcess good_director_;
  int good_port_ = 0;
  testing_support::AgentHarness agent_;
  testing_support::DirectorViewer viewer_;
  std::unique_ptr<testing_support::WebrtcReceiver> other_receiver_;
};

TEST_F(HostileDirectorTest, EveryBadFrameIsAnsweredOrIgnoredAndNothingElseSuffers) {
  // Nothing to answer (no uuid can be read): ignored, the link stays.
  hostile_.Send("this is not json {");
  hostile_.Send(R"({"fooRequest": {"uuid": "h-0"}})");
  hostile_.Send(R"([1, 2, 3])");
  hostile_.Send(R"({"streamStartRequest": {"uuid": 42, "feedUuid": "cam"}})");

  ExpectRefused(R"({"streamStartRequest": {"uuid": "h-1", "feedUuid": "someone-else"}})",
                "streamStartResponse", "h-1", "feed");
  ExpectRefused(Sdp("h-2", "v=0\r\n"), "sdpResponse", "h-2", "streamStartRequest");
  ExpectRefused(R"({"sdpRequest": {"uuid": "h-3", "feedUuid": "cam", "sdp": 5}})", "sdpResponse",
                "h-3", "sdp");
  ExpectRefused(R"({"streamStopRequest": {"uuid": "h-4", "feedUuid": "nope"}})",
                "streamStopResponse", "h-4", "feed");

  json started = Ask(R"({"streamStartRequest": {"uuid": "h-5", "feedUuid": "cam"}})",
                     "streamStartResponse", "h-5");
  EXPECT_EQ(started.value("success", false), true) << started.dump();
  // A duplicate start before any offer changes nothing: answered as a success
  // (a director may retry a request whose answer it lost).
  json again = Ask(R"({"streamStartRequest": {"uuid": "h-6", "feedUuid": "cam"}})",
                   "streamStartResponse", "h-6");
  EXPECT_EQ(again.value("success", false), true) << again.dump();

  const std::string audio_only =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"
      "a=rtpmap:111 opus/48000/2\r\n";
  ExpectRefused(Sdp("h-7", audio_only), "sdpResponse", "h-7", "video");

  // The session is over after the failed offer or still waiting; either way
  // a stop is answered and the feed is ready again.
  json stopped = Ask(R"({"streamStopRequest": {"uuid": "h-8", "feedUuid": "cam"}})",
                     "streamStopResponse", "h-8");
  EXPECT_EQ(stopped.value("success", false), true) << stopped.dump();

  Ask(R"({"streamStartRequest": {"uuid": "h-9", "feedUuid": "cam"}})", "streamStartResponse",
      "h-9");
  testing_support::WebrtcReceiver vp9_only("VP9");
  ExpectRefused(Sdp("h-10", vp9_only.CreateOffer()), "sdpResponse", "h-10", "H264");
  Ask(R"({"streamStopRequest": {"uuid": "h-11", "feedUuid": "cam"}})", "streamStopResponse",
      "h-11");

  // After all that, the same link still plays a real viewer.
  Ask(R"({"streamStartRequest": {"uuid": "h-12", "feedUuid": "cam"}})", "streamStartResponse",
      "h-12");
  testing_support::WebrtcReceiver receiver("H264");
  json answer = Ask(Sdp("h-13", receiver.CreateOffer()), "sdpResponse", "h-13");
  ASSERT_EQ(answer.value("success", false), true) << answer.dump();
  std::string error;
  ASSERT_TRUE(receiver.SetAnswer(answer.value("sdp", ""), &error)) << error;
  EXPECT_TRUE(receiver.WaitFor([](const auto& s) { return s.frames > 10; }, 15s));
  EXPECT_EQ(hostile_.registrations(), 1) << "the link was dropped along the way";
  // A second offer while that viewer watches is refused; the viewer plays on.
  testing_support::WebrtcReceiver intruder("H264");
  ExpectRefused(Sdp("h-14", intruder.CreateOffer()), "sdpResponse", "h-14", "already");
  auto seen = receiver.frames();
  EXPECT_TRUE(receiver.WaitFor([&](const auto& s) { return s.frames > seen + 10; }, 5s));

  // A frame over the cap (1 MiB) drops the link; the agent reconnects and
  // registers again by itself.
  hostile_.Send(R"({"fooRequest": {"pad": ")" + std::string(2 << 20, 'x') + R"("}})");
  EXPECT_TRUE(hostile_.WaitForRegistrations(2, 10s));

  // The other feed never noticed.
  auto before = other_receiver_->frames();
  EXPECT_TRUE(other_receiver_->WaitFor([&](const auto& s) { return s.frames > before + 10; }, 5s));
}

}  // namespace
