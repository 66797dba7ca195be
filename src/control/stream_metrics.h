// The agent's own Prometheus metrics: streams by state, viewers, per-stream
// send figures, link state and reconnects, source restarts, WatchStats
// subscribers and live GStreamer elements. Built fresh on every scrape from
// the registry (what exists now) and the latest stats sample of each stream,
// which it receives as one more StatsHub subscriber.
#pragma once

#include <prometheus/collectable.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "control/stats_hub.h"
#include "control/stream_registry.h"

namespace control {

class StreamMetrics final : public prometheus::Collectable, public StatsHub::Subscriber {
 public:
  // Both must outlive this object; Subscribe() it to the hub yourself.
  StreamMetrics(const StreamRegistry* registry, const StatsHub* hub)
      : registry_(registry), hub_(hub) {}

  // StatsHub::Subscriber: any publishing thread; copies what it keeps.
  void Deliver(const SamplePtr& sample) override;
  void Close() override {}

  // Any thread (the metrics endpoint's).
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct PerStream {
    streamcontrol::v1::StreamStats latest;  // the last sample or event
    bool has_sample = false;
    bool ever_registered = false;
    double source_restarts = 0;  // entries into RECONNECTING_SOURCE
    double link_reconnects = 0;  // registrations after the first
  };

  const StreamRegistry* registry_;
  const StatsHub* hub_;
  mutable std::mutex mu_;
  // By stream id; streams that left the registry are dropped at a scrape.
  mutable std::map<std::string, PerStream> streams_;  // guarded by mu_
};

}  // namespace control
