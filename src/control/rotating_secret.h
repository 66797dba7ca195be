// A secret read from a file and read again when the file changes (bearer
// token, Ahoy API key): rotation without a restart. Reload() is called by
// the agent's reload timer (--reload-interval-s); Get() by anyone, any
// thread. A file that becomes unreadable or empty keeps the previous value
// (an operator's half-written file must not turn authentication off).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"

namespace control {

class RotatingSecret {
 public:
  // Reads `path` now; INVALID_ARGUMENT naming `flag` and the path (never the
  // content) when it is unreadable or empty.
  static absl::StatusOr<std::shared_ptr<RotatingSecret>> Open(std::string path, std::string flag);
  // A value that never changes (no file).
  static std::shared_ptr<RotatingSecret> Fixed(std::string value);

  std::string Get() const;
  // Reads the file again when its modification time or size changed.
  // Returns true when the value changed.
  bool Reload();

 private:
  RotatingSecret(std::string path, std::string flag)
      : path_(std::move(path)), flag_(std::move(flag)) {}
  // The file's stamp (mtime and size); empty when it cannot be read.
  std::string Stamp() const;

  const std::string path_;  // empty: fixed
  const std::string flag_;
  mutable std::mutex mu_;
  std::string value_;  // guarded by mu_
  std::string stamp_;  // reload thread only
};

}  // namespace control
