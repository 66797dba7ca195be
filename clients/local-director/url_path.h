// Request-target helpers: split off the query, percent-decode a path segment,
// read one query parameter.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace local_director {

// "/feeds/cam%201?x=1" -> "/feeds/cam%201"
std::string_view PathOf(std::string_view resource);

// "cam%201" -> "cam 1". nullopt on a malformed escape or an escaped NUL.
// '+' is kept as is (path semantics, matching the agent's RFC 3986 escaping).
std::optional<std::string> PercentDecode(std::string_view text);

// ("/api/congestion?feed=cam%201&session=s", "feed") -> "cam 1". nullopt when
// the parameter is absent or its value is malformed; the first one wins.
std::optional<std::string> QueryParam(std::string_view resource, std::string_view name);

}  // namespace local_director
