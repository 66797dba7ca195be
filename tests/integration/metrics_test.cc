// The Prometheus endpoint (--metrics-listen) of a real agent, scraped over
// HTTP while a stream plays to a real webrtcbin viewer through a real
// director; and its access rules (bearer token, no token in clear text off
// loopback, TLS with the gRPC API's files).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "agent_harness.h"
#include "director_viewer.h"
#include "http_get.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"
#include "test_pki.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;
using testing_support::HttpGet;
using testing_support::MetricValue;

class MetricsTest : public ::testing::Test {
 protected:
  void StartAgent(control::AgentOptions options = {}) {
    std::string error;
    director_port_ = testing_support::StartDirector(director_, 0, {}, &error);
    ASSERT_NE(director_port_, 0) << error;
    options.metrics_listen = "127.0.0.1:0";
    absl::Status started = harness_.Start(std::move(options));
    ASSERT_TRUE(started.ok()) << started;
    ASSERT_NE(harness_.server().metrics_port(), 0);
  }

  testing_support::ChildProcess director_;
  int director_port_ = 0;
  testing_support::AgentHarness harness_;
};

TEST_F(MetricsTest, ScrapeShowsAPlayingStream) {
  StartAgent();
  ASSERT_TRUE(harness_.StartStream("cam", director_port_).ok());
  testing_support::DirectorViewer viewer;
  ASSERT_TRUE(viewer.Connect(director_port_, 5s).ok());
  testing_support::WebrtcReceiver receiver("H264");
  auto answer = viewer.Play("cam", receiver.CreateOffer(), 15s);
  ASSERT_TRUE(answer.ok()) << answer.status();
  std::string error;
  ASSERT_TRUE(receiver.SetAnswer(*answer, &error)) << error;
  ASSERT_TRUE(receiver.WaitFor([](const auto& s) { return s.frames >= 10; }, 15s));

  // A sample with frames sent, then one more: by then the metrics collector
  // (a subscriber of the same hub) has been handed the first one too.
  {
    testing_support::StatsWatch watch(harness_.stub(), "cam", 0, 20s);
    ASSERT_TRUE(watch.ReadUntil([](const pb::StreamStats& s) {
      return s.state() == pb::STREAMING && s.frames_encoded() > 0 && s.send_bitrate_kbps() > 0;
    }));
    ASSERT_TRUE(watch.ReadUntil([](const pb::StreamStats&) { return true; }));
  }
  // A refused call, to be counted by its code.
  {
    grpc::ClientContext ctx;
    pb::GetStreamRequest get;
    get.set_stream_id("nope");
    pb::Stream ignored;
    EXPECT_EQ(harness_.stub().GetStream(&ctx, get, &ignored).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }

  auto scraped = HttpGet(harness_.server().metrics_port(), "/metrics");
  ASSERT_TRUE(scraped.ok()) << scraped.status();
  ASSERT_EQ(scraped->status, 200) << scraped->body;
  EXPECT_NE(scraped->headers["content-type"].find("text/plain"), std::string::npos);
  const std::string& text = scraped->body;
  EXPECT_NE(text.find("# TYPE gwa_stream_frames_encoded_total counter"), std::string::npos) << text;
  EXPECT_EQ(MetricValue(text, R"(gwa_streams{state="STREAMING"})"), 1.0) << text;
  EXPECT_EQ(MetricValue(text, R"(gwa_streams{state="FAILED"})"), 0.0) << text;
  EXPECT_EQ(MetricValue(text, R"(gwa_stream_state{stream="cam",state="STREAMING"})"), 1.0) << text;
  EXPECT_EQ(MetricValue(text, R"(gwa_stream_viewers{stream="cam"})"), 1.0) << text;
  EXPECT_EQ(MetricValue(text, R"(gwa_link_up{stream="cam"})"), 1.0) << text;
  EXPECT_EQ(MetricValue(text, R"(gwa_link_state{stream="cam",state="REGISTERED"})"), 1.0);
  EXPECT_EQ(MetricValue(text, R"(gwa_stream_source_restarts_total{stream="cam"})"), 0.0);
  EXPECT_GT(MetricValue(text, R"(gwa_stream_frames_encoded_total{stream="cam"})").value_or(0), 0);
  EXPECT_GT(MetricValue(text, R"(gwa_stream_sent_bytes_total{stream="cam"})").value_or(0), 0);
  EXPECT_GT(
      MetricValue(text, R"(gwa_stream_send_bitrate_bits_per_second{stream="cam"})").value_or(0),
      10000)
      << "bits, not kilobits";
  EXPECT_GT(MetricValue(text, R"(gwa_stream_encode_frames_per_second{stream="cam"})").value_or(0),
            0);
  EXPECT_GE(
      MetricValue(text, R"(gwa_grpc_server_handled_total{grpc_code="OK",)"
                        R"(grpc_method="Start",grpc_service="streamcontrol.v1.StreamControl"})")
          .value_or(0),
      1)
      << text;
  EXPECT_EQ(MetricValue(
                text, R"(gwa_grpc_server_handled_total{grpc_code="NOT_FOUND",)"
                      R"(grpc_method="GetStream",grpc_service="streamcontrol.v1.StreamControl"})"),
            1.0)
      << text;
  EXPECT_GT(MetricValue(text, "process_resident_memory_bytes").value_or(0), 10e6);
  EXPECT_GT(MetricValue(text, "process_threads").value_or(0), 2);
  EXPECT_GT(MetricValue(text, "process_cpu_seconds_total").value_or(0), 0);
  EXPECT_GT(MetricValue(text, "process_open_fds").value_or(0), 2);
  EXPECT_GT(MetricValue(text, "gwa_gstreamer_live_elements").value_or(0), 5) << "a pipeline plays";
  // The test's own WatchStats may still be unsubscribing; the collector
  // itself is never counted.
  EXPECT_LE(MetricValue(text, "gwa_stats_watchers").value_or(-1), 1.0);
  EXPECT_GE(MetricValue(text, "gwa_stats_watchers").value_or(-1), 0.0);

  auto other = HttpGet(harness_.server().metrics_port(), "/");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->status, 404);

  // Stopped: the registry keeps a tombstone, the metrics its state only.
  {
    grpc::ClientContext ctx;
    pb::StopRequest stop;
    stop.set_stream_id("cam");
    pb::Stream ignored;
    ASSERT_TRUE(harness_.stub().Stop(&ctx, stop, &ignored).ok());
  }
  auto after = HttpGet(harness_.server().metrics_port(), "/metrics");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(MetricValue(after->body, R"(gwa_stream_state{stream="cam",state="STOPPED"})"), 1.0)
      << after->body;
  EXPECT_EQ(MetricValue(after->body, R"(gwa_streams{state="STREAMING"})"), 0.0);
  EXPECT_EQ(MetricValue(after->body, R"(gwa_stream_send_bitrate_bits_per_second{stream="cam"})"),
            std::nullopt)
      << after->body;
}

