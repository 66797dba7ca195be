// Source options and source checks against real components: a real RTSP
// camera (test_rtsp_server) that offers TCP only, played over tcp and auto
// and refused over udp; a looping file that never goes through
// RECONNECTING_SOURCE; and Start-time answers for missing files and v4l2
// devices (there is no camera on the test machines).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_process.h"
#include "engine/engine.h"
#include "engine/feed.h"
#include "engine/source_check.h"
#include "feed_driver.h"
#include "feed_state_log.h"
#include "test_camera.h"
#include "test_clip.h"
#include "webrtc_receiver.h"

namespace engine {
// Test names and failure messages print "tcp" rather than raw bytes.
void PrintTo(RtspTransport transport, std::ostream* out) { *out << RtspTransportName(transport); }
}  // namespace engine

namespace {

using namespace std::chrono_literals;
using testing_support::ChildProcess;
using testing_support::FeedStateLog;
using testing_support::WebrtcReceiver;

std::string StartTcpOnlyCamera(ChildProcess* camera) {
  return testing_support::StartTestCamera(camera, "0", {"--tcp-only"});
}

engine::FeedConfig CameraFeed(const std::string& port, engine::RtspTransport transport) {
  engine::FeedConfig config;
  config.source_uri = "rtsp://127.0.0.1:" + port + "/cam";
  config.source_options.rtsp_transport = transport;
  config.quality.width = 320;
  config.quality.height = 240;
  config.source_stall_timeout = 2s;
  return config;
}

class RtspTransportTest : public ::testing::TestWithParam<engine::RtspTransport> {};

TEST_P(RtspTransportTest, TcpAndAutoPlayFromATcpOnlyCamera) {
  ChildProcess camera;
  std::string port = StartTcpOnlyCamera(&camera);
  ASSERT_FALSE(port.empty());
  engine::Engine engine;
  FeedStateLog log;
  auto feed = engine::Feed::Create(&engine, CameraFeed(port, GetParam()), &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver("H264");
  ASSERT_TRUE(testing_support::PlayInto(**feed, receiver).ok());
  EXPECT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 30 && s.width == 320; }, 20s))
      << "frames: " << receiver.frames();
  EXPECT_FALSE(log.Saw(engine::FeedState::kReconnectingSource)) << (*feed)->Snapshot().last_error;
  (*feed)->Shutdown();
}

INSTANTIATE_TEST_SUITE_P(Transports, RtspTransportTest,
                         ::testing::Values(engine::RtspTransport::kTcp,
                                           engine::RtspTransport::kAuto),
                         [](const auto& info) {
                           return std::string(engine::RtspTransportName(info.param));
                         });

TEST(RtspTransportOnlyTest, UdpFromATcpOnlyCameraFailsWithRtspsrcsError) {
  ChildProcess camera;
  std::string port = StartTcpOnlyCamera(&camera);
  ASSERT_FALSE(port.empty());
  engine::Engine engine;
  FeedStateLog log;
  auto feed = engine::Feed::Create(&engine, CameraFeed(port, engine::RtspTransport::kUdp), &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver("H264");
  ASSERT_TRUE(testing_support::PlayInto(**feed, receiver).ok());
  engine::FeedSnapshot down;
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kReconnectingSource, 0, 20s, &down));
  std::printf("[ figures ] udp-only against a TCP-only camera: %s\n", down.last_error.c_str());
  EXPECT_NE(down.last_error.find("source error: source:"), std::string::npos) << down.last_error;
  EXPECT_EQ(receiver.frames(), 0u) << "no picture over a transport the camera refuses";
  (*feed)->Shutdown();
}

