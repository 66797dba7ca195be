// Self-healing source: a real RTSP camera (gst-rtsp-server in a child
// process) streams through the engine to a real receiving webrtcbin; the
// camera is killed and started again on the same port. The viewer session
// must survive with no new offer/answer, the feed must report the outage and
// the recovery, and frames must reach the same receiver again.
#include <gtest/gtest.h>

#include <signal.h>

#include <future>

#include "child_process.h"
#include "engine/engine.h"
#include "engine/feed.h"
#include "feed_driver.h"
#include "feed_state_log.h"
#include "test_camera.h"
#include "test_clip.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
using testing_support::ChildProcess;
using testing_support::WebrtcReceiver;

// Plays `feed` into `receiver` (offer/answer once).
void Play(engine::Feed& feed, WebrtcReceiver& receiver) {
  absl::Status played = testing_support::PlayInto(feed, receiver);
  ASSERT_TRUE(played.ok()) << played;
}

// A 320x240 feed from the test camera on `port`.
engine::FeedConfig CameraFeed(const std::string& port, std::chrono::milliseconds stall_timeout) {
  engine::FeedConfig config;
  config.source_uri = "rtsp://127.0.0.1:" + port + "/cam";
  config.quality.width = 320;
  config.quality.height = 240;
  config.source_stall_timeout = stall_timeout;
  return config;
}

using StateLog = testing_support::FeedStateLog;

std::string StartCamera(ChildProcess* camera, const std::string& port) {
  return testing_support::StartTestCamera(camera, port);
}

TEST(SourceRestartTest, RtspCameraDiesAndComesBackWithoutRenegotiation) {
  auto camera = std::make_unique<ChildProcess>();
  const std::string port = StartCamera(camera.get(), "0");
  ASSERT_FALSE(port.empty());

  engine::Engine engine;
  StateLog log;
  engine::FeedConfig config = CameraFeed(port, 2s);
  config.quality.framerate = 30;
  auto feed = engine::Feed::Create(&engine, config, &log);
  ASSERT_TRUE(feed.ok()) << feed.status();

  WebrtcReceiver receiver("H264");
  ASSERT_NO_FATAL_FAILURE(Play(**feed, receiver));
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 15; }, 15s))
      << "frames: " << receiver.frames();
  EXPECT_EQ(receiver.state().width, 320);
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kStreaming, 0, 5s));

  // The camera dies.
  const size_t before_outage = log.size();
  camera->Stop();
  engine::FeedSnapshot outage;
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kReconnectingSource, before_outage, 15s, &outage))
      << "the feed never reported the source outage";
  EXPECT_FALSE(outage.last_error.empty());
  EXPECT_NE(outage.last_error.find("restarting the source"), std::string::npos)
      << outage.last_error;
  EXPECT_TRUE(outage.pipeline_running) << "the viewer pipeline must survive the outage";
  const uint64_t frames_at_outage = receiver.frames();

  // It comes back on the same port: frames resume at the same receiver.
  const size_t before_recovery = log.size();
  camera = std::make_unique<ChildProcess>();
  ASSERT_EQ(StartCamera(camera.get(), port), port);
  ASSERT_TRUE(receiver.WaitFor([&](auto& s) { return s.frames >= frames_at_outage + 30; }, 15s))
      << "frames stayed at " << receiver.frames() << " (outage at " << frames_at_outage << ")";
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kStreaming, before_recovery, 5s));
  engine::FeedSnapshot now = (*feed)->Snapshot();
  EXPECT_EQ(now.state, engine::FeedState::kStreaming);
  EXPECT_EQ(now.viewer_sessions, 1u) << "no new session, no new offer/answer";
  EXPECT_TRUE(now.pipeline_running);
  EXPECT_EQ(receiver.state().width, 320);
  (*feed)->Shutdown();
}

