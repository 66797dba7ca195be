// One WatchStats subscriber driven by gRPC's callback API: counts the
// samples it receives and the longest time it went without one, and keeps
// how its call ended. Used by the fan-out and long-running benchmarks.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace bench {

class StatsSubscriber : public grpc::ClientReadReactor<streamcontrol::v1::StreamStats> {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts WatchStats for every stream at `interval_ms`. `on_done`, when set,
  // runs on a gRPC thread once the call has ended (after done() holds), so a
  // caller can wait for many subscribers on one condition variable; it must
  // not touch this subscriber.
  StatsSubscriber(streamcontrol::v1::StreamControl::Stub* stub, uint32_t interval_ms,
                  std::function<void()> on_done = {});
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

  // Ends the call; the gap from the last sample to now still counts.
  void Cancel();
  // True once the call has ended, false at the deadline. A subscriber must
  // not be destroyed before its call has ended.
  bool WaitDone(std::chrono::milliseconds timeout);
  bool done();
  // How the call ended (valid once done()).
  grpc::StatusCode code();
  uint64_t received() const { return received_.load(); }
  uint64_t dropped() const { return dropped_.load(); }
  bool refused() { return code() == grpc::StatusCode::RESOURCE_EXHAUSTED; }  // --max-watchers
  // Longest time without a sample, from the start of the call, between
  // samples, and from the last sample to Cancel (or to `now` while live):
  // over the whole call, and since the previous TakeWindowGap.
  std::chrono::milliseconds LongestGap(Clock::time_point now);
  std::chrono::milliseconds TakeWindowGap(Clock::time_point now);

 private:
  std::chrono::milliseconds OpenGapLocked(Clock::time_point now) const;

  grpc::ClientContext ctx_;
  streamcontrol::v1::WatchStatsRequest req_;
  streamcontrol::v1::StreamStats msg_;
  std::function<void()> on_done_;
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> dropped_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  grpc::StatusCode code_ = grpc::StatusCode::OK;
  Clock::time_point last_;  // start of the call, then the last sample
  bool ended_ = false;      // cancelled by us, or ended by the agent
  Clock::time_point ended_at_;
  Clock::duration longest_{};
  Clock::duration longest_window_{};
};

}  // namespace bench
