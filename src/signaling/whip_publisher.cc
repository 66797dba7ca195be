#include "signaling/whip_publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "signaling/whip_http.h"

namespace signaling {
namespace {

// A session that stayed up this long was a success: the next failure starts
// the back-off from its beginning again.
constexpr std::chrono::seconds kHealthyPublish{10};

absl::StatusOr<std::string> ReadToken(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read WHIP token file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

}  // namespace

const char* WhipStateName(WhipState state) {
  switch (state) {
    case WhipState::kOffering:
      return "offering";
    case WhipState::kPublishing:
      return "publishing";
    case WhipState::kBackingOff:
      return "backing-off";
    case WhipState::kStopped:
      return "stopped";
  }
  return "?";
}

absl::Status ValidateWhipConfig(const WhipConfig& config) {
  const std::string& url = config.endpoint_url;
  if (!absl::StartsWithIgnoreCase(url, "http://") && !absl::StartsWithIgnoreCase(url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "whip.endpoint_url must be http:// or https:// (got '", url.substr(0, 200), "')"));
  }
  if (url.size() > 4096 || url.find_first_of(" \"\\\r\n\t") != std::string::npos) {
    return absl::InvalidArgumentError(
        "whip.endpoint_url: at most 4096 characters, no spaces, "
        "quotes or control characters");
  }
  if (!ResolveUrl(url, url).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("whip.endpoint_url is not a URL: '", url.substr(0, 200), "'"));
  }
  if (auto token = ReadToken(config.token_file); !token.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("whip.token_file: ", token.status().message()));
  }
  return absl::OkStatus();
}

WhipPublisher::WhipPublisher(WhipConfig config, PublishTarget* target)
    : config_(std::move(config)),
      target_(target),
      backoff_(config_.backoff_initial, config_.backoff_max) {
  thread_ = std::thread([this] { Run(); });
}

WhipPublisher::~WhipPublisher() { Stop(); }

void WhipPublisher::RequestStop() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lock(box_->mu);
    box_->stopping = true;
  }
  box_->cv.notify_all();
}

void WhipPublisher::Stop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
}

WhipStatus WhipPublisher::Status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void WhipPublisher::SetStatus(const std::function<void(WhipStatus&)>& change) {
  WhipStatus copy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    change(status_);
    copy = status_;
  }
  if (config_.on_status) config_.on_status(copy);
}

bool WhipPublisher::Await(const std::function<bool()>& ready,
                          std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::unique_lock<std::mutex> lock(box_->mu);
  auto done = [&] { return box_->stopping || ready(); };
  if (deadline) {
    box_->cv.wait_until(lock, *deadline, done);
  } else {
    box_->cv.wait(lock, done);
  }
  return !box_->stopping;
}

void WhipPublisher::DeleteResource(const std::string& url, bool cancellable) {
  if (url.empty()) return;
  auto token = ReadToken(config_.token_file);
  WhipHttpOptions options{std::min(config_.http_timeout, std::chrono::milliseconds(3000)),
                          cancellable ? &stopping_ : nullptr};
  absl::Status s = WhipDelete(url, token.ok() ? *token : std::string(), options);
  if (s.ok()) {
    spdlog::info("WHIP resource {} deleted", url);
  } else {
    spdlog::info("WHIP DELETE {}: {}", url, std::string(s.message()));
  }
}

void WhipPublisher::Run() {
  for (uint32_t n = 1; !stopping_; ++n) {
    Attempt(n);
    if (stopping_) break;
    const bool auth = absl::StrContains(Status().last_error, " answered 401") ||
                      absl::StrContains(Status().last_error, " answered 403");
    const auto delay = auth ? backoff_.NextAtCap() : backoff_.Next();
    SetStatus([&](WhipStatus& s) {
      s.state = WhipState::kBackingOff;
      s.next_attempt = std::chrono::system_clock::now() + delay;
    });
    spdlog::info("WHIP {}: next attempt in {} ms", config_.endpoint_url, delay.count());
    Await([] { return false; }, std::chrono::steady_clock::now() + delay);
  }
  SetStatus([](WhipStatus& s) {
    s.state = WhipState::kStopped;
    s.next_attempt = {};
  });
}

