#include "whip_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace testing_support {
namespace {

void SendAll(int fd, const std::string& text) {
  size_t sent = 0;
  while (sent < text.size()) {
    ssize_t n = send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

void Respond(int fd, int status, const std::string& reason, const std::string& headers,
             const std::string& body) {
  SendAll(fd, absl::StrCat("HTTP/1.1 ", status, " ", reason, "\r\n", headers,
                           "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body));
}

}  // namespace

WhipEndpoint::WhipEndpoint(std::string token) : token_(std::move(token)) {}

WhipEndpoint::~WhipEndpoint() { Stop(); }

std::string WhipEndpoint::endpoint_url() const {
  return absl::StrCat("http://127.0.0.1:", port_, "/whip/endpoint");
}

bool WhipEndpoint::Start(int port, std::string* error) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 8) != 0) {
    *error = absl::StrCat("whip endpoint: cannot listen on ", port, ": ", strerror(errno));
    close(fd);
    return false;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  listener_ = fd;
  thread_ = std::thread([this, fd] { Serve(fd); });
  return true;
}

void WhipEndpoint::Stop() {
  int fd = listener_.exchange(-1);
  if (fd >= 0) {
    shutdown(fd, SHUT_RDWR);  // wakes accept()
    close(fd);
  }
  if (thread_.joinable()) thread_.join();
  std::map<int, std::shared_ptr<WebrtcReceiver>> peers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    peers.swap(peers_);
  }
}

void WhipEndpoint::Serve(int listener) {
  while (true) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    Handle(fd);
    close(fd);
  }
}

void WhipEndpoint::Handle(int fd) {
  std::string request;
  char buffer[4096];
  size_t header_end = std::string::npos;
  size_t content_length = 0;
  while (true) {
    if (header_end == std::string::npos) {
      header_end = request.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        for (absl::string_view line : absl::StrSplit(request.substr(0, header_end), "\r\n")) {
          if (absl::StartsWithIgnoreCase(line, "content-length:")) {
            (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(15)), &content_length);
          }
        }
      }
    }
    if (header_end != std::string::npos && request.size() >= header_end + 4 + content_length) {
      break;
    }
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return;
    request.append(buffer, static_cast<size_t>(n));
  }
  const std::string head = request.substr(0, header_end);
  const std::string body = request.substr(header_end + 4, content_length);
  std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
  std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
  if (first.size() < 2) return Respond(fd, 400, "Bad Request", "", "");
  const std::string& method = first[0];
  const std::string& path = first[1];
  std::string authorization, content_type;
  for (const std::string& line : lines) {
    if (absl::StartsWithIgnoreCase(line, "authorization:")) {
      authorization = std::string(absl::StripAsciiWhitespace(line.substr(14)));
    }
    if (absl::StartsWithIgnoreCase(line, "content-type:")) {
      content_type = std::string(absl::StripAsciiWhitespace(line.substr(13)));
    }
  }
  const bool authorized = token_.empty() || authorization == "Bearer " + token_;
  if (method == "POST" && path == "/whip/endpoint") {
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.last_authorization = authorization;
      seen_.last_content_type = content_type;
      if (!authorized) ++seen_.unauthorized;
    }
    changed_.notify_all();
    if (!authorized) return Respond(fd, 401, "Unauthorized", "", "bad token");
    auto peer = std::make_shared<WebrtcReceiver>(WebrtcReceiver::Answerer{});
    std::string error;
    std::string answer = peer->AnswerOffer(body, &error);
    if (answer.empty()) return Respond(fd, 400, "Bad Request", "", error);
    int n;
    {
      std::lock_guard<std::mutex> lock(mu_);
      n = next_resource_++;
      peers_[n] = peer;
      ++seen_.posts;
    }
    changed_.notify_all();
    return Respond(fd, 201, "Created",
                   absl::StrCat("Content-Type: application/sdp\r\nLocation: resource/", n, "\r\n"),
                   answer);
  }
  int n = 0;
  if (method == "DELETE" && absl::StartsWith(path, "/whip/resource/") &&
      absl::SimpleAtoi(path.substr(15), &n)) {
    if (!authorized) return Respond(fd, 401, "Unauthorized", "", "");
    std::shared_ptr<WebrtcReceiver> peer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = peers_.find(n);
      if (it == peers_.end()) return Respond(fd, 404, "Not Found", "", "");
      peer = it->second;
      peers_.erase(it);
      seen_.deleted.push_back(n);
    }
    changed_.notify_all();
    // Simulates a server slow to answer (SetDeleteDelay), not a wait for state.
    std::this_thread::sleep_for(std::chrono::milliseconds(delete_delay_ms_.load()));
    return Respond(fd, 200, "OK", "", "");
  }
  Respond(fd, 404, "Not Found", "", "");
}

WhipEndpoint::Seen WhipEndpoint::seen() {
  std::lock_guard<std::mutex> lock(mu_);
  return seen_;
}

bool WhipEndpoint::WaitFor(const std::function<bool(const Seen&)>& predicate,
                           std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return predicate(seen_); });
}

std::shared_ptr<WebrtcReceiver> WhipEndpoint::peer(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find(n);
  return it == peers_.end() ? nullptr : it->second;
}

}  // namespace testing_support
