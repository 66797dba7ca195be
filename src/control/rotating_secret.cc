#include "control/rotating_secret.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace control {
namespace {

std::optional<std::string> ReadStripped(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(buffer.str()));
}

}  // namespace

absl::StatusOr<std::shared_ptr<RotatingSecret>> RotatingSecret::Open(std::string path,
                                                                     std::string flag) {
  std::shared_ptr<RotatingSecret> secret(new RotatingSecret(std::move(path), std::move(flag)));
  secret->stamp_ = secret->Stamp();
  auto value = ReadStripped(secret->path_);
  if (!value)
    return absl::InvalidArgumentError(absl::StrCat(secret->flag_, ": cannot read ", secret->path_));
  if (value->empty())
    return absl::InvalidArgumentError(absl::StrCat(secret->flag_, " ", secret->path_, " is empty"));
  secret->value_ = std::move(*value);
  return secret;
}

std::shared_ptr<RotatingSecret> RotatingSecret::Fixed(std::string value) {
  std::shared_ptr<RotatingSecret> secret(new RotatingSecret("", ""));
  secret->value_ = std::move(value);
  return secret;
}

std::string RotatingSecret::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return value_;
}

std::string RotatingSecret::Stamp() const {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) return "";
  return absl::StrCat(st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, ":", st.st_size, ":", st.st_ino);
}

bool RotatingSecret::Reload() {
  if (path_.empty()) return false;
  std::string stamp = Stamp();
  if (stamp == stamp_) return false;
  stamp_ = stamp;
  auto value = ReadStripped(path_);
  if (!value || value->empty()) {
    spdlog::warn("{} {} is unreadable or empty: keeping the previous value", flag_, path_);
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (*value == value_) return false;
  value_ = std::move(*value);
  // Never the value: only that it changed.
  spdlog::info("{} {} changed: new value in force", flag_, path_);
  return true;
}

}  // namespace control
