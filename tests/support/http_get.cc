#include "http_get.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace testing_support {
namespace {

std::string CertToPem(X509* cert) {
  if (!cert) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

absl::StatusOr<HttpResponse> Parse(const std::string& raw) {
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return absl::DataLossError("no HTTP header in the reply");
  std::vector<std::string> lines = absl::StrSplit(raw.substr(0, head_end), "\r\n");
  HttpResponse response;
  std::vector<std::string> status_line = absl::StrSplit(lines[0], ' ');
  if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1], &response.status)) {
    return absl::DataLossError(absl::StrCat("bad status line: ", lines[0]));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    response.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  response.body = raw.substr(head_end + 4);
  return response;
}

template <typename Stream>
absl::StatusOr<std::string> Exchange(Stream& stream, const std::string& request) {
  std::error_code ec;
  asio::write(stream, asio::buffer(request), ec);
  if (ec) return absl::UnavailableError(absl::StrCat("write: ", ec.message()));
  // "Connection: close": the reply ends where the stream does.
  std::string raw;
  char chunk[16384];
  for (;;) {
    const size_t n = stream.read_some(asio::buffer(chunk), ec);
    raw.append(chunk, n);
    if (ec) break;
  }
  if (ec != asio::error::eof && ec != asio::ssl::error::stream_truncated && raw.empty()) {
    return absl::UnavailableError(absl::StrCat("read: ", ec.message()));
  }
  return raw;
}

}  // namespace

absl::StatusOr<HttpResponse> HttpGet(int port, const std::string& path,
                                     const HttpGetOptions& options) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  std::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)}, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("connect: ", ec.message()));
  // Blocking reads must not hang a test on a server that never answers.
  const struct timeval tv = {static_cast<time_t>(options.timeout.count() / 1000),
                             static_cast<suseconds_t>(options.timeout.count() % 1000 * 1000)};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1:", port,
                                     "\r\nConnection: close\r\n");
  for (const auto& [name, value] : options.headers)
    absl::StrAppend(&request, name, ": ", value, "\r\n");
  request += "\r\n";

  absl::StatusOr<std::string> raw;
  std::string peer_pem;
  if (!options.tls) {
    raw = Exchange(socket, request);
  } else {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    if (!options.ca_pem.empty()) {
      ctx.add_certificate_authority(asio::buffer(options.ca_pem), ec);
      ctx.set_verify_mode(asio::ssl::verify_peer);
    }
    if (!options.client_cert_pem.empty()) {
      ctx.use_certificate_chain(asio::buffer(options.client_cert_pem), ec);
      ctx.use_private_key(asio::buffer(options.client_key_pem), asio::ssl::context::pem, ec);
    }
    asio::ssl::stream<asio::ip::tcp::socket&> stream(socket, ctx);
    stream.handshake(asio::ssl::stream_base::client, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("TLS handshake: ", ec.message()));
    X509* cert = SSL_get1_peer_certificate(stream.native_handle());
    peer_pem = CertToPem(cert);
    X509_free(cert);
    raw = Exchange(stream, request);
  }
  if (!raw.ok()) return raw.status();
  auto response = Parse(*raw);
  if (response.ok()) response->peer_cert_pem = peer_pem;
  return response;
}

absl::StatusOr<std::string> TlsPeerCertificate(int port, const std::string& ca_pem,
                                               const std::string& alpn) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  std::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)}, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("connect: ", ec.message()));
  const struct timeval tv = {10, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.add_certificate_authority(asio::buffer(ca_pem), ec);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<asio::ip::tcp::socket&> stream(socket, ctx);
  std::string wire(1, static_cast<char>(alpn.size()));
  wire += alpn;
  SSL_set_alpn_protos(stream.native_handle(), reinterpret_cast<const unsigned char*>(wire.data()),
                      static_cast<unsigned>(wire.size()));
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("TLS handshake: ", ec.message()));
  X509* cert = SSL_get1_peer_certificate(stream.native_handle());
  std::string pem = CertToPem(cert);
  X509_free(cert);
  return pem;
}

std::optional<double> MetricValue(const std::string& exposition, const std::string& series) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      double value = 0;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
    }
  }
  return std::nullopt;
}

}  // namespace testing_support
