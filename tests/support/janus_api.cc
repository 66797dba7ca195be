#include "janus_api.h"

#include <curl/curl.h>

#include <atomic>

#include "absl/status/status.h"

namespace testing_support {
namespace {

size_t Collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// The body of a 200 reply; any other status is an error.
absl::StatusOr<std::string> TransferText(const std::string& url, const std::string* post_body,
                                         std::chrono::milliseconds timeout) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  std::string reply;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  if (post_body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->c_str());
  }
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    return absl::UnavailableError(url + ": " + curl_easy_strerror(code));
  }
  if (status != 200) {
    return absl::UnavailableError(url + ": HTTP " + std::to_string(status) + " " + reply);
  }
  return reply;
}

absl::StatusOr<nlohmann::json> Transfer(const std::string& url, const std::string* post_body,
                                        std::chrono::milliseconds timeout) {
  auto reply = TransferText(url, post_body, timeout);
  if (!reply.ok()) return reply.status();
  nlohmann::json json = nlohmann::json::parse(*reply, nullptr, false);
  if (json.is_discarded()) return absl::InternalError(url + ": not JSON: " + *reply);
  if (json.value("janus", "") == "error") {
    return absl::FailedPreconditionError(url + ": " + json.dump());
  }
  return json;
}

std::string NextTransaction() {
  static std::atomic<int> next{1};
  return "gwa-" + std::to_string(next++);
}

}  // namespace

absl::StatusOr<nlohmann::json> JanusPost(const std::string& url, nlohmann::json body,
                                         std::chrono::milliseconds timeout) {
  body["transaction"] = NextTransaction();
  const std::string text = body.dump();
  return Transfer(url, &text, timeout);
}

absl::StatusOr<std::string> HttpPostJson(const std::string& url, const nlohmann::json& body) {
  const std::string text = body.dump();
  return TransferText(url, &text, std::chrono::seconds(10));
}

absl::StatusOr<nlohmann::json> JanusGet(const std::string& url, std::chrono::milliseconds timeout) {
  return Transfer(url, nullptr, timeout);
}

JanusVideoRoomHandle::~JanusVideoRoomHandle() {
  if (!session_url_.empty()) (void)JanusPost(session_url_, {{"janus", "destroy"}});
}

absl::Status JanusVideoRoomHandle::Attach(const std::string& janus_url) {
  auto session = JanusPost(janus_url, {{"janus", "create"}});
  if (!session.ok()) return session.status();
  session_url_ = janus_url + "/" + std::to_string((*session)["data"]["id"].get<uint64_t>());
  auto handle =
      JanusPost(session_url_, {{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}});
  if (!handle.ok()) return handle.status();
  handle_url_ = session_url_ + "/" + std::to_string((*handle)["data"]["id"].get<uint64_t>());
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> JanusVideoRoomHandle::Request(const nlohmann::json& body) {
  auto reply = JanusPost(handle_url_, {{"janus", "message"}, {"body", body}});
  if (!reply.ok()) return reply.status();
  const nlohmann::json& data = (*reply)["plugindata"]["data"];
  if (data.contains("error")) return absl::FailedPreconditionError(data.dump());
  return data;
}

absl::StatusOr<nlohmann::json> JanusVideoRoomHandle::Message(const nlohmann::json& body,
                                                             const nlohmann::json& jsep,
                                                             std::chrono::milliseconds timeout) {
  nlohmann::json message = {{"janus", "message"}, {"body", body}};
  if (!jsep.is_null()) message["jsep"] = jsep;
  auto ack = JanusPost(handle_url_, message);
  if (!ack.ok()) return ack.status();
  return NextEvent(timeout);
}

absl::StatusOr<nlohmann::json> JanusVideoRoomHandle::NextEvent(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    // Janus holds a long poll up to 30 s and answers {"janus":"keepalive"}
    // when nothing happened.
    auto event = JanusGet(session_url_ + "?maxev=1", std::chrono::seconds(35));
    if (!event.ok()) return event.status();
    nlohmann::json e = event->is_array() ? (*event)[0] : *event;
    if (e.value("janus", "") != "event" || !e.contains("plugindata")) continue;
    const nlohmann::json& data = e["plugindata"]["data"];
    if (data.contains("error")) return absl::FailedPreconditionError(data.dump());
    return nlohmann::json{{"data", data}, {"jsep", e.value("jsep", nlohmann::json())}};
  }
  return absl::DeadlineExceededError("no VideoRoom event within " +
                                     std::to_string(timeout.count()) + " ms");
}

absl::Status JanusVideoRoomHandle::TrickleCompleted() {
  auto reply = JanusPost(handle_url_, {{"janus", "trickle"}, {"candidate", {{"completed", true}}}});
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::StatusOr<std::vector<uint64_t>> JanusPublishers(const std::string& janus_url, int room) {
  JanusVideoRoomHandle handle;
  absl::Status attached = handle.Attach(janus_url);
  if (!attached.ok()) return attached;
  auto data = handle.Request({{"request", "listparticipants"}, {"room", room}});
  if (!data.ok()) return data.status();
  std::vector<uint64_t> ids;
  for (const auto& p : (*data)["participants"]) {
    if (p.value("publisher", false)) ids.push_back(p["id"].get<uint64_t>());
  }
  return ids;
}

}  // namespace testing_support
