// wss:// between the agent and a local-director serving TLS with a CA the
// test creates: verified with --director-ca, refused without it, accepted
// by the explicit insecure option.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "agent_harness.h"

namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;
using testing_support::AgentHarness;
using testing_support::ChildProcess;
using testing_support::StatsWatch;

// A throwaway CA and a server certificate for 127.0.0.1, made with the
// openssl CLI (Debian package openssl).
class TestPki {
 public:
  TestPki() {
    char tmpl[] = "/tmp/gwa-pki-XXXXXX";
    dir_ = mkdtemp(tmpl);
    const std::string d = dir_;
    const std::string script =
        "set -e; cd " + d +
        "; openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2"
        " -subj /CN=gwa-test-ca 2>/dev/null"
        "; openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr"
        " -subj /CN=127.0.0.1 2>/dev/null"
        "; printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext"
        "; openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
        " -out server.pem -days 2 -extfile san.ext 2>/dev/null";
    ok_ = std::system(("bash -c \"" + script + "\"").c_str()) == 0;
  }
  ~TestPki() { std::filesystem::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::string path(const char* name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
  bool ok_ = false;
};

class DirectorTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki_.ok()) << "openssl could not make the test certificates";
    std::string error;
    port_ = testing_support::StartDirector(
        director_, 0, {"--tls-cert", pki_.path("server.pem"), "--tls-key", pki_.path("server.key")},
        &error);
    ASSERT_NE(port_, 0) << error;
    EXPECT_NE(director_.Output().find("https://"), std::string::npos);
    url_ = "wss://127.0.0.1:" + std::to_string(port_) + "/feeds/";
  }

  // Starts an agent with `link_options` and returns the first link state
  // that is not CONNECTING for feed "cam".
  pb::LinkState FirstSettledLinkState(AgentHarness& agent, control::AgentOptions options,
                                      pb::Stream* stream) {
    EXPECT_TRUE(agent.Start(std::move(options)).ok());
    EXPECT_TRUE(agent.StartStreamAt("cam", url_).ok());
    StatsWatch watch(agent.stub(), "cam", 200, 30s);
    pb::StreamStats last;
    EXPECT_TRUE(watch.ReadUntil(
        [](const auto& s) {
          return s.link_state() == pb::LINK_REGISTERED || s.link_state() == pb::LINK_BACKING_OFF;
        },
        &last));
    grpc::ClientContext ctx;
    pb::GetStreamRequest req;
    req.set_stream_id("cam");
    EXPECT_TRUE(agent.stub().GetStream(&ctx, req, stream).ok());
    return last.link_state();
  }

  TestPki pki_;
  ChildProcess director_;
  int port_ = 0;
  std::string url_;
};

TEST_F(DirectorTlsTest, VerifiedWithTheConfiguredCa) {
  AgentHarness agent;
  control::AgentOptions options;
  options.registry.link_template.ca_file = pki_.path("ca.pem");
  pb::Stream stream;
  EXPECT_EQ(FirstSettledLinkState(agent, options, &stream), pb::LINK_REGISTERED);
  EXPECT_EQ(stream.ahoy().director_url(), url_);
}

TEST_F(DirectorTlsTest, RefusedWhenTheCertificateCannotBeVerified) {
  AgentHarness agent;
  pb::Stream stream;
  EXPECT_EQ(FirstSettledLinkState(agent, {}, &stream), pb::LINK_BACKING_OFF);
  EXPECT_FALSE(stream.ahoy().last_error().empty());
  EXPECT_NE(stream.ahoy().last_error().find("certificate"), std::string::npos)
      << stream.ahoy().last_error();
  EXPECT_EQ(director_.Output().find("feed 'cam' registered"), std::string::npos);
}

TEST_F(DirectorTlsTest, AcceptedWithTheExplicitInsecureOption) {
  AgentHarness agent;
  control::AgentOptions options;
  options.registry.link_template.tls_insecure = true;
  pb::Stream stream;
  EXPECT_EQ(FirstSettledLinkState(agent, options, &stream), pb::LINK_REGISTERED);
}

}  // namespace