// A camera that hangs (process stopped: TCP still accepted by the kernel, no
// data, no error) is only noticed by the stall watchdog; rebuilding the
// source must not block the engine thread.
TEST(SourceRestartTest, HungCameraIsCaughtByTheStallWatchdog) {
  ChildProcess camera;
  const std::string port = StartCamera(&camera, "0");
  ASSERT_FALSE(port.empty());
  engine::Engine engine;
  StateLog log;
  engine::FeedConfig config = CameraFeed(port, 1s);
  auto feed = engine::Feed::Create(&engine, config, &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver("H264");
  ASSERT_NO_FATAL_FAILURE(Play(**feed, receiver));
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 15; }, 15s));

  const size_t before_outage = log.size();
  ASSERT_EQ(kill(camera.pid(), SIGSTOP), 0);
  engine::FeedSnapshot outage;
  ASSERT_TRUE(
      log.WaitForState(engine::FeedState::kReconnectingSource, before_outage, 10s, &outage));
  EXPECT_NE(outage.last_error.find("no frame"), std::string::npos) << outage.last_error;
  const uint64_t frames_at_outage = receiver.frames();

  // The engine thread answers at once while the source hangs.
  auto asked = std::chrono::steady_clock::now();
  engine::Quality change;
  change.bitrate_kbps = 900;
  ASSERT_TRUE((*feed)->SetQuality(change).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);

  const size_t before_recovery = log.size();
  ASSERT_EQ(kill(camera.pid(), SIGCONT), 0);
  ASSERT_TRUE(receiver.WaitFor([&](auto& s) { return s.frames >= frames_at_outage + 30; }, 20s))
      << "frames stayed at " << receiver.frames() << " (outage at " << frames_at_outage << ")";
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kStreaming, before_recovery, 5s));
  EXPECT_EQ((*feed)->Snapshot().viewer_sessions, 1u);
  (*feed)->Shutdown();
}

// A file source hits EOS after one second: the source side restarts (the
// file plays again) for the same viewer, reported as an outage with "EOS".
TEST(SourceRestartTest, SourceEosRestartsTheSourceForTheSameViewer) {
  const std::string path = testing_support::WriteTestClip("gwa_eos_clip.webm");
  ASSERT_FALSE(path.empty());

  engine::Engine engine;
  StateLog log;
  engine::FeedConfig config;
  config.source_uri = "file://" + path;
  config.quality.width = 320;
  config.quality.height = 240;
  auto feed = engine::Feed::Create(&engine, config, &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver("H264");
  ASSERT_NO_FATAL_FAILURE(Play(**feed, receiver));

  engine::FeedSnapshot ended;
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kReconnectingSource, 0, 15s, &ended));
  EXPECT_NE(ended.last_error.find("EOS"), std::string::npos) << ended.last_error;
  const uint64_t frames_at_eos = receiver.frames();
  const size_t after_eos = log.size();
  // The file plays again: more frames than one pass at the same receiver.
  ASSERT_TRUE(receiver.WaitFor([&](auto& s) { return s.frames >= frames_at_eos + 20; }, 15s))
      << "frames stayed at " << receiver.frames() << " (EOS at " << frames_at_eos << ")";
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kStreaming, after_eos, 5s));
  EXPECT_EQ((*feed)->Snapshot().viewer_sessions, 1u);
  (*feed)->Shutdown();
}

TEST(SourceRestartTest, UnreachableCameraIsRetriedAndTheSessionStaysUp) {
  // Nothing listens on this port (the camera is started and stopped first).
  std::string port;
  {
    ChildProcess probe;
    port = StartCamera(&probe, "0");
    ASSERT_FALSE(port.empty());
  }
  engine::Engine engine;
  StateLog log;
  engine::FeedConfig config = CameraFeed(port, 1s);
  auto feed = engine::Feed::Create(&engine, config, &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  WebrtcReceiver receiver("H264");
  ASSERT_TRUE(testing_support::StartViewer(**feed).ok());
  auto answer = testing_support::Offer(**feed, receiver.CreateOffer());
  ASSERT_TRUE(answer.ok()) << answer.status();

  // Two failures in a row: reported each time, never FAILED, session kept.
  engine::FeedSnapshot first, second;
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kReconnectingSource, 0, 10s, &first));
  size_t after_first = log.size();
  ASSERT_TRUE(log.WaitForState(engine::FeedState::kReconnectingSource, after_first, 10s, &second));
  EXPECT_FALSE(second.last_error.empty());
  EXPECT_TRUE((*feed)->Snapshot().pipeline_running);
  EXPECT_NE((*feed)->Snapshot().state, engine::FeedState::kFailed);
  (*feed)->Shutdown();
}

}  // namespace
