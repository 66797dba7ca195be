#include "metrics/metrics_endpoint.h"

#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <mutex>
#include <thread>
#include <websocketpp/config/asio.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "signaling/server_tls.h"

namespace metrics {

std::string Scrape(const std::vector<std::shared_ptr<prometheus::Collectable>>& sources) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& source : sources) {
    auto collected = source->Collect();
    families.insert(families.end(), std::make_move_iterator(collected.begin()),
                    std::make_move_iterator(collected.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

namespace {

using Hdl = websocketpp::connection_hdl;
namespace http_status = websocketpp::http::status_code;

// The modification times of the TLS files: a change means new files to load.
std::string FilesStamp(const EndpointOptions& options) {
  std::string stamp;
  for (const std::string* path :
       {&options.tls_cert_file, &options.tls_key_file, &options.tls_client_ca_file}) {
    struct stat st {};
    if (!path->empty() && stat(path->c_str(), &st) == 0) {
      absl::StrAppend(&stamp, st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, ":", st.st_size, ";");
    }
  }
  return stamp;
}

absl::StatusOr<std::shared_ptr<asio::ssl::context>> LoadTls(const EndpointOptions& options) {
  return signaling::LoadServerTls(
      {options.tls_cert_file, options.tls_key_file, options.tls_client_ca_file});
}

bool SplitListen(const std::string& listen, std::string* host, std::string* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = listen.substr(0, colon);
  *port = listen.substr(colon + 1);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  int number = 0;
  return absl::SimpleAtoi(*port, &number) && number >= 0 && number <= 65535;
}

}  // namespace

struct MetricsEndpoint::Impl {
  virtual ~Impl() = default;
  asio::io_context io;
  std::thread thread;
  uint16_t port = 0;
};

namespace {

template <typename Config>
struct ServerImpl final : MetricsEndpoint::Impl {
  websocketpp::server<Config> server;
  EndpointOptions options;
  std::vector<std::shared_ptr<prometheus::Collectable>> sources;
  // TLS only; asio thread only.
  std::shared_ptr<asio::ssl::context> tls;
  std::string tls_stamp;

  ServerImpl(EndpointOptions opts, std::vector<std::shared_ptr<prometheus::Collectable>> srcs,
             std::shared_ptr<asio::ssl::context> loaded_tls)
      : options(std::move(opts)), sources(std::move(srcs)), tls(std::move(loaded_tls)) {
    server.clear_access_channels(websocketpp::log::alevel::all);
    server.clear_error_channels(websocketpp::log::elevel::all);
    server.init_asio(&io);
    server.set_reuse_addr(true);
    // Scrapers speak plain HTTP; no WebSocket upgrade is served here.
    server.set_validate_handler([this](Hdl hdl) {
      server.get_con_from_hdl(hdl)->set_status(http_status::not_found);
      return false;
    });
    server.set_http_handler([this](Hdl hdl) { OnHttp(hdl); });
    if constexpr (!std::is_same_v<Config, websocketpp::config::asio>) {
      tls_stamp = FilesStamp(options);
      server.set_tls_init_handler([this](Hdl) { return CurrentTls(); });
    }
  }

  // The context for a new connection: the files are loaded again when they
  // changed (certificate rotation); a broken new set keeps the old one.
  std::shared_ptr<asio::ssl::context> CurrentTls() {
    std::string stamp = FilesStamp(options);
    if (stamp != tls_stamp) {
      tls_stamp = stamp;
      auto reloaded = LoadTls(options);
      if (reloaded.ok()) {
        tls = *reloaded;
        spdlog::info("metrics endpoint: TLS files reloaded");
      } else {
        spdlog::warn("metrics endpoint: keeping the previous TLS files: {}",
                     std::string(reloaded.status().message()));
      }
    }
    return tls;
  }

  void OnHttp(Hdl hdl) {
    auto con = server.get_con_from_hdl(hdl);
    const std::string resource = con->get_resource();
    const std::string path = resource.substr(0, resource.find('?'));
    if (options.token_accepted) {
      const std::string header = con->get_request_header("Authorization");
      constexpr absl::string_view kBearer = "Bearer ";
      if (!absl::StartsWithIgnoreCase(header, kBearer) ||
          !options.token_accepted(absl::string_view(header).substr(kBearer.size()))) {
        con->set_status(http_status::unauthorized);
        con->replace_header("WWW-Authenticate", "Bearer");
        con->set_body("missing or invalid bearer token\n");
        return;
      }
    }
    if (path != "/metrics") {
      con->set_status(http_status::not_found);
      con->set_body("only /metrics is served here\n");
      return;
    }
    if (con->get_request().get_method() != "GET") {
      con->set_status(http_status::method_not_allowed);
      con->replace_header("Allow", "GET");
      return;
    }
    con->set_status(http_status::ok);
    con->replace_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    con->set_body(Scrape(sources));
  }

  absl::Status Listen() {
    std::string host, service;
    if (!SplitListen(options.listen, &host, &service)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--metrics-listen: expected host:port, got '", options.listen, "'"));
    }
    std::error_code ec;
    server.listen(host, service, ec);
    if (!ec) server.start_accept(ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen for metrics on ", options.listen, ": ", ec.message()));
    }
    port = server.get_local_endpoint(ec).port();
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    EndpointOptions options, std::vector<std::shared_ptr<prometheus::Collectable>> sources) {
  const bool tls = !options.tls_cert_file.empty() && !options.tls_key_file.empty();
  std::unique_ptr<Impl> impl;
  absl::Status listened;
  if (tls) {
    auto loaded = LoadTls(options);
    if (!loaded.ok()) return loaded.status();
    auto server = std::make_unique<ServerImpl<websocketpp::config::asio_tls>>(
        std::move(options), std::move(sources), *loaded);
    listened = server->Listen();
    impl = std::move(server);
  } else {
    auto server = std::make_unique<ServerImpl<websocketpp::config::asio>>(
        std::move(options), std::move(sources), nullptr);
    listened = server->Listen();
    impl = std::move(server);
  }
  if (!listened.ok()) return listened;
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(impl)));
}

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsEndpoint::~MetricsEndpoint() { Stop(); }

uint16_t MetricsEndpoint::port() const { return impl_->port; }

void MetricsEndpoint::Stop() {
  if (!impl_->thread.joinable()) return;
  // A scrape in progress finishes its Collect; open connections are dropped.
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace metrics
