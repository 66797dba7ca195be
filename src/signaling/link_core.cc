#include "signaling/link_core.h"

#include <exception>
#include <utility>

#include "asio/post.hpp"
#include "spdlog/spdlog.h"

namespace signaling::internal {
namespace {

using ahoy::ResponseKind;

const char* ResponseName(ResponseKind kind) {
  switch (kind) {
    case ResponseKind::kStreamStart:
      return "streamStartResponse";
    case ResponseKind::kSdp:
      return "sdpResponse";
    case ResponseKind::kStreamStop:
      return "streamStopResponse";
  }
  return "response";
}

std::string StatusText(const absl::Status& status) {
  if (!status.message().empty()) return std::string(status.message());
  return absl::StatusCodeToString(status.code());
}

bool StartsWithNoCase(const std::string& text, const char* prefix) {
  std::size_t i = 0;
  for (; prefix[i] != '\0'; ++i) {
    if (i >= text.size()) return false;
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

LinkCore::LinkCore(asio::io_context& io, std::thread::id io_thread, LinkConfig config,
                   FeedSignals* signals)
    : io_(io),
      io_thread_(io_thread),
      config_(std::move(config)),
      signals_(signals),
      backoff_(config_.backoff_initial, config_.backoff_max),
      reconnect_timer_(std::make_unique<asio::steady_timer>(io)),
      ping_timer_(std::make_unique<asio::steady_timer>(io)),
      pong_timer_(std::make_unique<asio::steady_timer>(io)),
      api_key_(config_.api_key) {
  if (!api_key_.empty()) used_keys_.push_back(api_key_);
}

// By the time the last reference goes, DoClose() has run on the asio thread
// (the handle and the pool both close before letting go), so no member
// refers to the io_context any more.
LinkCore::~LinkCore() = default;

void LinkCore::Start() {
  asio::post(io_, [self = shared_from_this()] { self->StartConnect(); });
}

LinkStatus LinkCore::Status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

bool LinkCore::Detached() const {
  std::lock_guard<std::mutex> lock(mu_);
  return detached_;
}

std::string LinkCore::Scrub(std::string text) const {
  std::lock_guard<std::mutex> lock(keys_mu_);
  for (const std::string& key : used_keys_) {
    for (std::size_t pos = text.find(key); pos != std::string::npos;
         pos = text.find(key, pos + 3)) {
      text.replace(pos, key.size(), "***");
    }
  }
  return text;
}

template <typename Fn>
void LinkCore::UpdateStatus(Fn&& fn) {
  LinkStatus snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (detached_) return;
    fn(status_);
    snapshot = status_;
  }
  if (config_.on_status_change) config_.on_status_change(snapshot);
}

// ---- close --------------------------------------------------------------------

void LinkCore::Close() {
  const bool on_io_thread = std::this_thread::get_id() == io_thread_;
  std::shared_future<void> closed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_.valid()) {
      auto promise = std::make_shared<std::promise<void>>();
      closed_ = promise->get_future().share();
      if (on_io_thread) {
        promise->set_value();  // closed inline below
      } else {
        // detached_ is still false here, so the pool (which closes every
        // link before stopping its thread) keeps io_ running until this ran.
        asio::post(io_, [self = shared_from_this(), promise] {
          self->DoClose();
          promise->set_value();
        });
      }
    }
    closed = closed_;
  }
  if (on_io_thread) {
    // Called from inside a handler (e.g. a FeedSignals method): close now so
    // that no FeedSignals method is called after this returns.
    DoClose();
    return;
  }
  closed.wait();
}

void LinkCore::DoClose() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (detached_) return;
    status_.state = LinkState::kClosed;
    status_.next_attempt = {};
  }
  Abandon(/*graceful=*/true);
  {
    std::lock_guard<std::mutex> lock(mu_);
    detached_ = true;
  }
  reconnect_timer_.reset();
  ping_timer_.reset();
  pong_timer_.reset();
  signals_ = nullptr;
  spdlog::info("ahoy[{}]: link closed", config_.feed_name);
}

// ---- connection lifecycle -------------------------------------------------------

