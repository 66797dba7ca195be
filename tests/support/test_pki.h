// A throwaway certificate authority for TLS tests, made with OpenSSL's C API
// at test time (no key material in the repository, nothing to expire): a CA,
// server certificates valid for 127.0.0.1 and localhost, client certificates.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace testing_support {

struct CertAndKey {
  std::string cert_pem;
  std::string key_pem;
};

class TestCa {
 public:
  // A self-signed CA named `name`, EC P-256, valid for a day.
  static absl::StatusOr<std::unique_ptr<TestCa>> Create(const std::string& name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& cert_pem() const { return cert_pem_; }
  // serverAuth, for `subject_alt_names` (OpenSSL's syntax).
  absl::StatusOr<CertAndKey> IssueServer(
      const std::string& common_name,
      const std::string& subject_alt_names = "IP:127.0.0.1,DNS:localhost");
  // clientAuth.
  absl::StatusOr<CertAndKey> IssueClient(const std::string& common_name);

 private:
  struct Impl;
  explicit TestCa(std::unique_ptr<Impl> impl);
  absl::StatusOr<CertAndKey> Issue(const std::string& common_name, bool server,
                                   const std::string& subject_alt_names);

  std::unique_ptr<Impl> impl_;
  std::string cert_pem_;
};

// A private temporary directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to path()/name (mode 0600) and returns the full path.
  std::string Write(const std::string& name, const std::string& content);

 private:
  std::string path_;
};

}  // namespace testing_support
