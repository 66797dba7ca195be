// One WatchStats call: a gRPC write reactor fed by the StatsHub. At most one
// write is in flight; samples that arrive meanwhile wait in a bounded queue.
#pragma once

#include <grpcpp/grpcpp.h>

#include <mutex>

#include "control/stats_hub.h"
#include "streamcontrol/v1/streamcontrol.pb.h"

namespace control {

class StatsWriter final : public grpc::ServerWriteReactor<streamcontrol::v1::StreamStats>,
                          public StatsHub::Subscriber {
 public:
  static constexpr size_t kQueueCapacity = 32;

  // Subscribes itself; finishes at once with UNAVAILABLE if the hub is
  // closed, or RESOURCE_EXHAUSTED if it has as many subscribers as allowed.
  StatsWriter(StatsHub* hub, std::string stream_id, std::chrono::milliseconds interval);

  void Deliver(const streamcontrol::v1::StreamStats& sample) override;
  void Close() override;

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void WriteNextLocked();
  void FinishLocked(grpc::Status status);

  StatsHub* hub_;
  std::mutex mu_;
  SampleQueue queue_{kQueueCapacity};
  streamcontrol::v1::StreamStats in_flight_;
  bool writing_ = false;
  bool finished_ = false;
};

}  // namespace control