void LinkCore::StartConnect() {
  if (Detached()) return;
  const std::uint64_t gen = ++gen_;
  open_ = false;
  pong_pending_ = false;
  UpdateStatus([](LinkStatus& s) {
    s.state = LinkState::kConnecting;
    s.next_attempt = {};
    ++s.connect_attempts;
  });

  if (config_.api_key_source) {
    // A rotated key file: this attempt (and the connection it makes) uses
    // the file's value now. An empty value keeps the previous key.
    std::string key = config_.api_key_source();
    if (!key.empty() && key != api_key_) {
      {
        std::lock_guard<std::mutex> lock(keys_mu_);
        used_keys_.push_back(key);
      }
      api_key_ = std::move(key);
      spdlog::info("ahoy[{}]: using the rotated API key", config_.feed_name);
    }
  }
  std::string url = config_.director_url + UrlEscape(config_.feed_name);
  std::string error;
  if (StartsWithNoCase(url, "ws://")) {
    url.replace(0, 2, "ws");
  } else if (StartsWithNoCase(url, "wss://")) {
    url.replace(0, 3, "wss");
  } else {
    error = "unsupported director URL scheme (expected ws:// or wss://)";
  }
  if (error.empty()) {
    spdlog::info("ahoy[{}]: connecting to {}", config_.feed_name, Scrub(url));
    error = Connect(url, gen);
  }
  if (!error.empty()) ScheduleRetry(error, /*unauthorized=*/false);
}

void LinkCore::Abandon(bool graceful) {
  ++gen_;
  open_ = false;
  pong_pending_ = false;
  if (ping_timer_) ping_timer_->cancel();
  if (pong_timer_) pong_timer_->cancel();
  Drop(graceful);
}

void LinkCore::HandleOpen(std::uint64_t gen) {
  if (gen != gen_ || Detached()) return;
  open_ = true;
  spdlog::info("ahoy[{}]: connected, registering", config_.feed_name);
  SendText(ahoy::EncodeAgentMessage(ahoy::Register{config_.feed_name, config_.codecs}));
  ArmPing();
}

void LinkCore::HandleFail(std::uint64_t gen, int http_status, const std::string& error) {
  if (gen != gen_ || Detached()) return;
  Abandon(/*graceful=*/false);
  if (http_status == 401 || http_status == 403) {
    ScheduleRetry("director rejected the API key (HTTP " + std::to_string(http_status) + ")",
                  /*unauthorized=*/true);
  } else {
    ScheduleRetry(error, /*unauthorized=*/false);
  }
}

void LinkCore::HandleClose(std::uint64_t gen, const std::string& error) {
  if (gen != gen_ || Detached()) return;
  LoseConnection(error, /*graceful=*/false);
}

void LinkCore::LoseConnection(const std::string& error, bool graceful) {
  const bool was_open = open_;
  Abandon(graceful);
  if (was_open && signals_ != nullptr) {
    spdlog::info("ahoy[{}]: link lost, tearing down the viewer session", config_.feed_name);
    try {
      signals_->OnLinkLost();
    } catch (const std::exception& e) {
      spdlog::warn("ahoy[{}]: OnLinkLost threw: {}", config_.feed_name, Scrub(e.what()));
    }
  }
  ScheduleRetry(error, /*unauthorized=*/false);
}

void LinkCore::ScheduleRetry(const std::string& error, bool unauthorized) {
  if (Detached()) return;  // also covers a Close() from inside OnLinkLost
  const std::chrono::milliseconds delay = unauthorized ? backoff_.NextAtCap() : backoff_.Next();
  const std::string reason = Scrub(error);
  UpdateStatus([&](LinkStatus& s) {
    s.state = unauthorized ? LinkState::kUnauthorized : LinkState::kBackingOff;
    s.last_error = reason;
    s.next_attempt = std::chrono::system_clock::now() + delay;
  });
  spdlog::warn("ahoy[{}]: {}; reconnecting in {} ms", config_.feed_name, reason, delay.count());
  reconnect_timer_->expires_after(delay);
  reconnect_timer_->async_wait([weak = weak_from_this(), gen = gen_](const std::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || gen != self->gen_) return;
    self->StartConnect();
  });
}

// ---- keep-alive ---------------------------------------------------------------

void LinkCore::ArmPing() {
  if (config_.ping_interval.count() <= 0 || !ping_timer_) return;
  ping_timer_->expires_after(config_.ping_interval);
  ping_timer_->async_wait([weak = weak_from_this(), gen = gen_](const std::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->OnPingTimer(gen);
  });
}