TEST_F(MetricsTest, BearerTokenIsRequiredWhenConfigured) {
  control::AgentOptions options;
  options.security.auth_token = "metrics-secret-token";
  StartAgent(options);
  const int port = harness_.server().metrics_port();

  auto none = HttpGet(port, "/metrics");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->headers["www-authenticate"], "Bearer");
  EXPECT_EQ(none->body.find("gwa_"), std::string::npos);

  testing_support::HttpGetOptions wrong;
  wrong.headers["Authorization"] = "Bearer metrics-secret-tokeX";
  auto refused = HttpGet(port, "/metrics", wrong);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 401);

  testing_support::HttpGetOptions right;
  right.headers["Authorization"] = "Bearer metrics-secret-token";
  auto scraped = HttpGet(port, "/metrics", right);
  ASSERT_TRUE(scraped.ok()) << scraped.status();
  EXPECT_EQ(scraped->status, 200);
  EXPECT_TRUE(MetricValue(scraped->body, "process_threads").has_value()) << scraped->body;
}

TEST(MetricsRulesTest, TokenWithoutTlsOffLoopbackIsRefused) {
  control::AgentOptions options;
  options.grpc_listen = "127.0.0.1:0";
  options.metrics_listen = "0.0.0.0:0";
  options.security.auth_token = "metrics-secret-token";
  auto agent = control::AgentServer::Start(options);
  ASSERT_FALSE(agent.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(agent.status())) << agent.status();
  EXPECT_EQ(agent.status().message().find("metrics-secret-token"), std::string::npos);

  options.metrics_listen = "nonsense";
  options.security.auth_token.clear();
  agent = control::AgentServer::Start(options);
  ASSERT_FALSE(agent.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(agent.status())) << agent.status();
}

TEST(MetricsTlsTest, ServedOverTlsWithTheApiCertificate) {
  auto ca = testing_support::TestCa::Create("metrics test CA");
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto leaf = (*ca)->IssueServer("agent");
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  testing_support::TempDir dir;
  control::AgentOptions options;
  options.grpc_listen = "127.0.0.1:0";
  options.metrics_listen = "127.0.0.1:0";
  options.security.tls_cert_file = dir.Write("agent.pem", leaf->cert_pem);
  options.security.tls_key_file = dir.Write("agent.key", leaf->key_pem);
  auto agent = control::AgentServer::Start(options);
  ASSERT_TRUE(agent.ok()) << agent.status();

  testing_support::HttpGetOptions tls;
  tls.tls = true;
  tls.ca_pem = (*ca)->cert_pem();
  auto scraped = HttpGet((*agent)->metrics_port(), "/metrics", tls);
  ASSERT_TRUE(scraped.ok()) << scraped.status();
  EXPECT_EQ(scraped->status, 200);
  EXPECT_EQ(scraped->peer_cert_pem, leaf->cert_pem);
  EXPECT_FALSE(HttpGet((*agent)->metrics_port(), "/metrics").ok() &&
               HttpGet((*agent)->metrics_port(), "/metrics")->status == 200)
      << "plain HTTP must not be served";
  (*agent)->Shutdown(5s);
}

}  // namespace
