#include "control/stats_writer.h"

namespace control {

StatsWriter::StatsWriter(StatsHub* hub, std::string stream_id, std::chrono::milliseconds interval)
    : hub_(hub) {
  switch (hub_->Subscribe(this, std::move(stream_id), interval)) {
    case StatsHub::SubscribeResult::kSubscribed:
      return;
    case StatsHub::SubscribeResult::kClosed: {
      std::lock_guard<std::mutex> lock(mu_);
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "agent is shutting down"));
      return;
    }
    case StatsHub::SubscribeResult::kFull: {
      std::lock_guard<std::mutex> lock(mu_);
      FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "too many WatchStats subscribers (see --max-watchers)"));
      return;
    }
  }
}

void StatsWriter::Deliver(const SamplePtr& sample) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    queue_.Push(sample);
    if (writing_ || !TakeNextLocked()) return;
  }
  // Only this thread may start it: writing_ is set, so nobody else will.
  StartWrite(&in_flight_);
}

void StatsWriter::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "agent is shutting down"));
}

bool StatsWriter::TakeNextLocked() {
  SamplePtr next;
  uint64_t dropped = 0;
  if (finished_ || !queue_.Pop(&next, &dropped)) {
    writing_ = false;
    return false;
  }
  in_flight_ = next->ForSubscriber(dropped);
  writing_ = true;
  return true;
}

void StatsWriter::OnWriteDone(bool ok) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) {
      // The client is gone; OnCancel/OnDone follow.
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    if (!TakeNextLocked()) return;
  }
  StartWrite(&in_flight_);
}

void StatsWriter::OnCancel() {
  std::lock_guard<std::mutex> lock(mu_);
  FinishLocked(grpc::Status::CANCELLED);
}

void StatsWriter::OnDone() {
  // After Unsubscribe the hub never calls us again, so deleting is safe.
  hub_->Unsubscribe(this);
  delete this;
}

void StatsWriter::FinishLocked(grpc::Status status) {
  if (finished_) return;
  finished_ = true;
  // Finish may not overlap a pending write: gRPC queues it after the write.
  Finish(std::move(status));
}

}  // namespace control
