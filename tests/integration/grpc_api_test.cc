// The gRPC API against a real agent: an in-process AgentServer on a real
// port, a real local-director process, and a real webrtcbin viewer playing
// through the director. Checks status codes and WatchStats delivery.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "agent_harness.h"
#include "director_viewer.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;

class GrpcApiTest : public testing_support::AgentWithDirectorTest<> {
 protected:
  void SetUp() override {
    AgentWithDirectorTest::SetUp();
    if (HasFatalFailure()) return;
    stub_ = &harness_.stub();
    agent_ = &harness_.server();
  }

  grpc::Status Start(const std::string& id, pb::Stream* out, uint32_t bitrate = 0) {
    if (bitrate == 0) return harness_.StartStream(id, director_port_, "", out);
    pb::StartRequest req;
    req.set_stream_id(id);
    req.set_source_uri("test://ball");
    req.mutable_quality()->set_width(640);
    req.mutable_quality()->set_height(360);
    req.mutable_quality()->set_bitrate_kbps(bitrate);
    req.mutable_ahoy()->set_director_url(testing_support::DirectorFeedsUrl(director_port_));
    grpc::ClientContext ctx;
    return stub_->Start(&ctx, req, out);
  }

  grpc::Status SetQuality(const std::string& id, const pb::Quality& q, pb::Stream* out) {
    pb::SetQualityRequest req;
    req.set_stream_id(id);
    *req.mutable_quality() = q;
    grpc::ClientContext ctx;
    return stub_->SetQuality(&ctx, req, out);
  }

  pb::StreamControl::Stub* stub_ = nullptr;
  control::AgentServer* agent_ = nullptr;
};

TEST_F(GrpcApiTest, BadRequestsGetTheRightStatusWithAReason) {
  pb::Stream stream;
  grpc::Status s;
  {
    grpc::ClientContext ctx;
    pb::GetStreamRequest req;
    req.set_stream_id("nope");
    s = stub_->GetStream(&ctx, req, &stream);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  }
  s = SetQuality("nope", pb::Quality(), &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  ASSERT_TRUE(Start("cam1", &stream).ok());
  EXPECT_EQ(stream.state(), pb::WAITING_FOR_VIEWER);
  EXPECT_EQ(stream.quality().width(), 640u);
  EXPECT_EQ(stream.quality().bitrate_kbps(), 2000u) << "unset fields take the default";
  s = Start("cam1", &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();

  s = Start("cam2", &stream, /*bitrate=*/1);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("bitrate"), std::string::npos) << s.error_message();
  s = Start("bad id/with slash", &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();

  pb::Quality zero_bitrate;
  zero_bitrate.set_bitrate_kbps(0);
  s = SetQuality("cam1", zero_bitrate, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("bitrate"), std::string::npos) << s.error_message();
  pb::Quality huge;
  huge.set_width(99999);
  s = SetQuality("cam1", huge, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("width"), std::string::npos) << s.error_message();

  pb::Quality unknown_preset;
  unknown_preset.set_preset("ultra");
  s = SetQuality("cam1", unknown_preset, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("fhd"), std::string::npos) << s.error_message();

  // A rejected change loses nothing: the quality in force is unchanged.
  {
    grpc::ClientContext ctx;
    pb::GetStreamRequest req;
    req.set_stream_id("cam1");
    ASSERT_TRUE(stub_->GetStream(&ctx, req, &stream).ok());
    EXPECT_EQ(stream.quality().width(), 640u);
    EXPECT_EQ(stream.quality().bitrate_kbps(), 2000u);
  }

  // A preset, then an explicit field over it; other fields stay.
  pb::Quality preset;
  preset.set_preset("medium");
  preset.set_bitrate_kbps(800);
  s = SetQuality("cam1", preset, &stream);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(stream.quality().width(), 640u);
  EXPECT_EQ(stream.quality().height(), 360u);
  EXPECT_EQ(stream.quality().framerate(), 20u);
  EXPECT_EQ(stream.quality().bitrate_kbps(), 800u);
  EXPECT_TRUE(stream.quality().preset().empty());
  EXPECT_TRUE(stream.quality().has_keyframe_interval());

  pb::WatchStatsRequest watch;
  watch.set_stream_id("nope");
  grpc::ClientContext watch_ctx;
  auto reader = stub_->WatchStats(&watch_ctx, watch);
  pb::StreamStats sample;
  EXPECT_FALSE(reader->Read(&sample));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);

  // Stop is idempotent while the id is known.
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    pb::StopRequest req;
    req.set_stream_id("cam1");
    s = stub_->Stop(&ctx, req, &stream);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(stream.state(), pb::STOPPED);
  }
  {
    grpc::ClientContext ctx;
    pb::StopRequest req;
    req.set_stream_id("never-started");
    EXPECT_EQ(stub_->Stop(&ctx, req, &stream).error_code(), grpc::StatusCode::NOT_FOUND);
  }
}

