#include "signaling/whip_http.h"

#include <curl/curl.h>

#include <cctype>
#include <memory>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace signaling {
namespace {

constexpr size_t kMaxBody = 256 * 1024;  // an SDP answer is a few kB

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Reply {
  long status = 0;
  std::string body;
  std::string location;
  std::string content_type;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* reply = static_cast<Reply*>(user);
  const size_t n = size * count;
  if (reply->body.size() + n > kMaxBody) return 0;  // aborts the transfer
  reply->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* reply = static_cast<Reply*>(user);
  const size_t n = size * count;
  absl::string_view line(data, n);
  const size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    absl::string_view name = line.substr(0, colon);
    std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    // Redirects are not followed: the last response's headers win.
    if (absl::EqualsIgnoreCase(name, "location")) reply->location = value;
    if (absl::EqualsIgnoreCase(name, "content-type")) reply->content_type = value;
  }
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* cancelled = static_cast<const std::atomic<bool>*>(user);
  return cancelled && cancelled->load() ? 1 : 0;
}

std::string Excerpt(const std::string& body) {
  std::string out;
  for (char c : body.substr(0, 200)) out += std::isprint(static_cast<unsigned char>(c)) ? c : ' ';
  return std::string(absl::StripAsciiWhitespace(out));
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

absl::StatusOr<Reply> Perform(const char* method, const std::string& url, const std::string& token,
                              const std::string* body, const WhipHttpOptions& options) {
  GlobalInit();
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return absl::InternalError("libcurl could not start a transfer");
  std::unique_ptr<curl_slist, SlistFree> headers;
  auto add = [&](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  if (!token.empty()) add(absl::StrCat("Authorization: Bearer ", token));
  if (body) {
    add("Content-Type: application/sdp");
    add("Accept: application/sdp");
  }
  Reply reply;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, options.cancelled);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  }
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_ABORTED_BY_CALLBACK) return absl::CancelledError("WHIP request cancelled");
  if (rc != CURLE_OK) {
    // curl's text names the host and the failure, never a header.
    return absl::UnavailableError(
        absl::StrCat("WHIP ", method, " ", url, ": ", curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

absl::Status StatusError(const char* method, const std::string& url, const Reply& reply) {
  std::string text = absl::StrCat("WHIP ", method, " ", url, " answered ", reply.status);
  if (!reply.body.empty()) absl::StrAppend(&text, ": ", Excerpt(reply.body));
  if (reply.status == 401) return absl::UnauthenticatedError(text);
  if (reply.status == 403) return absl::PermissionDeniedError(text);
  if (reply.status >= 500) return absl::UnavailableError(text);
  return absl::InvalidArgumentError(text);
}

}  // namespace

absl::StatusOr<std::string> ResolveUrl(const std::string& base, const std::string& location) {
  GlobalInit();
  CURLU* url = curl_url();
  if (!url) return absl::InternalError("libcurl could not parse a URL");
  std::unique_ptr<CURLU, void (*)(CURLU*)> owned(url, curl_url_cleanup);
  if (curl_url_set(url, CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) {
    return absl::InvalidArgumentError(absl::StrCat("not a URL: ", base.substr(0, 200)));
  }
  // Set on a handle holding a URL, a relative reference is resolved (RFC 3986).
  if (curl_url_set(url, CURLUPART_URL, location.c_str(), 0) != CURLUE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("Location is not a URL reference: ", location.substr(0, 200)));
  }
  char* text = nullptr;
  if (curl_url_get(url, CURLUPART_URL, &text, 0) != CURLUE_OK || !text) {
    return absl::InvalidArgumentError("Location could not be resolved");
  }
  std::string out = text;
  curl_free(text);
  return out;
}

absl::StatusOr<WhipAnswer> WhipPost(const std::string& endpoint_url, const std::string& token,
                                    const std::string& offer_sdp, const WhipHttpOptions& options) {
  auto reply = Perform("POST", endpoint_url, token, &offer_sdp, options);
  if (!reply.ok()) return reply.status();
  if (reply->status != 201) return StatusError("POST", endpoint_url, *reply);
  if (!absl::StartsWithIgnoreCase(reply->content_type, "application/sdp")) {
    return absl::InvalidArgumentError(absl::StrCat("WHIP POST ", endpoint_url,
                                                   ": 201 without an application/sdp answer (",
                                                   reply->content_type, ")"));
  }
  if (reply->location.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("WHIP POST ", endpoint_url, ": 201 without a Location header"));
  }
  auto resource = ResolveUrl(endpoint_url, reply->location);
  if (!resource.ok()) return resource.status();
  return WhipAnswer{std::move(reply->body), *resource};
}

absl::Status WhipDelete(const std::string& resource_url, const std::string& token,
                        const WhipHttpOptions& options) {
  auto reply = Perform("DELETE", resource_url, token, nullptr, options);
  if (!reply.ok()) return reply.status();
  if ((reply->status >= 200 && reply->status < 300) || reply->status == 404) {
    return absl::OkStatus();
  }
  return StatusError("DELETE", resource_url, *reply);
}

}  // namespace signaling
