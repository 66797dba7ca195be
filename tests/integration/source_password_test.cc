// A camera's password in its source URI (rtsp://user:password@camera/...)
// goes to rtspsrc and nowhere else: not the Stream any operator gets back
// from Start/Get/List, not error messages, not last_error, not a log line at
// trace level. Real agent (in-process AgentServer on a real port), real
// local-director, a real webrtcbin viewer whose play makes the agent build
// the source, and a real camera that is down (nothing listens on its port),
// so the source fails and every error path runs.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "agent_harness.h"
#include "director_viewer.h"
#include "free_port.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;

constexpr const char* kPassword = "s3cr3t-Pa55";

TEST(SourcePasswordTest, TheCameraPasswordNeverLeavesTheAgent) {
  std::ostringstream logged;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  spdlog::default_logger()->sinks().push_back(sink);
  const auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::trace);

  {
    testing_support::ChildProcess director;
    std::string error;
    const int director_port = testing_support::StartDirector(director, 0, {}, &error);
    ASSERT_NE(director_port, 0) << error;
    testing_support::AgentHarness harness;
    ASSERT_TRUE(harness.Start().ok());
    auto& stub = harness.stub();

    const std::string host = "127.0.0.1:" + std::to_string(testing_support::FreeLoopbackPort());
    pb::StartRequest req;
    req.set_stream_id("door");
    req.set_source_uri("rtsp://admin:" + std::string(kPassword) + "@" + host + "/cam");
    req.mutable_ahoy()->set_director_url(testing_support::DirectorFeedsUrl(director_port));
    pb::Stream stream;
    {
      grpc::ClientContext ctx;
      grpc::Status s = stub.Start(&ctx, req, &stream);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
    EXPECT_EQ(stream.source_uri(), "rtsp://admin:***@" + host + "/cam");

    // The viewer plays: the source is built, cannot connect, and fails.
    testing_support::DirectorViewer viewer;
    ASSERT_TRUE(viewer.Connect(director_port, 5s).ok());
    testing_support::WebrtcReceiver receiver("H264");
    auto answer = viewer.Play("door", receiver.CreateOffer(), 15s);
    ASSERT_TRUE(answer.ok()) << answer.status();
    ASSERT_TRUE(receiver.SetAnswer(*answer, &error)) << error;
    {
      // WatchStats sends the state change as an event.
      testing_support::StatsWatch watch(stub, "door", 1000, 15s);
      ASSERT_TRUE(watch.ReadUntil([](const pb::StreamStats& s) {
        return s.state() == pb::RECONNECTING_SOURCE;
      })) << "the source never failed";
    }
    pb::Stream down;
    {
      grpc::ClientContext ctx;
      pb::GetStreamRequest get;
      get.set_stream_id("door");
      ASSERT_TRUE(stub.GetStream(&ctx, get, &down).ok());
    }
    ASSERT_FALSE(down.last_error().empty()) << down.DebugString();
    EXPECT_EQ(down.last_error().find(kPassword), std::string::npos) << down.last_error();
    EXPECT_EQ(down.source_uri().find(kPassword), std::string::npos);
    {
      grpc::ClientContext ctx;
      pb::ListStreamsResponse list;
      ASSERT_TRUE(stub.ListStreams(&ctx, pb::ListStreamsRequest(), &list).ok());
      EXPECT_EQ(list.DebugString().find(kPassword), std::string::npos) << list.DebugString();
    }

    // A bad URI's error names it without the password.
    pb::StartRequest bad = req;
    bad.set_stream_id("door2");
    bad.set_source_uri("rtsp://admin:" + std::string(kPassword) + "@" + host + "/a b");
    {
      grpc::ClientContext ctx;
      grpc::Status s = stub.Start(&ctx, bad, &stream);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      EXPECT_EQ(s.error_message().find(kPassword), std::string::npos) << s.error_message();
      EXPECT_NE(s.error_message().find("admin:***@"), std::string::npos) << s.error_message();
    }

  }  // agent and director stopped
  spdlog::set_level(level);
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  // The failure was logged (so the check below can fail), without the password.
  EXPECT_NE(logged.str().find("admin:***@"), std::string::npos) << logged.str();
  EXPECT_EQ(logged.str().find(kPassword), std::string::npos) << logged.str();
}

}  // namespace