// SetQuality answers from the engine thread without holding a gRPC thread:
// many calls in flight at once are all answered, each with the stream as its
// own change left it, and calls racing with Stop get an answer too (applied,
// or refused because the stream is gone), never a hang.
TEST_F(GrpcApiTest, SetQualityCallsInFlightAreEachAnsweredWithTheirOwnChange) {
  pb::Stream stream;
  ASSERT_TRUE(Start("cam1", &stream, 1000).ok());
  struct Call {
    grpc::ClientContext ctx;
    pb::SetQualityRequest req;
    pb::Stream resp;
    grpc::Status status;
  };
  std::mutex mu;
  std::condition_variable cv;
  int answered = 0;
  auto issue = [&](std::vector<std::unique_ptr<Call>>& calls, int n, uint32_t first_kbps) {
    for (int i = 0; i < n; ++i) {
      auto call = std::make_unique<Call>();
      call->ctx.set_deadline(std::chrono::system_clock::now() + 20s);
      call->req.set_stream_id("cam1");
      call->req.mutable_quality()->set_bitrate_kbps(first_kbps + static_cast<uint32_t>(i));
      Call* raw = call.get();
      calls.push_back(std::move(call));
      stub_->async()->SetQuality(&raw->ctx, &raw->req, &raw->resp, [&, raw](grpc::Status st) {
        std::lock_guard<std::mutex> lock(mu);
        raw->status = std::move(st);
        ++answered;
        cv.notify_all();
      });
    }
  };
  auto wait_answered = [&](int n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, 30s, [&] { return answered >= n; });
  };

  std::vector<std::unique_ptr<Call>> calls;
  issue(calls, 64, 1001);
  ASSERT_TRUE(wait_answered(64)) << answered << " of 64 answered";
  for (const auto& call : calls) {
    ASSERT_TRUE(call->status.ok()) << call->status.error_message();
    EXPECT_EQ(call->resp.quality().bitrate_kbps(), call->req.quality().bitrate_kbps());
  }

  std::vector<std::unique_ptr<Call>> racing;
  issue(racing, 32, 2001);
  {
    grpc::ClientContext ctx;
    pb::StopRequest req;
    req.set_stream_id("cam1");
    ASSERT_TRUE(stub_->Stop(&ctx, req, &stream).ok());
  }
  ASSERT_TRUE(wait_answered(96)) << answered - 64 << " of 32 racing calls answered";
  int applied = 0, refused = 0;
  for (const auto& call : racing) {
    if (call->status.ok()) {
      ++applied;
      EXPECT_EQ(call->resp.quality().bitrate_kbps(), call->req.quality().bitrate_kbps());
    } else {
      ++refused;
      // "is stopping" while Stop tears the stream down, "is stopped" after:
      // never NOT_FOUND, the id is known all along.
      EXPECT_EQ(call->status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
          << call->status.error_message();
    }
  }
  EXPECT_EQ(applied + refused, 32);
}

