#include "test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace testing_support {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

absl::Status OpenSslError(const char* what) {
  return absl::InternalError(std::string("OpenSSL: ") + what + " failed");
}

// Adds an X509v3 extension written in openssl.cnf syntax.
bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `common_name`, without extensions or signature.
Cert NewCert(EVP_PKEY* key, const std::string& common_name, long serial) {
  Cert cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);  // v3
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  // An hour back: tolerate clock skew between the test and gRPC's checks.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  return cert;
}

std::string ToPem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string ToPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

struct TestCa::Impl {
  Key key;
  Cert cert;
  long next_serial = 2;
};

TestCa::TestCa(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  cert_pem_ = ToPem(impl_->cert.get());
}

TestCa::~TestCa() = default;

absl::StatusOr<std::unique_ptr<TestCa>> TestCa::Create(const std::string& name) {
  auto impl = std::make_unique<Impl>();
  impl->key.reset(EVP_EC_gen("P-256"));
  if (!impl->key) return OpenSslError("EC key generation");
  impl->cert = NewCert(impl->key.get(), name, 1);
  X509* cert = impl->cert.get();
  if (cert == nullptr) return OpenSslError("X509_new");
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  if (!AddExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !AddExtension(cert, cert, NID_subject_key_identifier, "hash")) {
    return OpenSslError("CA extensions");
  }
  if (X509_sign(cert, impl->key.get(), EVP_sha256()) == 0) return OpenSslError("CA signing");
  return std::unique_ptr<TestCa>(new TestCa(std::move(impl)));
}

absl::StatusOr<CertAndKey> TestCa::IssueServer(const std::string& common_name,
                                               const std::string& subject_alt_names) {
  return Issue(common_name, /*server=*/true, subject_alt_names);
}

absl::StatusOr<CertAndKey> TestCa::IssueClient(const std::string& common_name) {
  return Issue(common_name, /*server=*/false, "");
}

absl::StatusOr<CertAndKey> TestCa::Issue(const std::string& common_name, bool server,
                                         const std::string& subject_alt_names) {
  Key key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("EC key generation");
  Cert cert = NewCert(key.get(), common_name, impl_->next_serial++);
  if (!cert) return OpenSslError("X509_new");
  X509* issuer = impl_->cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  bool ok =
      AddExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE") &&
      AddExtension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature") &&
      AddExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always") &&
      AddExtension(cert.get(), issuer, NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
  if (ok && server) {
    ok = AddExtension(cert.get(), issuer, NID_subject_alt_name, subject_alt_names.c_str());
  }
  if (!ok) return OpenSslError("leaf extensions");
  if (X509_sign(cert.get(), impl_->key.get(), EVP_sha256()) == 0) {
    return OpenSslError("leaf signing");
  }
  return CertAndKey{ToPem(cert.get()), ToPem(key.get())};
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "gwa-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Write(const std::string& name, const std::string& content) {
  std::string file = path_ + "/" + name;
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
  }
  chmod(file.c_str(), 0600);
  return file;
}

}  // namespace testing_support
