#include "agent_congestion.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace local_director {
namespace {

namespace pb = streamcontrol::v1;
using namespace std::chrono_literals;

constexpr uint32_t kIntervalMs = 500;  // the page redraws every second

// The feed name a stream registers as (its Ahoy feed_name; the stream id
// when it has none).
std::string FeedNameOf(pb::StreamControl::Stub& stub, const std::string& stream_id) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 2s);
  pb::GetStreamRequest req;
  req.set_stream_id(stream_id);
  pb::Stream stream;
  if (stub.GetStream(&ctx, req, &stream).ok() && !stream.ahoy().feed_name().empty()) {
    return stream.ahoy().feed_name();
  }
  return stream_id;
}

}  // namespace

AgentCongestion::AgentCongestion(std::string target) : target_(std::move(target)) {
  thread_ = std::thread([this] { Run(); });
}

AgentCongestion::~AgentCongestion() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (call_ != nullptr) call_->TryCancel();
  }
  wake_.notify_all();
  thread_.join();
}

std::optional<ViewerCongestion> AgentCongestion::Lookup(const std::string& feed,
                                                        const std::string& session) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = viewers_.find({feed, session});
  if (it == viewers_.end()) return std::nullopt;
  return it->second;
}

void AgentCongestion::Run() {
  auto stub =
      pb::StreamControl::NewStub(grpc::CreateChannel(target_, grpc::InsecureChannelCredentials()));
  std::string last_error;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    grpc::ClientContext ctx;
    call_ = &ctx;
    lock.unlock();
    pb::WatchStatsRequest req;  // every stream
    req.set_interval_ms(kIntervalMs);
    auto reader = stub->WatchStats(&ctx, req);
    pb::StreamStats sample;
    while (reader->Read(&sample)) {
      std::string feed;
      {
        std::lock_guard<std::mutex> guard(mu_);
        auto known = feed_of_.find(sample.stream_id());
        if (known != feed_of_.end()) feed = known->second;
      }
      if (feed.empty()) {
        feed = FeedNameOf(*stub, sample.stream_id());
        std::lock_guard<std::mutex> guard(mu_);
        feed_of_[sample.stream_id()] = feed;
      }
      std::lock_guard<std::mutex> guard(mu_);
      // Only the viewers of this sample stay: a gone viewer is forgotten.
      for (auto it = viewers_.begin(); it != viewers_.end();) {
        it = it->first.first == feed ? viewers_.erase(it) : std::next(it);
      }
      for (const pb::ViewerStats& v : sample.viewers()) {
        if (!v.has_congestion()) continue;
        ViewerCongestion c;
        c.estimate_kbps = v.congestion().estimate_kbps();
        c.target_kbps = v.congestion().target_kbps();
        c.reason = v.congestion().adaptive() ? v.congestion().last_reason() : "fixed";
        c.sample_unix_ms = sample.timestamp_unix_ms();
        viewers_[{feed, v.session_id()}] = c;
      }
    }
    const grpc::Status status = reader->Finish();
    lock.lock();
    call_ = nullptr;
    if (stopping_) break;
    // Said once per distinct failure, not every second while the agent is away.
    if (status.error_message() != last_error) {
      last_error = status.error_message();
      spdlog::warn("--agent-grpc {}: WatchStats ended ({}); retrying every second", target_,
                   last_error);
    }
    viewers_.clear();
    feed_of_.clear();
    wake_.wait_for(lock, 1s, [this] { return stopping_; });
  }
}

}  // namespace local_director
