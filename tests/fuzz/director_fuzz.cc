// local-director's protocol state machine driven by a script: agents and
// browsers opening, sending frames, closing, response timers firing, HTTP
// requests. Everything they send comes from outside (any agent that reaches
// /feeds/, any web page on /viewer). One line per event:
//   A<d><name>   agent link d (0-9) opened at /feeds/<name>
//   a<d><json>   agent frame; "$U" is replaced by the last uuid sent to d
//   c<d>         agent link closed
//   V<d> / v<d><json> / x<d>   browser connection opened / frame / closed
//   t            every due timer runs (response timeout is 0 ms)
//   h<method> <resource>   an HTTP request; p<text>  a request target
// Properties: never crashes; every frame the director sends is JSON, and a
// frame to an agent decodes as a director message.
#include <spdlog/spdlog.h>

#include <asio/io_context.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "director_server.h"
#include "fuzz_check.h"
#include "http_routes.h"
#include "url_path.h"

// The embedded viewer page (generated for the real binary).
extern const char kViewerPage[] = "<html></html>";
extern const std::size_t kViewerPageSize = sizeof(kViewerPage) - 1;

namespace {

namespace ahoy = signaling::ahoy;
using local_director::ConnId;

constexpr ConnId kViewerBase = 100;

class RecordingOutbox : public local_director::Outbox {
 public:
  void Send(ConnId conn, const std::string& text) override {
    if (conn < kViewerBase) {
      auto decoded = ahoy::DecodeDirectorMessage(text);
      const auto* message = std::get_if<ahoy::DirectorMessage>(&decoded);
      FUZZ_CHECK(message != nullptr);
      if (const auto* start = std::get_if<ahoy::StreamStartRequest>(message)) {
        last_uuid[conn] = start->uuid;
      } else if (const auto* sdp = std::get_if<ahoy::SdpRequest>(message)) {
        last_uuid[conn] = sdp->uuid;
      }
    } else {
      FUZZ_CHECK(nlohmann::json::accept(text));
    }
  }
  void Close(ConnId, const std::string&) override {}
  std::map<ConnId, std::string> last_uuid;
};

std::string WithUuid(std::string text, const std::string& uuid) {
  for (size_t at = text.find("$U"); at != std::string::npos; at = text.find("$U", at)) {
    text.replace(at, 2, uuid);
    at += uuid.size();
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  asio::io_context io;
  RecordingOutbox outbox;
  local_director::DirectorOptions options;
  options.response_timeout = std::chrono::milliseconds(0);
  options.ice_servers = {{{"turn:127.0.0.1:3478"}, "user", "secret"}};
  auto director = std::make_unique<local_director::DirectorServer>(io, outbox, options);

  std::string_view script = fuzz::AsText(data, size);
  int events = 0;
  while (!script.empty() && events++ < 64) {
    size_t end = script.find('\n');
    std::string_view line = script.substr(0, end);
    script.remove_prefix(end == std::string_view::npos ? script.size() : end + 1);
    if (line.empty()) continue;
    const char op = line[0];
    const ConnId d = line.size() > 1 && line[1] >= '0' && line[1] <= '9' ? line[1] - '0' : 0;
    const std::string_view rest = line.size() > 2 ? line.substr(2) : std::string_view();
    switch (op) {
      case 'A':
        director->OnAgentOpen(d, std::string(rest));
        break;
      case 'a':
        director->OnAgentMessage(d, WithUuid(std::string(rest), outbox.last_uuid[d]));
        break;
      case 'c':
        director->OnAgentClose(d);
        break;
      case 'V':
        director->OnViewerOpen(kViewerBase + d);
        break;
      case 'v':
        director->OnViewerMessage(kViewerBase + d, rest);
        break;
      case 'x':
        director->OnViewerClose(kViewerBase + d);
        break;
      case 't':
        io.poll();
        io.restart();
        break;
      case 'h': {
        const std::string_view request = line.substr(1);
        const size_t space = request.find(' ');
        const auto reply = local_director::RouteHttp(
            request.substr(0, space),
            space == std::string_view::npos ? "" : request.substr(space + 1), *director);
        FUZZ_CHECK(reply.status >= 200 && reply.status < 600);
        break;
      }
      case 'p': {
        const std::string_view path = local_director::PathOf(line.substr(1));
        FUZZ_CHECK(path.size() <= line.size() - 1);
        if (auto decoded = local_director::PercentDecode(path)) {
          FUZZ_CHECK(decoded->size() <= path.size());
          // An escaped NUL is refused; a raw one is not an escape.
          FUZZ_CHECK(decoded->find('\0') == std::string::npos ||
                     path.find('\0') != std::string_view::npos);
        }
        break;
      }
      default:
        break;
    }
  }
  for (const auto& feed : director->Feeds()) {
    FUZZ_CHECK(!feed.name.empty());
    FUZZ_CHECK(feed.busy == (feed.viewers > 0));
  }
  director->Shutdown();
  io.poll();
  return 0;
}