// A camera whose UDP never arrives (a firewall dropping it silently: the
// RTSP SETUP over UDP succeeds, then nothing comes). auto gives up on UDP
// after rtspsrc's 3 s timeout and plays over TCP inside the same source run;
// udp alone reports the outage.
TEST(RtspSilentUdpTest, AutoFallsBackToTcpWhenUdpIsSilentlyDropped) {
  ChildProcess camera;
  const std::string port = testing_support::StartTestCamera(&camera, "0", {"--udp-blackhole"});
  ASSERT_FALSE(port.empty());
  engine::Engine engine;
  FeedStateLog log;
  engine::FeedConfig config = CameraFeed(port, engine::RtspTransport::kAuto);
  // The agent's own stall timeout: its first-frame watchdog (2x) must
  // outlast rtspsrc's UDP timeout plus the TCP reconnect.
  config.source_stall_timeout = engine::FeedConfig().source_stall_timeout;
  auto feed = engine::Feed::Create(&engine, config, &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver("H264");
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(testing_support::PlayInto(**feed, receiver).ok());
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 1; }, 15s))
      << "no frame over auto: " << (*feed)->Snapshot().last_error;
  const auto first_frame = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  std::printf("[ figures ] auto with UDP silently dropped: first frame after %lld ms\n",
              static_cast<long long>(first_frame.count()));
  EXPECT_GE(first_frame, 3s) << "UDP was given its 3 s first";
  EXPECT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 30 && s.width == 320; }, 10s));
  EXPECT_FALSE(log.Saw(engine::FeedState::kReconnectingSource)) << (*feed)->Snapshot().last_error;
  (*feed)->Shutdown();

  FeedStateLog udp_log;
  auto udp = engine::Feed::Create(&engine, CameraFeed(port, engine::RtspTransport::kUdp), &udp_log);
  ASSERT_TRUE(udp.ok()) << udp.status();
  WebrtcReceiver nothing("H264");
  ASSERT_TRUE(testing_support::PlayInto(**udp, nothing).ok());
  engine::FeedSnapshot down;
  ASSERT_TRUE(udp_log.WaitForState(engine::FeedState::kReconnectingSource, 0, 20s, &down));
  std::printf("[ figures ] udp-only with UDP silently dropped: %s\n", down.last_error.c_str());
  EXPECT_FALSE(down.last_error.empty());
  EXPECT_EQ(nothing.frames(), 0u);
  (*udp)->Shutdown();
}

TEST(FileLoopTest, ALoopingFilePlaysOnWithoutAnOutage) {
  const std::string path = testing_support::WriteTestClip("gwa_loop_clip.webm");
  ASSERT_FALSE(path.empty());
  engine::Engine engine;
  FeedStateLog log;
  engine::FeedConfig config;
  config.source_uri = "file://" + path;
  config.source_options.loop = true;
  config.quality.width = 320;
  config.quality.height = 240;
  auto feed = engine::Feed::Create(&engine, config, &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver("H264");
  ASSERT_TRUE(testing_support::PlayInto(**feed, receiver).ok());
  // Three passes of the clip (30 frames each) at the same receiver.
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 100; }, 20s))
      << "frames: " << receiver.frames();
  engine::FeedSnapshot now = (*feed)->Snapshot();
  EXPECT_GE(now.source_loops, 2u);
  EXPECT_FALSE(log.Saw(engine::FeedState::kReconnectingSource)) << now.last_error;
  EXPECT_EQ(now.state, engine::FeedState::kStreaming);
  EXPECT_EQ(now.viewer_sessions, 1u) << "no renegotiation";
  (*feed)->Shutdown();
}

// An http:// source through a real HTTP server (Python's http.server in a
// child process): the clip plays, scaled to the quality in force, and its end
// is an outage the source recovers from by fetching it again. A missing
// resource fails the source with the server's answer in last_error.
TEST(HttpSourceTest, PlaysAClipFromAnHttpServerAndReportsA404) {
  const std::string name = "gwa_http_clip.webm";
  const std::string path = testing_support::WriteTestClip(name);
  ASSERT_FALSE(path.empty());
  const std::string dir = path.substr(0, path.rfind('/'));
  ChildProcess server;
  std::string error;
  // -u: unbuffered, so the "Serving HTTP on ... port N" line arrives at once.
  const std::string port =
      server.Start("/usr/bin/python3",
                   {"-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, "0"},
                   R"(Serving HTTP on \S+ port (\d+))", 10s, &error);
  ASSERT_FALSE(port.empty()) << error;

  engine::Engine engine;
  FeedStateLog log;
  engine::FeedConfig config;
  config.source_uri = "http://127.0.0.1:" + port + "/" + name;
  config.quality.width = 640;
  config.quality.height = 360;
  config.source_stall_timeout = 2s;
  auto feed = engine::Feed::Create(&engine, config, &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver("H264");
  ASSERT_TRUE(testing_support::PlayInto(**feed, receiver).ok());
  // The 30-frame clip, then again after its end restarts the source.
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 45; }, 20s))
      << "frames: " << receiver.frames() << "; " << (*feed)->Snapshot().last_error;
  EXPECT_EQ(receiver.state().width, 640);
  EXPECT_EQ(receiver.state().height, 360);
  EXPECT_NE((*feed)->Snapshot().last_error.find("EOS"), std::string::npos)
      << "the end of the clip is reported: " << (*feed)->Snapshot().last_error;
  EXPECT_EQ((*feed)->Snapshot().viewer_sessions, 1u);
  (*feed)->Shutdown();

  FeedStateLog missing_log;
  config.source_uri = "http://127.0.0.1:" + port + "/no-such-clip.webm";
  auto missing = engine::Feed::Create(&engine, config, &missing_log);
  ASSERT_TRUE(missing.ok()) << "a server that is down now may be up later: retried, not refused";
  WebrtcReceiver nobody("H264");
  ASSERT_TRUE(testing_support::PlayInto(**missing, nobody).ok());
  engine::FeedSnapshot down;
  ASSERT_TRUE(missing_log.WaitForState(engine::FeedState::kReconnectingSource, 0, 15s, &down));
  // souphttpsrc reports a 404 as GStreamer's "File not found".
  EXPECT_NE(down.last_error.find("not found"), std::string::npos) << down.last_error;
  (*missing)->Shutdown();
}