// An error echoes a field, never all of a huge one: the reason travels as a
// gRPC header, and a 512 KiB value there would turn the clear status into an
// opaque transport error.
TEST_F(GrpcApiTest, HugeFieldsInErrorsAreCut) {
  const std::string huge(512 * 1024, 'z');
  pb::Stream stream;
  {
    grpc::ClientContext ctx;
    pb::GetStreamRequest req;
    req.set_stream_id(huge);
    const grpc::Status s = stub_->GetStream(&ctx, req, &stream);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message().size();
    EXPECT_LT(s.error_message().size(), 200u);
    EXPECT_NE(s.error_message().find("(524288 characters)"), std::string::npos)
        << s.error_message();
  }
  {
    grpc::ClientContext ctx;
    pb::StartRequest req;
    req.set_stream_id("cam-huge");
    req.set_source_uri("nosuch://" + huge);
    req.mutable_ahoy()->set_director_url(testing_support::DirectorFeedsUrl(director_port_));
    const grpc::Status s = stub_->Start(&ctx, req, &stream);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message().size();
    EXPECT_LT(s.error_message().size(), 300u);
    EXPECT_NE(s.error_message().find("source_uri"), std::string::npos) << s.error_message();
  }
}

TEST_F(GrpcApiTest, SourceOptionsAndTheNewQualityFields) {
  auto start = [&](const std::string& id, const std::string& uri, const pb::SourceOptions& options,
                   pb::Stream* out) {
    pb::StartRequest req;
    req.set_stream_id(id);
    req.set_source_uri(uri);
    *req.mutable_source_options() = options;
    req.mutable_ahoy()->set_director_url(testing_support::DirectorFeedsUrl(director_port_));
    grpc::ClientContext ctx;
    return stub_->Start(&ctx, req, out);
  };
  pb::Stream stream;
  grpc::Status s = start("cam", "v4l2:///dev/video98", {}, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find("/dev/video98"), std::string::npos) << s.error_message();
  s = start("clip", "file:///nonexistent/clip.webm", {}, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();

  pb::SourceOptions loop;
  loop.set_loop(true);
  s = start("cam", "rtsp://127.0.0.1:1/cam", loop, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("loop"), std::string::npos) << s.error_message();

  pb::SourceOptions tcp;
  tcp.set_rtsp_transport(pb::SourceOptions::RTSP_TRANSPORT_TCP);
  s = start("cam", "rtsp://127.0.0.1:1/cam", tcp, &stream);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(stream.source_options().rtsp_transport(), pb::SourceOptions::RTSP_TRANSPORT_TCP);
  EXPECT_TRUE(stream.quality().nack());
  EXPECT_EQ(stream.quality().mtu(), 1400u);
  EXPECT_EQ(stream.quality().speed_preset(), 1u);

  pb::Quality change;
  change.set_mtu(1000);
  change.set_speed_preset(4);
  change.set_nack(false);
  s = SetQuality("cam", change, &stream);
  ASSERT_TRUE(s.ok()) << s.error_message() << " (no viewer: taken for the next session)";
  EXPECT_EQ(stream.quality().mtu(), 1000u);
  EXPECT_EQ(stream.quality().speed_preset(), 4u);
  EXPECT_FALSE(stream.quality().nack());
  pb::Quality bad_speed;
  bad_speed.set_speed_preset(11);
  s = SetQuality("cam", bad_speed, &stream);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("speed_preset"), std::string::npos) << s.error_message();
}