void WhipPublisher::Attempt(uint32_t n) {
  const std::string session_id = absl::StrCat("whip-", n);
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(box_->mu);
    generation = ++box_->generation;
    box_->offer.reset();
    box_->answer_set.reset();
    box_->ended.reset();
  }
  SetStatus([&](WhipStatus& s) {
    s.state = WhipState::kOffering;
    s.attempts = n;
    s.session_id = session_id;
    s.resource_url.clear();
    s.next_attempt = {};
  });
  std::string resource;
  // Whatever happens below, the session and the resource go away with it.
  auto end_session = [&](const std::string& error, bool cancellable) {
    target_->Unpublish(session_id);
    DeleteResource(resource, cancellable);
    if (!error.empty()) {
      spdlog::warn("WHIP {}: {}", config_.endpoint_url, error);
      SetStatus([&](WhipStatus& s) { s.last_error = error; });
    }
  };
  std::weak_ptr<Mailbox> weak = box_;
  target_->Publish(
      session_id,
      [weak, generation](absl::StatusOr<std::string> offer) {
        auto box = weak.lock();
        if (!box) return;
        std::lock_guard<std::mutex> lock(box->mu);
        if (box->generation == generation) box->offer = std::move(offer);
        box->cv.notify_all();
      },
      [weak, generation](std::string reason) {
        auto box = weak.lock();
        if (!box) return;
        std::lock_guard<std::mutex> lock(box->mu);
        if (box->generation == generation && !box->ended) box->ended = std::move(reason);
        box->cv.notify_all();
      });
  if (!Await([&] { return box_->offer.has_value(); })) return end_session("", false);
  absl::StatusOr<std::string> offer = [&] {
    std::lock_guard<std::mutex> lock(box_->mu);
    return *box_->offer;
  }();
  if (!offer.ok()) return end_session(absl::StrCat("offer: ", offer.status().message()), true);

  auto token = ReadToken(config_.token_file);
  if (!token.ok()) return end_session(std::string(token.status().message()), true);
  const auto posted_at = std::chrono::steady_clock::now();
  auto answer = WhipPost(config_.endpoint_url, *token, *offer, {config_.http_timeout, &stopping_});
  if (!answer.ok()) {
    return end_session(stopping_ ? "" : std::string(answer.status().message()), true);
  }
  resource = answer->resource_url;
  spdlog::info("WHIP {}: 201 after {} ms, resource {}", config_.endpoint_url,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - posted_at)
                   .count(),
               resource);
  SetStatus([&](WhipStatus& s) { s.resource_url = resource; });
  target_->SetAnswer(session_id, std::move(answer->sdp), [weak, generation](absl::Status s) {
    auto box = weak.lock();
    if (!box) return;
    std::lock_guard<std::mutex> lock(box->mu);
    if (box->generation == generation) box->answer_set = std::move(s);
    box->cv.notify_all();
  });
  if (!Await([&] { return box_->answer_set.has_value() || box_->ended.has_value(); })) {
    return end_session("", false);
  }
  absl::Status set = [&] {
    std::lock_guard<std::mutex> lock(box_->mu);
    return box_->answer_set.value_or(absl::AbortedError(box_->ended.value_or("")));
  }();
  if (!set.ok()) return end_session(std::string(set.message()), true);

  SetStatus([&](WhipStatus& s) { s.state = WhipState::kPublishing; });
  const auto published_at = std::chrono::steady_clock::now();
  if (!Await([&] { return box_->ended.has_value(); })) return end_session("", false);
  std::string reason;
  {
    std::lock_guard<std::mutex> lock(box_->mu);
    reason = *box_->ended;
  }
  if (std::chrono::steady_clock::now() - published_at > kHealthyPublish) backoff_.Reset();
  end_session(absl::StrCat("publish session ended: ", reason), true);
}

}  // namespace signaling
