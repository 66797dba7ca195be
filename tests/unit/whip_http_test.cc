// WHIP's pure parts: Location resolution (RFC 3986, as libcurl does it) and
// the configuration checks.
#include <gtest/gtest.h>

#include "signaling/whip_http.h"
#include "signaling/whip_publisher.h"

namespace {

using signaling::ResolveUrl;

TEST(WhipHttpTest, ResolvesRelativeAndAbsoluteLocations) {
  const std::string base = "http://sfu.example:8080/whip/endpoint/room1";
  EXPECT_EQ(*ResolveUrl(base, "resource/7"), "http://sfu.example:8080/whip/endpoint/resource/7");
  EXPECT_EQ(*ResolveUrl(base, "/whip/resource/7"), "http://sfu.example:8080/whip/resource/7");
  EXPECT_EQ(*ResolveUrl(base, "../res/7?x=1"), "http://sfu.example:8080/whip/res/7?x=1");
  EXPECT_EQ(*ResolveUrl(base, "https://other.example/r/7"), "https://other.example/r/7");
  EXPECT_FALSE(ResolveUrl("not a url", "x").ok());
}

TEST(WhipHttpTest, ConfigNeedsAnHttpUrlAndAReadableTokenFile) {
  signaling::WhipConfig config;
  config.endpoint_url = "ws://127.0.0.1/whip";
  absl::Status s = signaling::ValidateWhipConfig(config);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("ws://127.0.0.1/whip"), std::string::npos) << s;

  config.endpoint_url = "http://127.0.0.1:1/whip";
  EXPECT_TRUE(signaling::ValidateWhipConfig(config).ok());
  config.token_file = "/nonexistent/whip-token";
  s = signaling::ValidateWhipConfig(config);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("/nonexistent/whip-token"), std::string::npos) << s;
}

TEST(WhipHttpTest, ConnectionRefusedIsUnavailableAndNamesNoToken) {
  auto answer = signaling::WhipPost("http://127.0.0.1:1/whip", "tok-5e2b", "v=0\r\n", {});
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable) << answer.status();
  EXPECT_EQ(answer.status().message().find("tok-5e2b"), std::string::npos);
}

}  // namespace
