#include "http_routes.h"

#include <cstddef>

#include "url_path.h"
#include "viewer_protocol.h"

// Generated from viewer/index.html by cmake/embed_file.cmake.
extern const char kViewerPage[];
extern const std::size_t kViewerPageSize;

namespace local_director {
namespace {

HttpReply Reply(int status, std::string content_type, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", std::move(content_type)},
                   {"Cache-Control", "no-cache, no-store, must-revalidate"},
                   {"X-Content-Type-Options", "nosniff"}};
  reply.body = std::move(body);
  return reply;
}

HttpReply Text(int status, std::string body) {
  return Reply(status, "text/plain; charset=utf-8", std::move(body) + "\n");
}

HttpReply CongestionReply(std::string_view resource, const ViewerCongestionSource* congestion) {
  if (congestion == nullptr) {
    HttpReply reply =
        Text(404, "no agent to ask: start local-director with --agent-grpc HOST:PORT");
    reply.headers.emplace_back("X-Gwa-No-Agent", "1");  // the page stops asking
    return reply;
  }
  const std::string feed = QueryParam(resource, "feed").value_or("");
  const std::string session = QueryParam(resource, "session").value_or("");
  if (feed.empty()) return Text(400, "feed is required");
  const std::optional<ViewerCongestion> found = congestion->Lookup(feed, session);
  if (!found) return Text(404, "no congestion figures for this viewer (yet)");
  return Reply(200, "application/json", EncodeViewerCongestion(feed, session, *found) + "\n");
}

}  // namespace

HttpReply RouteHttp(std::string_view method, std::string_view resource,
                    const DirectorServer& director, const ViewerCongestionSource* congestion) {
  const std::string_view path = PathOf(resource);
  if (method != "GET" && method != "HEAD") {
    HttpReply reply = Text(405, "method not allowed");
    reply.headers.emplace_back("Allow", "GET, HEAD");
    return reply;
  }
  HttpReply reply;
  if (path == "/" || path == "/index.html") {
    reply = Reply(200, "text/html; charset=utf-8", std::string(kViewerPage, kViewerPageSize));
  } else if (path == "/api/feeds") {
    reply = Reply(200, "application/json", EncodeFeedsApi(director.Feeds()) + "\n");
  } else if (path == "/api/ice-servers") {
    reply = Reply(200, "application/json", EncodeIceServersApi(director.IceServers()) + "\n");
  } else if (path == "/api/congestion") {
    reply = CongestionReply(resource, congestion);
  } else if (path == "/viewer" || path.rfind("/feeds/", 0) == 0) {
    reply = Text(426, "WebSocket upgrade required");
    reply.headers.emplace_back("Upgrade", "websocket");
  } else {
    reply = Text(404, "not found");
  }
  if (method == "HEAD") reply.body.clear();
  return reply;
}

}  // namespace local_director
