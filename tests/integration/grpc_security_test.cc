// Transport security and the bearer token, against a real in-process agent on
// a real port: TLS, mutual TLS and the token check, with certificates made at
// test time by a throwaway CA. Also streamctl's --ca-file/--token-file.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <sstream>

#include "child_process.h"
#include "control/agent_server.h"
#include "control/bearer_auth.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"
#include "test_pki.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;
using testing_support::CertAndKey;
using testing_support::TestCa;

constexpr char kToken[] = "s3cr3t-Token-for-tests-0123456789";

// One PKI for the whole suite: key generation is the slow part.
struct Pki {
  std::unique_ptr<TestCa> ca;
  std::unique_ptr<TestCa> other_ca;  // trusted by nobody
  CertAndKey server;
  CertAndKey client;
  CertAndKey foreign_client;  // signed by other_ca
  testing_support::TempDir dir;
  std::string server_cert_file, server_key_file, ca_file, token_file;
};

class GrpcSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new Pki();
    auto ca = TestCa::Create("gwa test CA");
    auto other = TestCa::Create("some other CA");
    ASSERT_TRUE(ca.ok() && other.ok());
    pki_->ca = std::move(*ca);
    pki_->other_ca = std::move(*other);
    auto server = pki_->ca->IssueServer("agent");
    auto client = pki_->ca->IssueClient("operator");
    auto foreign = pki_->other_ca->IssueClient("intruder");
    ASSERT_TRUE(server.ok() && client.ok() && foreign.ok());
    pki_->server = *server;
    pki_->client = *client;
    pki_->foreign_client = *foreign;
    pki_->server_cert_file = pki_->dir.Write("server.pem", server->cert_pem);
    pki_->server_key_file = pki_->dir.Write("server.key", server->key_pem);
    pki_->ca_file = pki_->dir.Write("ca.pem", pki_->ca->cert_pem());
    pki_->token_file = pki_->dir.Write("token", std::string("  ") + kToken + "\n");
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void TearDown() override {
    if (agent_) agent_->Shutdown(5s);
  }

  // Starts the agent; `mtls` also requires client certificates from our CA.
  void StartAgent(bool tls, bool mtls, bool token, std::string listen = "127.0.0.1:0") {
    control::AgentOptions options;
    options.grpc_listen = std::move(listen);
    if (tls) {
      options.security.tls_cert_file = pki_->server_cert_file;
      options.security.tls_key_file = pki_->server_key_file;
    }
    if (mtls) options.security.tls_client_ca_file = pki_->ca_file;
    if (token) options.security.auth_token = kToken;
    auto agent = control::AgentServer::Start(options);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = std::move(*agent);
  }

  std::string Target() const { return "127.0.0.1:" + std::to_string(agent_->grpc_port()); }

  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& root_pem,
                                            const CertAndKey* client = nullptr) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = root_pem;
    if (client) {
      ssl.pem_cert_chain = client->cert_pem;
      ssl.pem_private_key = client->key_pem;
    }
    return grpc::CreateChannel(Target(), grpc::SslCredentials(ssl));
  }
  std::shared_ptr<grpc::Channel> PlainChannel() {
    return grpc::CreateChannel(Target(), grpc::InsecureChannelCredentials());
  }

  // ListStreams with an optional raw `authorization` header value.
  static grpc::Status List(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& authorization = "") {
    auto stub = pb::StreamControl::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
    pb::ListStreamsResponse response;
    return stub->ListStreams(&ctx, pb::ListStreamsRequest(), &response);
  }

  // grpc.health.v1.Health/Check for the whole server, through a generic stub
  // (the health proto's C++ stubs are not shipped by Debian). Returns the
  // status and the raw response bytes.
  static grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                                  std::string* response_bytes) {
    grpc::GenericStub stub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    // HealthCheckRequest{service: ""} encodes as zero bytes, but the buffer
    // must still hold one (empty) slice: a default ByteBuffer is "no message".
    grpc::Slice nothing(std::string{});
    grpc::ByteBuffer request(&nothing, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    grpc::Status status = done.get_future().get();
    std::vector<grpc::Slice> slices;
    if (status.ok() && response.Dump(&slices).ok()) {
      for (const auto& slice : slices) {
        response_bytes->append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    return status;
  }

  static Pki* pki_;
  std::unique_ptr<control::AgentServer> agent_;
};

Pki* GrpcSecurityTest::pki_ = nullptr;

// HealthCheckResponse{status: SERVING}: field 1, varint 1.
const std::string kServing("\x08\x01", 2);

TEST_F(GrpcSecurityTest, TlsWorksWithTheRightCaOnly) {
  StartAgent(/*tls=*/true, /*mtls=*/false, /*token=*/false);
  grpc::Status ok = List(TlsChannel(pki_->ca->cert_pem()));
  EXPECT_TRUE(ok.ok()) << ok.error_message();

  grpc::Status untrusted = List(TlsChannel(pki_->other_ca->cert_pem()));
  EXPECT_EQ(untrusted.error_code(), grpc::StatusCode::UNAVAILABLE) << untrusted.error_message();
}

TEST_F(GrpcSecurityTest, PlaintextClientCannotTalkToATlsServer) {
  StartAgent(/*tls=*/true, /*mtls=*/false, /*token=*/false);
  grpc::Status s = List(PlainChannel());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(GrpcSecurityTest, MutualTlsRefusesMissingAndForeignClientCertificates) {
  StartAgent(/*tls=*/true, /*mtls=*/true, /*token=*/false);
  grpc::Status no_cert = List(TlsChannel(pki_->ca->cert_pem()));
  EXPECT_EQ(no_cert.error_code(), grpc::StatusCode::UNAVAILABLE) << no_cert.error_message();

  grpc::Status foreign = List(TlsChannel(pki_->ca->cert_pem(), &pki_->foreign_client));
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::UNAVAILABLE) << foreign.error_message();

  grpc::Status good = List(TlsChannel(pki_->ca->cert_pem(), &pki_->client));
  EXPECT_TRUE(good.ok()) << good.error_message();
}

TEST_F(GrpcSecurityTest, TokenIsRequiredAndNeverEchoedOrLogged) {
  // Everything the agent logs during the test goes here too.
  std::ostringstream logged;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  spdlog::default_logger()->sinks().push_back(sink);
  auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::trace);

  StartAgent(/*tls=*/true, /*mtls=*/false, /*token=*/true);
  auto channel = TlsChannel(pki_->ca->cert_pem());
  const std::string wrong = "Bearer not-the-token-XYZ";
  std::vector<std::pair<std::string, grpc::Status>> refused = {
      {"missing", List(channel)},
      {"wrong", List(channel, wrong)},
      {"prefix of the token", List(channel, std::string("Bearer s3cr3t"))},
      {"other scheme", List(channel, std::string("Basic ") + kToken)},
      {"token plus more", List(channel, std::string("Bearer ") + kToken + "x")},
  };
  for (const auto& [what, status] : refused) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << what;
    EXPECT_EQ(status.error_message(), control::BearerTokenProcessor::kRefusal) << what;
    EXPECT_EQ(status.error_message().find(kToken), std::string::npos) << what;
    EXPECT_EQ(status.error_message().find("not-the-token"), std::string::npos) << what;
  }

  // A stream RPC is refused the same way, before any subscription.
  {
    auto stub = pb::StreamControl::NewStub(channel);
    grpc::ClientContext ctx;
    auto reader = stub->WatchStats(&ctx, pb::WatchStatsRequest());
    pb::StreamStats sample;
    EXPECT_FALSE(reader->Read(&sample));
    grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(s.error_message().find(kToken), std::string::npos);
  }
  // Start without the token must not have created anything: checked with it.
  {
    auto stub = pb::StreamControl::NewStub(channel);
    grpc::ClientContext ctx;
    pb::StartRequest req;
    req.set_stream_id("sneaky");
    req.set_source_uri("test://ball");
    req.mutable_ahoy()->set_director_url("ws://127.0.0.1:9/feeds/");
    pb::Stream out;
    EXPECT_EQ(stub->Start(&ctx, req, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    auto stub = pb::StreamControl::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", std::string("Bearer ") + kToken);
    pb::ListStreamsResponse response;
    grpc::Status s = stub->ListStreams(&ctx, pb::ListStreamsRequest(), &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response.streams_size(), 0) << "an unauthenticated Start created a stream";
  }
  grpc::Status right = List(channel, std::string("Bearer ") + kToken);
  EXPECT_TRUE(right.ok()) << right.error_message();
  grpc::Status any_case_scheme = List(channel, std::string("bearer ") + kToken);
  EXPECT_TRUE(any_case_scheme.ok()) << any_case_scheme.error_message();

  agent_->Shutdown(5s);
  spdlog::set_level(level);
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  EXPECT_NE(logged.str().find("bearer token required"), std::string::npos) << logged.str();
  EXPECT_EQ(logged.str().find(kToken), std::string::npos) << "the token was logged";
}

TEST_F(GrpcSecurityTest, HealthAndReflectionNeedNoToken) {
  StartAgent(/*tls=*/true, /*mtls=*/false, /*token=*/true);
  auto channel = TlsChannel(pki_->ca->cert_pem());
  std::string response;
  grpc::Status s = HealthCheck(channel, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response, kServing);
  // The same channel still needs the token for the API itself.
  EXPECT_EQ(List(channel).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GrpcSecurityTest, TokenOverPlaintextWorksOnLoopbackOnly) {
  StartAgent(/*tls=*/false, /*mtls=*/false, /*token=*/true);
  EXPECT_EQ(List(PlainChannel()).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status right = List(PlainChannel(), std::string("Bearer ") + kToken);
  EXPECT_TRUE(right.ok()) << right.error_message();
  std::string response;
  ASSERT_TRUE(HealthCheck(PlainChannel(), &response).ok());
  EXPECT_EQ(response, kServing);

  control::AgentOptions exposed;
  exposed.grpc_listen = "0.0.0.0:0";
  exposed.security.auth_token = kToken;
  auto refused = control::AgentServer::Start(exposed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(refused.status().message()).find(kToken), std::string::npos);
}

TEST_F(GrpcSecurityTest, BadSecurityOptionsAreRefusedAtStart) {
  control::AgentOptions key_only;
  key_only.grpc_listen = "127.0.0.1:0";
  key_only.security.tls_key_file = pki_->server_key_file;
  EXPECT_EQ(control::AgentServer::Start(key_only).status().code(),
            absl::StatusCode::kInvalidArgument);

  control::AgentOptions ca_only;
  ca_only.grpc_listen = "127.0.0.1:0";
  ca_only.security.tls_client_ca_file = pki_->ca_file;
  EXPECT_EQ(control::AgentServer::Start(ca_only).status().code(),
            absl::StatusCode::kInvalidArgument);

  control::AgentOptions missing;
  missing.grpc_listen = "127.0.0.1:0";
  missing.security.tls_cert_file = pki_->dir.path() + "/nope.pem";
  missing.security.tls_key_file = pki_->server_key_file;
  auto s = control::AgentServer::Start(missing).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("nope.pem"), std::string::npos) << s;
  // The key file's content never lands in an error.
  control::AgentOptions not_pem;
  not_pem.grpc_listen = "127.0.0.1:0";
  not_pem.security.tls_cert_file = pki_->token_file;
  not_pem.security.tls_key_file = pki_->server_key_file;
  s = control::AgentServer::Start(not_pem).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(s.message()).find(kToken), std::string::npos) << s;
}

TEST_F(GrpcSecurityTest, StreamctlSpeaksTlsWithATokenFile) {
  StartAgent(/*tls=*/true, /*mtls=*/false, /*token=*/true);
  const std::string streamctl = std::string(GWA_BIN_DIR) + "/streamctl";
  std::string error;
  {
    testing_support::ChildProcess run;
    // Dashed and underscored spellings are the same flags.
    ASSERT_FALSE(run.Start(streamctl,
                           {"--server", Target(), "--ca-file", pki_->ca_file, "--token_file",
                            pki_->token_file, "list"},
                           "(no streams)", 30s, &error)
                     .empty())
        << error;
    EXPECT_EQ(run.WaitForExit(30s), 0) << run.Output();
  }
  {
    testing_support::ChildProcess run;
    ASSERT_FALSE(run.Start(streamctl, {"--server", Target(), "--ca-file", pki_->ca_file, "list"},
                           "(UNAUTHENTICATED)", 30s, &error)
                     .empty())
        << error;
    EXPECT_EQ(run.WaitForExit(30s), 1) << "an RPC error exits 1: " << run.Output();
  }
  {
    testing_support::ChildProcess run;
    ASSERT_FALSE(run.Start(streamctl,
                           {"--server", Target(), "--cert-file", pki_->server_cert_file, "list"},
                           "(go together)", 30s, &error)
                     .empty())
        << error;
    EXPECT_EQ(run.WaitForExit(30s), 2) << "a usage error exits 2: " << run.Output();
  }
}

}  // namespace
