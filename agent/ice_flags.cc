#include "ice_flags.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/ice_options.h"

namespace agent {

std::vector<std::string> JoinRepeatedFlag(const std::vector<std::string>& args,
                                          const std::string& name) {
  const std::string bare = "--" + name;
  const std::string with_value = bare + "=";
  std::vector<std::string> out;
  std::vector<std::string> values;
  size_t first = std::string::npos;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {  // the rest are not flags
      out.insert(out.end(), args.begin() + static_cast<long>(i), args.end());
      break;
    }
    std::string value;
    if (absl::StartsWith(arg, with_value)) {
      value = arg.substr(with_value.size());
    } else if (arg == bare && i + 1 < args.size()) {
      value = args[++i];
    } else {
      out.push_back(arg);
      continue;
    }
    if (first == std::string::npos) {
      first = out.size();
      out.push_back("");
    }
    if (!value.empty()) values.push_back(value);
  }
  if (first != std::string::npos) out[first] = with_value + absl::StrJoin(values, ",");
  return out;
}

absl::StatusOr<TurnCredentials> ReadTurnCredentialsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read --turn-credentials-file ", path));
  TurnCredentials out;
  std::getline(in, out.username);
  std::getline(in, out.credential);
  out.username = std::string(absl::StripAsciiWhitespace(out.username));
  out.credential = std::string(absl::StripAsciiWhitespace(out.credential));
  if (out.username.empty() || out.credential.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--turn-credentials-file ", path, ": expected a username line and a credential line"));
  }
  return out;
}

absl::StatusOr<std::vector<engine::IceServer>> IceServersFromFlags(
    const std::vector<std::string>& urls, const TurnCredentials& credentials) {
  engine::IceServer stun;
  engine::IceServer turn{{}, credentials.username, credentials.credential};
  for (const std::string& text : urls) {
    if (text.empty()) continue;
    absl::StatusOr<engine::IceUrl> url = engine::ParseIceUrl(text);
    if (!url.ok()) return url.status();
    if (!url->is_turn()) {
      stun.urls.push_back(text);
      continue;
    }
    if (credentials.username.empty() || credentials.credential.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--ice-server ", text,
                       ": a TURN server needs credentials from --turn-credentials-file or the "
                       "GWA_TURN_USERNAME and GWA_TURN_CREDENTIAL environment variables"));
    }
    turn.urls.push_back(text);
  }
  std::vector<engine::IceServer> out;
  if (!stun.urls.empty()) out.push_back(std::move(stun));
  if (!turn.urls.empty()) out.push_back(std::move(turn));
  engine::IceOptions options;
  options.servers = out;
  if (absl::Status valid = engine::ValidateIceOptions(options); !valid.ok()) return valid;
  return out;
}

}  // namespace agent
