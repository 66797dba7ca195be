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

void StatsWriter::Deliver(const streamcontrol::v1::StreamStats& sample) {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  queue_.Push(sample);
  if (!writing_) WriteNextLocked();
}

void StatsWriter::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "agent is shutting down"));
}

void StatsWriter::WriteNextLocked() {
  if (finished_ || !queue_.Pop(&in_flight_)) {
    writing_ = false;
    return;
  }
  writing_ = true;
  StartWrite(&in_flight_);
}

void StatsWriter::OnWriteDone(bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  writing_ = false;
  if (!ok) {
    // The client is gone; OnCancel/OnDone follow.
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
    return;
  }
  WriteNextLocked();
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
