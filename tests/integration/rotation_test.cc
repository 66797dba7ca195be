// Certificates and secrets that rotate: the gRPC server's TLS leaf (gRPC's
// FileWatcherCertificateProvider), the metrics endpoint's TLS files and the
// bearer token are replaced on disk while a stream plays to a real viewer
// through a real director; new connections get the new certificate, the new
// token is in force, the old one is refused, and the stream never stops.
// The Ahoy key file rotates too: the link's next connection to the director
// (one that now demands the new key) uses it.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include "agent_harness.h"
#include "child_process.h"
#include "director_viewer.h"
#include "http_get.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"
#include "test_pki.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;
using testing_support::CertAndKey;

// Replaces `name` in `dir` by rename, as an operator's tooling should (the
// watcher never reads a half-written file).
void Replace(testing_support::TempDir& dir, const std::string& name, const std::string& content) {
  const std::string staged = dir.Write(name + ".new", content);
  ASSERT_EQ(std::rename(staged.c_str(), (dir.path() + "/" + name).c_str()), 0);
}

grpc::Status Call(pb::StreamControl::Stub& stub, const std::string& token, pb::Stream* out,
                  const std::string& id = "cam") {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  ctx.AddMetadata("authorization", "Bearer " + token);
  pb::GetStreamRequest get;
  get.set_stream_id(id);
  return stub.GetStream(&ctx, get, out);
}

// The reload has no signal a client can wait on (a file watcher polls), so
// this polls too: every 100 ms, bounded by a wide deadline.
bool Eventually(const std::function<bool()>& condition, std::chrono::seconds deadline = 30s) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return condition();
}

TEST(RotationTest, NewLeafAndTokenTakeEffectWhileAStreamPlays) {
  auto ca = testing_support::TestCa::Create("rotation test CA");
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto first = (*ca)->IssueServer("agent-1");
  auto second = (*ca)->IssueServer("agent-2");
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_NE(first->cert_pem, second->cert_pem);

  testing_support::TempDir dir;
  control::AgentOptions options;
  options.grpc_listen = "127.0.0.1:0";
  options.metrics_listen = "127.0.0.1:0";
  options.registry.stats_interval = 200ms;
  options.security.tls_cert_file = dir.Write("agent.pem", first->cert_pem);
  options.security.tls_key_file = dir.Write("agent.key", first->key_pem);
  const std::string token_file = dir.Write("token", "token-one\n");
  auto token = control::RotatingSecret::Open(token_file, "--auth-token-file");
  ASSERT_TRUE(token.ok()) << token.status();
  options.security.auth_token = (*token)->Get();
  options.security.auth_token_source = *token;
  options.security.reload_interval_s = 1;
  auto agent = control::AgentServer::Start(options);
  ASSERT_TRUE(agent.ok()) << agent.status();
  const int grpc_port = (*agent)->grpc_port();
  const int metrics_port = (*agent)->metrics_port();

  testing_support::ChildProcess director;
  std::string error;
  const int director_port = testing_support::StartDirector(director, 0, {}, &error);
  ASSERT_NE(director_port, 0) << error;

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = (*ca)->cert_pem();
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port), grpc::SslCredentials(ssl));
  auto stub = pb::StreamControl::NewStub(channel);
  {
    pb::StartRequest start;
    start.set_stream_id("cam");
    start.set_source_uri("test://ball");
    start.mutable_quality()->set_width(640);
    start.mutable_quality()->set_height(360);
    start.mutable_ahoy()->set_director_url(testing_support::DirectorFeedsUrl(director_port));
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer token-one");
    pb::Stream started;
    grpc::Status s = stub->Start(&ctx, start, &started);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  testing_support::DirectorViewer viewer;
  ASSERT_TRUE(viewer.Connect(director_port, 5s).ok());
  testing_support::WebrtcReceiver receiver("H264");
  auto answer = viewer.Play("cam", receiver.CreateOffer(), 15s);
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_TRUE(receiver.SetAnswer(*answer, &error)) << error;
  ASSERT_TRUE(receiver.WaitFor([](const auto& s) { return s.frames >= 10; }, 15s));

  EXPECT_EQ(testing_support::TlsPeerCertificate(grpc_port, (*ca)->cert_pem()).value_or(""),
            first->cert_pem);
  testing_support::HttpGetOptions scrape;
  scrape.tls = true;
  scrape.ca_pem = (*ca)->cert_pem();
  scrape.headers["Authorization"] = "Bearer token-one";
  auto before = testing_support::HttpGet(metrics_port, "/metrics", scrape);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->status, 200);
  EXPECT_EQ(before->peer_cert_pem, first->cert_pem);

  // Rotate: key first, then certificate (the watcher keeps the old pair
  // while the two do not match), then the token.
  Replace(dir, "agent.key", second->key_pem);
  Replace(dir, "agent.pem", second->cert_pem);
  Replace(dir, "token", "token-two\n");

  EXPECT_TRUE(Eventually([&] {
    return testing_support::TlsPeerCertificate(grpc_port, (*ca)->cert_pem()).value_or("") ==
           second->cert_pem;
  })) << "gRPC never served the new leaf";
  pb::Stream stream;
  EXPECT_TRUE(Eventually([&] { return Call(*stub, "token-two", &stream).ok(); }))
      << "the new token was never accepted";
  EXPECT_EQ(Call(*stub, "token-one", &stream).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // A new connection, checked against the same CA, gets the new leaf.
  auto fresh = pb::StreamControl::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port), grpc::SslCredentials(ssl)));
  grpc::Status status = Call(*fresh, "token-two", &stream);
  ASSERT_TRUE(status.ok()) << status.error_message();
  scrape.headers["Authorization"] = "Bearer token-two";
  // websocketpp makes the next connection (and its TLS stream) as soon as
  // it accepted one, so the connection after a change still has the files
  // of before; the one after that has the new ones.
  ASSERT_TRUE(testing_support::HttpGet(metrics_port, "/metrics", scrape).ok());
  auto after = testing_support::HttpGet(metrics_port, "/metrics", scrape);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->peer_cert_pem, second->cert_pem);

  // The stream never noticed: same viewer session, still streaming, frames
  // still arriving.
  EXPECT_EQ(stream.state(), pb::STREAMING);
  EXPECT_EQ(stream.viewer_sessions(), 1u) << "no renegotiation";
  const uint64_t frames = receiver.frames();
  EXPECT_TRUE(receiver.WaitFor([&](const auto& s) { return s.frames >= frames + 20; }, 15s))
      << "frames stopped at " << receiver.frames();
  (*agent)->Shutdown(5s);
}

