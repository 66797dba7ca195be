// ICE server URLs (RFC 7064/7065) and lists: what the agent accepts from its
// flags, its config file, StartRequest and the director, and the errors it
// gives for the rest (naming the URL, never the credential).
#include "engine/ice_servers.h"

#include <gtest/gtest.h>

#include "engine/ice_options.h"

namespace engine {
namespace {

TEST(IceUrlTest, ParsesTheThreeSchemes) {
  auto stun = ParseIceUrl("stun:192.0.2.1");
  ASSERT_TRUE(stun.ok()) << stun.status();
  EXPECT_EQ(stun->scheme, IceUrl::Scheme::kStun);
  EXPECT_EQ(stun->host, "192.0.2.1");
  EXPECT_EQ(stun->port, 3478);
  EXPECT_FALSE(stun->is_turn());

  auto turn = ParseIceUrl("turn:turn.example.net:3479?transport=tcp");
  ASSERT_TRUE(turn.ok()) << turn.status();
  EXPECT_EQ(turn->host, "turn.example.net");
  EXPECT_EQ(turn->port, 3479);
  EXPECT_EQ(turn->RelayProtocol(), "tcp");

  auto udp = ParseIceUrl("turn:[2001:db8::1]:3478?transport=udp");
  ASSERT_TRUE(udp.ok()) << udp.status();
  EXPECT_EQ(udp->host, "2001:db8::1");
  EXPECT_EQ(udp->RelayProtocol(), "udp");

  EXPECT_EQ(ParseIceUrl("turn:t")->RelayProtocol(), "") << "no transport: either";

  auto turns = ParseIceUrl("turns:t.example.net");
  ASSERT_TRUE(turns.ok()) << turns.status();
  EXPECT_EQ(turns->port, 5349);
  EXPECT_EQ(turns->RelayProtocol(), "tls");
  EXPECT_TRUE(ParseIceUrl("turns:t:443?transport=tcp").ok());
}

TEST(IceUrlTest, RejectsWhatLibniceOrBrowsersWouldNotTake) {
  const std::pair<const char*, const char*> bad[] = {
      {"http://x", "scheme must be"},
      {"stun://x:3478", "no '//'"},
      {"turn:user:pw@x", "credentials go in username/credential"},
      {"stun:", "no host"},
      {"stun:x:", "empty port"},
      {"stun:x:0", "1..65535"},
      {"stun:x:70000", "1..65535"},
      {"stun:x:port", "1..65535"},
      {"stun:x?transport=udp", "stun: takes no query"},
      {"turn:x?transport=sctp", "the only query"},
      {"turns:x?transport=udp", "turns: takes only"},
      {"turn:[2001:db8::1", "unclosed"},
      {"turn:x y", "bad character"},
  };
  for (const auto& [url, why] : bad) {
    auto parsed = ParseIceUrl(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(why), std::string::npos) << parsed.status();
  }
  EXPECT_FALSE(ParseIceUrl(std::string(600, 'a')).ok());
}

TEST(IceServersTest, TurnNeedsCredentialsAndErrorsNeverNameThem) {
  EXPECT_TRUE(ValidateIceServers({{{"stun:192.0.2.1"}, "", ""}}).ok());
  EXPECT_TRUE(ValidateIceServers({{{"turn:192.0.2.1", "turns:192.0.2.1"}, "u", "c"}}).ok());

  absl::Status missing = ValidateIceServers({{{"turn:192.0.2.1"}, "u", ""}});
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("turn:192.0.2.1"), std::string::npos) << missing;

  absl::Status bad_url = ValidateIceServers({{{"stun:ok", "turn:bad:0"}, "user", "Sekr1t"}});
  EXPECT_FALSE(bad_url.ok());
  EXPECT_NE(bad_url.message().find("turn:bad:0"), std::string::npos) << bad_url;
  EXPECT_EQ(bad_url.message().find("Sekr1t"), std::string::npos) << bad_url;

  EXPECT_FALSE(ValidateIceServers({{{}, "", ""}}).ok()) << "a server without a URL";
  std::vector<IceServer> many(kMaxIceServers + 1, IceServer{{"stun:x"}, "", ""});
  EXPECT_FALSE(ValidateIceServers(many).ok());
}

TEST(IceServersTest, OperatorOptionsRefuseARelayPolicyWithoutTurn) {
  IceOptions options;
  options.servers = {{{"turns:192.0.2.1:5349"}, "u", "c"}};
  EXPECT_TRUE(ValidateIceOptions(options).ok());
  options.servers = {{{"stun:192.0.2.1"}, "", ""}};
  options.transport_policy = IceTransportPolicy::kRelay;
  EXPECT_EQ(ValidateIceOptions(options).code(), absl::StatusCode::kInvalidArgument);
  options.servers.push_back({{"turn:192.0.2.1"}, "u", "c"});
  EXPECT_TRUE(ValidateIceOptions(options).ok());
}

TEST(IceServersTest, TransportPolicyNames) {
  EXPECT_EQ(*ParseIceTransportPolicy("all"), IceTransportPolicy::kAll);
  EXPECT_EQ(*ParseIceTransportPolicy("relay"), IceTransportPolicy::kRelay);
  EXPECT_EQ(ParseIceTransportPolicy("none").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_STREQ(IceTransportPolicyName(IceTransportPolicy::kRelay), "relay");
}

TEST(IceServersTest, RelayProtocolComesFromTheServerTheCandidateUsed) {
  std::vector<RelayEndpoint> relays = {{"10.0.0.1", "turn:10.0.0.1?transport=udp", "udp"},
                                       {"10.0.0.2", "turns:10.0.0.2", "tls"}};
  EXPECT_EQ(RelayProtocolFor(relays, "10.0.0.2"), "tls");
  EXPECT_EQ(RelayProtocolFor(relays, "10.0.0.9"), "");
  EXPECT_EQ(RelayProtocolFor(relays, ""), "") << "two protocols, no address: unknown";
  EXPECT_EQ(RelayProtocolFor({relays[0]}, ""), "udp");
  relays.push_back({"10.0.0.1", "turn:10.0.0.1?transport=tcp", "tcp"});
  EXPECT_EQ(RelayProtocolFor(relays, "10.0.0.1"), "") << "ambiguous: not guessed";
}

}  // namespace
}  // namespace engine
