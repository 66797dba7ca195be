// The agent's own ICE servers from its flags / config file:
//   --ice-server URL          repeatable (or comma-separated): stun:, turn:, turns:
//   --ice-transport-policy    all | relay
//   --turn-credentials-file   two lines: username, then credential
//                             (else env GWA_TURN_USERNAME / GWA_TURN_CREDENTIAL)
// TURN credentials never come from argv or the config file, like the Ahoy key.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ice_servers.h"

namespace agent {

// `args` with every "--<name>=V" and "--<name> V" merged into one
// "--<name>=V1,V2,..." where the first stood (absl keeps only a flag's last
// value; an operator repeating --ice-server means all of them).
std::vector<std::string> JoinRepeatedFlag(const std::vector<std::string>& args,
                                          const std::string& name);

struct TurnCredentials {
  std::string username;
  std::string credential;  // secret
};

// The file's first line is the username, the second the credential
// (surrounding whitespace dropped). Errors name the file, not its content.
absl::StatusOr<TurnCredentials> ReadTurnCredentialsFile(const std::string& path);

// STUN URLs become one server without credentials, TURN URLs one server with
// `credentials`; INVALID_ARGUMENT naming a bad URL, or a TURN URL when no
// credentials were given.
absl::StatusOr<std::vector<engine::IceServer>> IceServersFromFlags(
    const std::vector<std::string>& urls, const TurnCredentials& credentials);

}  // namespace agent
