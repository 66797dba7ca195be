// The agent binary with a YAML config: settings apply, flags on the command
// line win, streams start at launch, mistakes stop it with exit status 2.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "agent_process.h"
#include "child_process.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/gwa-config-XXXXXX";
    int fd = mkstemp(tmpl);
    close(fd);
    path_ = tmpl;
    std::ofstream(path_) << text;
  }
  ~TempFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::string kAgent = testing_support::AgentBinary();

TEST(AgentConfigFileTest, SettingsApplyFlagsWinStreamsStart) {
  // 192.0.2.1 (TEST-NET) is never local: the agent could not listen there,
  // so it only starts if --grpc-listen on the command line wins.
  TempFile config(R"(
grpc_listen: 192.0.2.1:50051
max_streams: 1
director_url: ws://127.0.0.1:9/feeds/
streams:
  - stream_id: from-file
    source_uri: test://ball
    quality: {width: 640, height: 360}
)");
  testing_support::ChildProcess agent;
  std::string error;
  std::string port = agent.Start(kAgent, {"--config", config.path(), "--grpc-listen=127.0.0.1:0"},
                                 R"(gRPC on port (\d+))", 30s, &error);
  ASSERT_FALSE(port.empty()) << error;
  auto stub = pb::StreamControl::NewStub(
      grpc::CreateChannel("127.0.0.1:" + port, grpc::InsecureChannelCredentials()));

  pb::Stream stream;
  {
    grpc::ClientContext ctx;
    pb::GetStreamRequest req;
    req.set_stream_id("from-file");
    ASSERT_TRUE(stub->GetStream(&ctx, req, &stream).ok());
  }
  EXPECT_EQ(stream.quality().width(), 640u);
  EXPECT_EQ(stream.ahoy().director_url(), "ws://127.0.0.1:9/feeds/");
  {
    grpc::ClientContext ctx;
    pb::StartRequest req;
    req.set_stream_id("one-too-many");
    req.set_source_uri("test://ball");
    grpc::Status s = stub->Start(&ctx, req, &stream);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << "max_streams: 1 from the file: " << s.error_message();
  }
}

TEST(AgentConfigFileTest, MistakesStopTheAgentWithAReason) {
  struct Case {
    const char* text;
    const char* reason;
  } cases[] = {
      {"no_such_setting: 1\n", "unknown setting 'no_such_setting'"},
      {"max_streams: lots\n", "max_streams"},
      {"streams:\n  - {stream_id: a, ahoy: {api_key: s3cr3t-in-file}}\n", "api_key"},
  };
  for (const auto& c : cases) {
    const std::string output = testing_support::ExpectAgentRefusesConfig(c.text, c.reason);
    EXPECT_EQ(output.find("s3cr3t-in-file"), std::string::npos);
  }
}

}  // namespace

namespace {

// The CA bundle for turns: servers is checked at start (the tunnel reads it
// only at the first play). The credential (from the environment, never argv)
// is not printed.
TEST(AgentConfigFileTest, AnUnreadableTurnsCaBundleStopsTheAgentAtStart) {
  setenv("GWA_TURN_USERNAME", "cam1", 1);
  setenv("GWA_TURN_CREDENTIAL", "Tr0ub4dor-secret", 1);
  const std::string output = testing_support::ExpectAgentRefusesConfig(
      "ice_server: turns:10.200.1.1:5349\nice_tls_ca_file: /nonexistent/lab-ca.pem\n",
      "--ice-tls-ca-file /nonexistent/lab-ca.pem: cannot be read");
  unsetenv("GWA_TURN_USERNAME");
  unsetenv("GWA_TURN_CREDENTIAL");
  EXPECT_EQ(output.find("Tr0ub4dor-secret"), std::string::npos) << output;
}

// A TURN URL without credentials, and credentials in the config file, are
// refused with the reason.
TEST(AgentConfigFileTest, TurnCredentialsComeOnlyFromAFileOrTheEnvironment) {
  testing_support::ExpectAgentRefusesConfig("ice_server: turn:10.200.1.1:3478\n",
                                            "needs credentials from --turn-credentials-file");
  const std::string output = testing_support::ExpectAgentRefusesConfig(
      "turn_credential: Tr0ub4dor-secret\n", "TURN credentials are not read from config files");
  EXPECT_EQ(output.find("Tr0ub4dor-secret"), std::string::npos) << output;
}

}  // namespace
