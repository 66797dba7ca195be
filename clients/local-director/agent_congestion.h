// The agent side of ViewerCongestionSource: follows the agent's WatchStats
// (every stream) on a thread of its own and keeps each viewer's latest
// congestion figures under a lock; Lookup only reads that map. A lost or
// refused call is retried every second until the object goes.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "viewer_congestion.h"

namespace grpc {
class ClientContext;
}

namespace local_director {

class AgentCongestion : public ViewerCongestionSource {
 public:
  // `target`: the agent's gRPC address (host:port, plaintext: meant for an
  // agent on the same machine).
  explicit AgentCongestion(std::string target);
  ~AgentCongestion() override;  // cancels the call, joins the thread

  std::optional<ViewerCongestion> Lookup(const std::string& feed,
                                         const std::string& session) const override;

 private:
  void Run();

  const std::string target_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                       // guarded by mu_
  grpc::ClientContext* call_ = nullptr;         // guarded by mu_: the call to cancel
  std::map<std::string, std::string> feed_of_;  // stream id -> feed name, guarded by mu_
  std::map<std::pair<std::string, std::string>, ViewerCongestion> viewers_;  // guarded by mu_
};

}  // namespace local_director