TEST_F(GrpcApiTest, WatchStatsStreamsEveryIntervalWithRttWhileAViewerPlays) {
  pb::Stream stream;
  ASSERT_TRUE(Start("live", &stream, 800).ok());

  grpc::ClientContext watch_ctx;
  pb::WatchStatsRequest watch;
  watch.set_stream_id("live");
  watch.set_interval_ms(200);
  auto reader = stub_->WatchStats(&watch_ctx, watch);
  pb::StreamStats sample;

  // State events arrive as they happen: wait for the link to register.
  bool registered = false;
  while (!registered && reader->Read(&sample)) {
    registered = sample.link_state() == pb::LINK_REGISTERED;
  }
  ASSERT_TRUE(registered);

  testing_support::DirectorViewer viewer;
  ASSERT_TRUE(viewer.Connect(director_port_, 5s).ok());
  testing_support::WebrtcReceiver receiver("H264");
  auto answer = viewer.Play("live", receiver.CreateOffer(), 15s);
  ASSERT_TRUE(answer.ok()) << answer.status();
  std::string error;
  ASSERT_TRUE(receiver.SetAnswer(*answer, &error)) << error;
  ASSERT_TRUE(receiver.WaitFor([](const auto& s) { return s.frames > 10; }, 15s));

  // Collect 25 samples: every one must be at most ~2 intervals after the
  // previous, and RTT must show up once the receiver's RTCP arrives.
  std::vector<pb::StreamStats> samples;
  bool saw_streaming_event = false;
  while (samples.size() < 25 && reader->Read(&sample)) {
    if (sample.state() == pb::STREAMING) saw_streaming_event = true;
    samples.push_back(sample);
  }
  ASSERT_EQ(samples.size(), 25u);
  EXPECT_TRUE(saw_streaming_event);
  int64_t widest_gap = 0;
  for (size_t i = 1; i < samples.size(); ++i) {
    widest_gap =
        std::max(widest_gap, samples[i].timestamp_unix_ms() - samples[i - 1].timestamp_unix_ms());
  }
  EXPECT_LE(widest_gap, 450) << "a 200 ms interval went without a sample";
  EXPECT_TRUE(std::any_of(samples.begin(), samples.end(),
                          [](const auto& s) { return s.has_round_trip_time_ms(); }));
  EXPECT_GT(samples.back().bytes_sent(), samples.front().bytes_sent());
  EXPECT_GT(samples.back().send_bitrate_kbps(), 100.0);
  EXPECT_EQ(samples.back().quality().width(), 640u);
  EXPECT_TRUE(samples.back().ice_connection_state() == "connected" ||
              samples.back().ice_connection_state() == "completed")
      << samples.back().ice_connection_state();
  // The path media takes: a host pair over UDP between two real ports.
  ASSERT_TRUE(samples.back().has_selected_candidate_pair());
  const pb::CandidatePair& pair = samples.back().selected_candidate_pair();
  EXPECT_EQ(pair.protocol(), "udp");
  EXPECT_EQ(pair.local_type(), "host");
  EXPECT_EQ(pair.remote_type(), "host");
  EXPECT_GT(pair.local_port(), 0u);
  EXPECT_GT(pair.remote_port(), 0u);
  EXPECT_NE(pair.local_port(), pair.remote_port());
  EXPECT_FALSE(pair.local_address().empty());

  // The viewer stops: a WAITING_FOR_VIEWER event follows at once.
  ASSERT_TRUE(viewer.Stop("live", 5s).ok());
  bool waiting = false;
  while (!waiting && reader->Read(&sample)) waiting = sample.state() == pb::WAITING_FOR_VIEWER;
  EXPECT_TRUE(waiting);
  watch_ctx.TryCancel();
  reader->Finish();
}

