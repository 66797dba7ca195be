// The agent's ICE server flags: repeated --ice-server, credentials from a
// file only, and the config file refusing credentials.
#include "ice_flags.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <fstream>

#include "config_file.h"

namespace agent {
namespace {

TEST(IceFlagsTest, RepeatedIceServerFlagsAreJoined) {
  std::vector<std::string> args = {
      "agent", "--ice_server=stun:a", "--grpc_listen=x", "--ice_server", "turn:b",
      "--",    "--ice_server=c"};
  std::vector<std::string> joined = JoinRepeatedFlag(args, "ice_server");
  EXPECT_EQ(joined, (std::vector<std::string>{"agent", "--ice_server=stun:a,turn:b",
                                              "--grpc_listen=x", "--", "--ice_server=c"}));
  std::vector<std::string> none = {"agent", "--grpc_listen=x"};
  EXPECT_EQ(JoinRepeatedFlag(none, "ice_server"), none);
}

TEST(IceFlagsTest, StunAndTurnBecomeTwoServersTurnOnlyWithCredentials) {
  auto servers =
      IceServersFromFlags({"stun:192.0.2.1", "turn:192.0.2.2?transport=tcp"}, {"user", "Sekr1t"});
  ASSERT_TRUE(servers.ok()) << servers.status();
  ASSERT_EQ(servers->size(), 2u);
  EXPECT_EQ((*servers)[0].credential, "");
  EXPECT_EQ((*servers)[1].username, "user");

  auto missing = IceServersFromFlags({"turn:192.0.2.2"}, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--turn-credentials-file"), std::string::npos);

  // turns: is a TURN server like the others (carried over TLS by the tunnel).
  auto tls = IceServersFromFlags({"turns:192.0.2.2:5349"}, {"user", "Sekr1t"});
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_EQ((*tls)[0].username, "user");

  auto bad = IceServersFromFlags({"stun://x"}, {"user", "Sekr1t"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("Sekr1t"), std::string::npos);
}

TEST(IceFlagsTest, CredentialsFileHasAUsernameLineAndACredentialLine) {
  char path[] = "/tmp/gwa-turn-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  { std::ofstream(path) << "1700000000:cam1\n  Sekr1t  \n"; }
  auto read = ReadTurnCredentialsFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->username, "1700000000:cam1");
  EXPECT_EQ(read->credential, "Sekr1t");
  { std::ofstream(path) << "only-a-user\n"; }
  read = ReadTurnCredentialsFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message().find("only-a-user"), std::string::npos);
  std::remove(path);
  EXPECT_EQ(ReadTurnCredentialsFile(path).status().code(), absl::StatusCode::kNotFound);
}

TEST(IceFlagsTest, ConfigFileTakesAListOfServersButNoCredentials) {
  auto config = ParseAgentConfig(
      "ice_server: [stun:192.0.2.1, 'turn:192.0.2.2?transport=udp']\n"
      "ice_transport_policy: relay\n",
      "test.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->settings["ice_server"], "stun:192.0.2.1,turn:192.0.2.2?transport=udp");
  EXPECT_EQ(config->settings["ice_transport_policy"], "relay");
  auto refused = ParseAgentConfig("turn_credential: Sekr1t\n", "test.yaml");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message().find("Sekr1t"), std::string::npos);
}

}  // namespace
}  // namespace agent
