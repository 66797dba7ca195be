// ICE server URLs and lists, from flags, the config file, StartRequest and
// the director's iceServers. Input: urls, username and credential separated
// by NUL bytes. Properties: never crashes; a parsed URL has a host and a
// port; an error never carries the credential.
#include "engine/ice_servers.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> parts = fuzz::SplitInput(fuzz::AsText(data, size), 3);
  absl::StatusOr<engine::IceUrl> url = engine::ParseIceUrl(parts[0]);
  if (url.ok()) {
    FUZZ_CHECK(!url->host.empty());
    FUZZ_CHECK(url->port != 0);
    FUZZ_CHECK(url->transport.empty() || url->transport == "udp" || url->transport == "tcp");
    FUZZ_CHECK(url->is_turn() || url->transport.empty());
  } else {
    FUZZ_CHECK(url.status().code() == absl::StatusCode::kInvalidArgument);
  }
  (void)engine::ParseIceTransportPolicy(parts[0]);

  engine::IceServer server;
  // The first part may list several URLs, comma-separated.
  size_t start = 0;
  while (start <= parts[0].size()) {
    size_t comma = parts[0].find(',', start);
    if (comma == std::string::npos) comma = parts[0].size();
    server.urls.push_back(parts[0].substr(start, comma - start));
    start = comma + 1;
  }
  if (parts.size() > 1) server.username = parts[1];
  if (parts.size() > 2) server.credential = parts[2];
  const absl::Status status = engine::ValidateIceServers({server, server});
  // The message may depend on the credential's length, never on its text:
  // the same list with another credential of that length gives the same one.
  engine::IceServer other = server;
  other.credential.assign(server.credential.size(), '\x01');
  const absl::Status other_status = engine::ValidateIceServers({other, other});
  FUZZ_CHECK(status.ok() == other_status.ok());
  FUZZ_CHECK(status.message() == other_status.message());
  return 0;
}
