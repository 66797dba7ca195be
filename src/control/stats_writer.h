// One WatchStats call: a gRPC write reactor fed by the StatsHub, writing the
// samples' shared wire bytes (the method is served raw, as grpc::ByteBuffer,
// so no message is copied or serialized per subscriber). At most one write
// is in flight; samples that arrive meanwhile wait in a bounded queue. No
// lock is held while a write is started.
#pragma once

#include <grpcpp/grpcpp.h>

#include <mutex>

#include "control/stats_hub.h"

namespace control {

class StatsWriter final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                          public StatsHub::Subscriber {
 public:
  static constexpr size_t kQueueCapacity = 32;

  // Subscribes itself; finishes at once with UNAVAILABLE if the hub is
  // closed, or RESOURCE_EXHAUSTED if it has as many subscribers as allowed.
  StatsWriter(StatsHub* hub, std::string stream_id, std::chrono::milliseconds interval);

  void Deliver(const SamplePtr& sample) override;
  void Close() override;

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Under mu_: takes the next sample into in_flight_ and says whether a write
  // must be started (then the caller starts it after unlocking).
  bool TakeNextLocked();
  void FinishLocked(grpc::Status status);

  StatsHub* hub_;
  std::mutex mu_;
  SampleQueue queue_{kQueueCapacity};
  grpc::ByteBuffer in_flight_;
  bool writing_ = false;
  bool finished_ = false;
};

}  // namespace control