void LinkCore::OnPingTimer(std::uint64_t gen) {
  if (gen != gen_ || !open_ || Detached()) return;
  SendPing();
  if (!pong_pending_ && config_.pong_timeout.count() > 0) {
    pong_pending_ = true;
    const std::uint64_t seq = ++ping_seq_;
    pong_timer_->expires_after(config_.pong_timeout);
    pong_timer_->async_wait([weak = weak_from_this(), gen, seq](const std::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->OnPongTimeout(gen, seq);
    });
  }
  ArmPing();
}

void LinkCore::OnPongTimeout(std::uint64_t gen, std::uint64_t ping_seq) {
  if (gen != gen_ || ping_seq != ping_seq_ || !pong_pending_ || Detached()) return;
  LoseConnection(
      "no pong from director within " + std::to_string(config_.pong_timeout.count()) + " ms",
      /*graceful=*/false);
}

void LinkCore::HandlePong(std::uint64_t gen) {
  if (gen != gen_ || Detached()) return;
  pong_pending_ = false;
  pong_timer_->cancel();
}

// ---- director messages ----------------------------------------------------------

void LinkCore::HandleMessage(std::uint64_t gen, const std::string& text) {
  if (gen != gen_ || !open_ || Detached()) return;
  auto decoded = ahoy::DecodeDirectorMessage(text);
  if (auto* error = std::get_if<ahoy::DecodeError>(&decoded)) {
    OnDecodeError(gen, *error);
    return;
  }
  Dispatch(gen, std::move(std::get<ahoy::DirectorMessage>(decoded)));
}

void LinkCore::OnDecodeError(std::uint64_t gen, const ahoy::DecodeError& error) {
  spdlog::warn("ahoy[{}]: bad frame from director: {}", config_.feed_name, Scrub(error.reason));
  if (error.uuid && error.kind) {
    // A sessionId that failed to decode is not echoed: it is what was wrong.
    Reply(gen, Failure(*error.kind, *error.uuid, std::nullopt, error.reason));
  }
}

void LinkCore::Dispatch(std::uint64_t gen, ahoy::DirectorMessage message) {
  if (auto* m = std::get_if<ahoy::RegisterResponse>(&message)) {
    OnRegisterResponse(*m);
    return;
  }
  if (auto* m = std::get_if<ahoy::UnknownMessage>(&message)) {
    spdlog::debug("ahoy[{}]: ignoring unknown message type '{}'", config_.feed_name,
                  Scrub(m->type));
    return;
  }

  // A request: exactly one of the three below.
  ResponseKind kind = ResponseKind::kStreamStart;
  std::string uuid;
  SessionId session;
  if (auto* m = std::get_if<ahoy::StreamStartRequest>(&message)) {
    uuid = m->uuid;
    session = m->session_id;
    if (!CheckFeed(gen, kind, uuid, session, &m->feed_uuid)) return;
  } else if (auto* m = std::get_if<ahoy::SdpRequest>(&message)) {
    kind = ResponseKind::kSdp;
    uuid = m->uuid;
    session = m->session_id;
    if (!CheckFeed(gen, kind, uuid, session, m->feed_uuid ? &*m->feed_uuid : nullptr)) return;
  } else if (auto* m = std::get_if<ahoy::StreamStopRequest>(&message)) {
    kind = ResponseKind::kStreamStop;
    uuid = m->uuid;
    session = m->session_id;
    if (!CheckFeed(gen, kind, uuid, session, &m->feed_uuid)) return;
  }
  if (signals_ == nullptr) return;

  spdlog::info("ahoy[{}]: {} uuid={}{}", config_.feed_name,
               kind == ResponseKind::kSdp          ? "sdpRequest"
               : kind == ResponseKind::kStreamStop ? "streamStopRequest"
                                                   : "streamStartRequest",
               uuid, session ? " session=" + Scrub(*session) : std::string());
  try {
    switch (kind) {
      case ResponseKind::kStreamStart:
        signals_->OnStreamStart(session, StatusDone(kind, uuid, session));
        break;
      case ResponseKind::kSdp: {
        auto& request = std::get<ahoy::SdpRequest>(message);
        // Per request, else what this link's registerResponse gave, else
        // (nullopt) the agent's own servers.
        std::optional<std::vector<ahoy::IceServer>> ice_servers =
            request.ice_servers ? std::move(request.ice_servers) : link_ice_servers_;
        signals_->OnOffer(session, std::move(request.sdp), std::move(request.candidates),
                          AnswerDone(uuid, session), std::move(ice_servers));
        break;
      }
      case ResponseKind::kStreamStop:
        signals_->OnStreamStop(session, StatusDone(kind, uuid, session));
        break;
    }
  } catch (const std::exception& e) {
    // FeedSignals must not throw; if it does, the request still gets an answer.
    Reply(gen, Failure(kind, uuid, session, std::string("agent error: ") + e.what()));
  }
}

