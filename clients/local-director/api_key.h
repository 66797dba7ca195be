// The agents' shared secret: read from --api-key-file, compared in constant
// time. The key itself is never logged.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace local_director {

// Reads the file and trims surrounding whitespace. Returns nullopt and sets
// *error (which never contains the key) when the file cannot be read or is
// empty after trimming.
std::optional<std::string> LoadApiKey(const std::string& path, std::string* error);

// Constant-time equality (length leaks, content does not).
bool ApiKeyMatches(std::string_view expected, std::string_view presented);

}  // namespace local_director