absl::Status CreateWith(const std::string& uri) {
  engine::Engine engine;
  FeedStateLog log;
  engine::FeedConfig config;
  config.source_uri = uri;
  auto feed = engine::Feed::Create(&engine, config, &log);
  if (feed.ok()) (*feed)->Shutdown();
  return feed.status();
}

TEST(SourceCheckTest, MissingFilesAndDirectoriesAreRefusedAtStart) {
  absl::Status missing = CreateWith("file:///nonexistent/gwa/clip.webm");
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition) << missing;
  EXPECT_NE(missing.message().find("No such file or directory"), std::string::npos) << missing;
  EXPECT_NE(missing.message().find("/nonexistent/gwa/clip.webm"), std::string::npos) << missing;

  absl::Status directory = CreateWith("file://" + ::testing::TempDir());
  EXPECT_EQ(directory.code(), absl::StatusCode::kFailedPrecondition) << directory;
  EXPECT_NE(directory.message().find("directory"), std::string::npos) << directory;

  absl::Status relative = CreateWith("file://clip.webm");
  EXPECT_EQ(relative.code(), absl::StatusCode::kInvalidArgument) << relative;
}

// The check's answer for `uri` as user `nobody` when the test runs as root
// (root reads any file): in a child process, which only calls open() and
// formats the message, so nothing of GStreamer's threads is needed there.
absl::Status CheckAsNobody(const std::string& uri) {
  if (geteuid() != 0) return engine::CheckSourceAvailable(uri);
  int out[2];
  if (pipe(out) != 0) return absl::InternalError("pipe");
  pid_t child = fork();
  if (child == 0) {
    alarm(10);  // never hang the suite
    close(out[0]);
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(3);
    absl::Status s = engine::CheckSourceAvailable(uri);
    std::string text = s.ToString();
    ssize_t written = write(out[1], text.data(), text.size());
    _exit(written < 0 ? 4 : static_cast<int>(s.code()));
  }
  close(out[1]);
  std::string text;
  char buffer[512];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  close(out[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status)) return absl::InternalError("checker child died: " + text);
  return absl::Status(static_cast<absl::StatusCode>(WEXITSTATUS(status)), text);
}

TEST(SourceCheckTest, AnUnreadableFileIsRefusedAtStart) {
  const std::string locked = ::testing::TempDir() + "/gwa_locked.webm";
  FILE* f = std::fopen(locked.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  ASSERT_EQ(chmod(locked.c_str(), 0), 0);
  absl::Status unreadable = CheckAsNobody("file://" + locked);
  EXPECT_EQ(unreadable.code(), absl::StatusCode::kFailedPrecondition) << unreadable;
  EXPECT_NE(unreadable.message().find("Permission denied"), std::string::npos) << unreadable;
}

TEST(SourceCheckTest, AMissingV4l2DeviceIsRefusedAtStartWithGStreamersReason) {
  absl::Status missing = CreateWith("v4l2:///dev/video97");
  std::printf("[ figures ] v4l2:///dev/video97 -> %s\n", missing.ToString().c_str());
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition) << missing;
  EXPECT_NE(missing.message().find("/dev/video97"), std::string::npos) << missing;
  EXPECT_NE(missing.message().find("No such file or directory"), std::string::npos) << missing;

  // A character device that is no camera.
  absl::Status not_camera = CreateWith("v4l2:///dev/null");
  std::printf("[ figures ] v4l2:///dev/null -> %s\n", not_camera.ToString().c_str());
  EXPECT_EQ(not_camera.code(), absl::StatusCode::kFailedPrecondition) << not_camera;
}

TEST(SourceCheckTest, BadUrisAreInvalidAndNeverEchoedWhole) {
  absl::Status scheme = CreateWith("gopher://" + std::string(10000, 'x'));
  EXPECT_EQ(scheme.code(), absl::StatusCode::kInvalidArgument) << scheme.message().substr(0, 200);
  EXPECT_LT(scheme.message().size(), 400u);
  absl::Status injected = CreateWith("file:///tmp/a\" ! fakesink name=x");
  EXPECT_EQ(injected.code(), absl::StatusCode::kInvalidArgument) << injected;
}

}  // namespace