void LinkCore::OnRegisterResponse(const ahoy::RegisterResponse& message) {
  if (message.success) {
    // Each registration states the list anew: absent means the agent's own.
    link_ice_servers_ = message.ice_servers;
    backoff_.Reset();
    UpdateStatus([](LinkStatus& s) {
      s.state = LinkState::kRegistered;
      s.last_error.clear();
      s.next_attempt = {};
    });
    spdlog::info("ahoy[{}]: registered with director", config_.feed_name);
    return;
  }
  LoseConnection("registration rejected by director: " +
                     (message.error.empty() ? std::string("no reason given") : message.error),
                 /*graceful=*/true);
}

bool LinkCore::CheckFeed(std::uint64_t gen, ResponseKind kind, const std::string& uuid,
                         const SessionId& session, const std::string* feed_uuid) {
  if (feed_uuid == nullptr || *feed_uuid == config_.feed_name) return true;
  std::string error =
      "feedUuid '" + *feed_uuid + "' does not name this feed '" + config_.feed_name + "'";
  spdlog::warn("ahoy[{}]: {} uuid={}: {}", config_.feed_name, ResponseName(kind), uuid,
               Scrub(error));
  Reply(gen, Failure(kind, uuid, session, std::move(error)));
  return false;
}

ahoy::Response LinkCore::Failure(ResponseKind kind, std::string uuid, const SessionId& session,
                                 std::string error) const {
  ahoy::Response response;
  response.kind = kind;
  response.success = false;
  response.uuid = std::move(uuid);
  response.session_id = session;
  if (kind != ResponseKind::kSdp) response.feed_uuid = config_.feed_name;
  response.error = Scrub(std::move(error));
  return response;
}

std::function<void(absl::Status)> LinkCore::StatusDone(ResponseKind kind, std::string uuid,
                                                       SessionId session) {
  return [weak = weak_from_this(), gen = gen_, kind, uuid = std::move(uuid),
          session = std::move(session), feed = config_.feed_name](absl::Status status) {
    auto self = weak.lock();
    if (!self) return;
    ahoy::Response response;
    response.kind = kind;
    response.success = status.ok();
    response.uuid = uuid;
    response.session_id = session;
    response.feed_uuid = feed;
    if (!status.ok()) response.error = StatusText(status);
    self->PostReply(gen, std::move(response));
  };
}

std::function<void(absl::StatusOr<std::string>)> LinkCore::AnswerDone(std::string uuid,
                                                                      SessionId session) {
  return [weak = weak_from_this(), gen = gen_, uuid = std::move(uuid),
          session = std::move(session)](absl::StatusOr<std::string> answer) {
    auto self = weak.lock();
    if (!self) return;
    ahoy::Response response;
    response.kind = ResponseKind::kSdp;
    response.success = answer.ok();
    response.uuid = uuid;
    response.session_id = session;
    if (answer.ok()) {
      response.sdp = std::move(*answer);
    } else {
      response.error = StatusText(answer.status());
    }
    self->PostReply(gen, std::move(response));
  };
}

void LinkCore::PostReply(std::uint64_t gen, ahoy::Response response) {
  std::lock_guard<std::mutex> lock(mu_);
  if (detached_) return;  // closed: the io_context may be gone
  response.error = Scrub(std::move(response.error));
  asio::post(io_, [self = shared_from_this(), gen, response = std::move(response)] {
    self->Reply(gen, response);
  });
}

void LinkCore::Reply(std::uint64_t gen, const ahoy::Response& response) {
  if (gen != gen_ || !open_ || Detached()) {
    spdlog::debug("ahoy[{}]: dropping {} uuid={}: the connection it answers is gone",
                  config_.feed_name, ResponseName(response.kind), response.uuid);
    return;
  }
  // Never log the frame itself: the envelope's `to` carries the API key.
  spdlog::info("ahoy[{}]: {} uuid={} success={}", config_.feed_name, ResponseName(response.kind),
               response.uuid, response.success);
  SendText(ahoy::EncodeAgentMessage(ahoy::Envelope{ahoy::DirectorAddress(api_key_), response}));
}

}  // namespace signaling::internal
