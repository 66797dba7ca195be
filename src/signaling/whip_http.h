// The HTTP half of WHIP (RFC 9725) over libcurl: POST the offer, read the
// answer and the resource's Location, DELETE the resource. Blocking calls,
// for the publisher's own thread; `cancelled` is polled by libcurl's progress
// callback so a Stop does not wait out a slow server. The bearer token goes
// into the Authorization header only: never into an error text or a log.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace signaling {

struct WhipAnswer {
  std::string sdp;
  std::string resource_url;  // Location, resolved against the endpoint URL
};

struct WhipHttpOptions {
  std::chrono::milliseconds timeout{10000};
  const std::atomic<bool>* cancelled = nullptr;  // optional
};

// 201 with an application/sdp body and a Location header, else:
// UNAUTHENTICATED (401) / PERMISSION_DENIED (403), UNAVAILABLE (no
// connection, 5xx, timeout), INVALID_ARGUMENT (another status or a reply
// that is not an answer), CANCELLED. Texts name the URL and the status and
// quote at most 200 characters of the server's body.
absl::StatusOr<WhipAnswer> WhipPost(const std::string& endpoint_url, const std::string& token,
                                    const std::string& offer_sdp, const WhipHttpOptions& options);
// DELETE of the resource; OK for any 2xx (and 404: already gone).
absl::Status WhipDelete(const std::string& resource_url, const std::string& token,
                        const WhipHttpOptions& options);
// `location` (absolute or relative, RFC 3986) resolved against `base`.
absl::StatusOr<std::string> ResolveUrl(const std::string& base, const std::string& location);

}  // namespace signaling