TEST_F(GrpcApiTest, ShutdownEndsWatchersWithUnavailable) {
  pb::Stream stream;
  ASSERT_TRUE(Start("s", &stream).ok());
  grpc::ClientContext watch_ctx;
  pb::WatchStatsRequest watch;
  auto reader = stub_->WatchStats(&watch_ctx, watch);
  pb::StreamStats sample;
  ASSERT_TRUE(reader->Read(&sample));
  agent_->Shutdown(5s);
  while (reader->Read(&sample)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace

namespace {

TEST_F(GrpcApiTest, StreamctlHealthAsksTheHealthService) {
  const std::string streamctl = std::string(GWA_BIN_DIR) + "/streamctl";
  const std::string target = "127.0.0.1:" + std::to_string(agent_->grpc_port());
  std::string error;
  {
    testing_support::ChildProcess run;
    ASSERT_FALSE(
        run.Start(streamctl, {"--server", target, "health"}, "(SERVING)", 30s, &error).empty())
        << error;
    EXPECT_EQ(run.WaitForExit(30s), 0) << run.Output();
  }
  agent_->Shutdown(5s);
  {
    testing_support::ChildProcess run;
    ASSERT_FALSE(
        run.Start(streamctl, {"--server", target, "health"}, "(UNAVAILABLE)", 30s, &error).empty())
        << error;
    EXPECT_EQ(run.WaitForExit(30s), 1) << run.Output();
  }
}

}  // namespace

namespace {

TEST_F(GrpcApiTest, StreamctlSetsSourceOptionsAndTheNewQualityFlags) {
  const std::string streamctl = std::string(GWA_BIN_DIR) + "/streamctl";
  const std::string target = "127.0.0.1:" + std::to_string(agent_->grpc_port());
  const std::string director = testing_support::DirectorFeedsUrl(director_port_);
  std::string error;
  {
    testing_support::ChildProcess run;
    ASSERT_FALSE(run.Start(streamctl,
                           {"--server", target, "--json", "start", "cam", "rtsp://127.0.0.1:1/cam",
                            "--director", director, "--rtsp_transport", "tcp", "--mtu", "1000",
                            "--nack", "off", "--speed_preset", "3"},
                           "(RTSP_TRANSPORT_TCP)", 30s, &error)
                     .empty())
        << error;
    EXPECT_EQ(run.WaitForExit(30s), 0) << run.Output();
    EXPECT_NE(run.Output().find("\"mtu\":1000"), std::string::npos) << run.Output();
    EXPECT_NE(run.Output().find("\"nack\":false"), std::string::npos) << run.Output();
    EXPECT_NE(run.Output().find("\"speedPreset\":3"), std::string::npos) << run.Output();
  }
  {
    testing_support::ChildProcess run;
    ASSERT_FALSE(run.Start(streamctl, {"--server", target, "set", "cam", "--speed_preset", "11"},
                           "(speed_preset)", 30s, &error)
                     .empty())
        << error;
    EXPECT_EQ(run.WaitForExit(30s), 1) << "INVALID_ARGUMENT from the agent: " << run.Output();
  }
  {
    testing_support::ChildProcess run;
    ASSERT_FALSE(run.Start(streamctl, {"--server", target, "set", "cam", "--nack", "maybe"},
                           "(--nack)", 30s, &error)
                     .empty())
        << error;
    EXPECT_EQ(run.WaitForExit(30s), 2) << "usage error: " << run.Output();
  }
  {
    // Pass-through from the CLI: the stream says so, and a password in the
    // URI is not echoed back.
    testing_support::ChildProcess run;
    ASSERT_FALSE(run.Start(streamctl,
                           {"--server", target, "--json", "start", "door",
                            "rtsp://viewer:pw-9f2c@127.0.0.1:1/cam", "--director", director,
                            "--passthrough", "--mtu", "1200"},
                           "(\"passthrough\":true)", 30s, &error)
                     .empty())
        << error;
    EXPECT_EQ(run.WaitForExit(30s), 0) << run.Output();
    EXPECT_NE(run.Output().find("\"encoder\":\"passthrough\""), std::string::npos) << run.Output();
    EXPECT_NE(run.Output().find("rtsp://viewer:***@127.0.0.1:1/cam"), std::string::npos)
        << run.Output();
    EXPECT_EQ(run.Output().find("pw-9f2c"), std::string::npos) << run.Output();
  }
}

}  // namespace