// An operator rotates the Ahoy key: the agent's key file and then the
// director's. The link's connection stays up on the key it was accepted with
// (nothing re-registers for a file change); when the director restarts
// demanding the new key, the agent's reconnection carries it, where the old
// key would leave the stream LINK_UNAUTHORIZED.
TEST(RotationTest, RotatedAhoyKeyFileIsUsedForTheNextConnection) {
  testing_support::TempDir dir;
  const std::string agent_key_file = dir.Write("ahoy.key", "key-one\n");
  const std::string director_key_one = dir.Write("director-one.key", "key-one\n");
  const std::string director_key_two = dir.Write("director-two.key", "key-two\n");

  auto director = std::make_unique<testing_support::ChildProcess>();
  std::string error;
  const int port =
      testing_support::StartDirector(*director, 0, {"--api-key-file", director_key_one}, &error);
  ASSERT_NE(port, 0) << error;

  auto key = control::RotatingSecret::Open(agent_key_file, "--api-key-file");
  ASSERT_TRUE(key.ok()) << key.status();
  control::AgentOptions options;
  options.registry.default_api_key = (*key)->Get();
  options.registry.default_api_key_source = *key;
  options.security.reload_interval_s = 1;
  testing_support::AgentHarness agent;
  ASSERT_TRUE(agent.Start(options).ok());
  ASSERT_TRUE(agent.StartStream("cam", port).ok()) << "no key in the request: the agent's file";
  testing_support::StatsWatch watch(agent.stub(), "cam", 200, 60s);
  ASSERT_TRUE(watch.ReadUntil([](const auto& s) { return s.link_state() == pb::LINK_REGISTERED; }));

  Replace(dir, "ahoy.key", "key-two\n");
  ASSERT_TRUE(Eventually([&] { return (*key)->Get() == "key-two"; }))
      << "the agent never re-read its key file";
  // The open connection is not disturbed by the file change.
  pb::StreamStats sample;
  ASSERT_TRUE(watch.ReadUntil([](const auto&) { return true; }, &sample));
  EXPECT_EQ(sample.link_state(), pb::LINK_REGISTERED);

  director->Stop(SIGKILL);
  ASSERT_TRUE(watch.ReadUntil([](const auto& s) { return s.link_state() != pb::LINK_REGISTERED; }));
  director = std::make_unique<testing_support::ChildProcess>();
  ASSERT_EQ(
      testing_support::StartDirector(*director, port, {"--api-key-file", director_key_two}, &error),
      port)
      << error;
  ASSERT_TRUE(watch.ReadUntil(
      [](const auto& s) {
        return s.link_state() == pb::LINK_REGISTERED || s.link_state() == pb::LINK_UNAUTHORIZED;
      },
      &sample));
  EXPECT_EQ(sample.link_state(), pb::LINK_REGISTERED) << "the old key went to the new director";

  // And the feed plays through the director that only knows the new key.
  testing_support::DirectorViewer viewer;
  ASSERT_TRUE(viewer.Connect(port, 5s).ok());
  testing_support::WebrtcReceiver receiver("H264");
  auto answer = viewer.Play("cam", receiver.CreateOffer(), 15s);
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_TRUE(receiver.SetAnswer(*answer, &error)) << error;
  EXPECT_TRUE(receiver.WaitFor([](const auto& s) { return s.frames >= 10; }, 15s));
}

}  // namespace
