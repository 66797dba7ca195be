// What the viewer page charts next to its received rate: the agent's view of
// one viewer's path (its congestion-control estimate and target). The Ahoy
// protocol has no room for it, so the local-director learns it from the
// agent's own API when given one (--agent-grpc). An interface, so the HTTP
// routes (and their fuzzer) stay free of gRPC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace local_director {

struct ViewerCongestion {
  uint32_t estimate_kbps = 0;  // delay-based estimate of the path
  uint32_t target_kbps = 0;    // what the agent sends this viewer
  std::string reason;          // why the target last changed
  int64_t sample_unix_ms = 0;  // when the agent measured it
};

class ViewerCongestionSource {
 public:
  virtual ~ViewerCongestionSource() = default;
  // Any thread; never blocks on the network. `session` is the Ahoy
  // sessionId the director gave the viewer's play.
  virtual std::optional<ViewerCongestion> Lookup(const std::string& feed,
                                                 const std::string& session) const = 0;
};

}  // namespace local_director
