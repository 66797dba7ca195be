// Shared set-up for tests that drive a real agent: a local-director child
// process, an in-process AgentServer on a real port, and a gRPC stub.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "control/agent_server.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace testing_support {

// Starts bin/local-director with `args` (plus --listen when `port` is given,
// else port 0). Returns its port, or 0 with `error` set.
int StartDirector(ChildProcess& director, int port, const std::vector<std::string>& args,
                  std::string* error);
// The feeds URL of a plain local-director on `port`: ws://127.0.0.1:PORT/feeds/.
std::string DirectorFeedsUrl(int port);

class AgentHarness {
 public:
  // stats_interval 200 ms: tests see several samples per second.
  absl::Status Start(control::AgentOptions options = {});
  ~AgentHarness();

  control::AgentServer& server() { return *agent_; }
  streamcontrol::v1::StreamControl::Stub& stub() { return *stub_; }

  // Start RPC for `id` on test://ball 640x360 published on `director_port`.
  grpc::Status StartStream(const std::string& id, int director_port,
                           const std::string& api_key = "",
                           streamcontrol::v1::Stream* out = nullptr);
  // The same with a full director base URL (e.g. wss://127.0.0.1:N/feeds/).
  grpc::Status StartStreamAt(const std::string& id, const std::string& director_url,
                             const std::string& api_key = "",
                             streamcontrol::v1::Stream* out = nullptr);

 private:
  std::unique_ptr<control::AgentServer> agent_;
  std::unique_ptr<streamcontrol::v1::StreamControl::Stub> stub_;
};

// GetStream RPC for `id`; a test failure (and an empty Stream) when not OK.
streamcontrol::v1::Stream GetStream(streamcontrol::v1::StreamControl::Stub& stub,
                                    const std::string& id);

// A WatchStats call with a deadline, so a missing event fails the test
// instead of hanging it.
class StatsWatch {
 public:
  StatsWatch(streamcontrol::v1::StreamControl::Stub& stub, const std::string& stream_id,
             uint32_t interval_ms, std::chrono::milliseconds deadline);
  ~StatsWatch();
  // Reads until a message satisfies `predicate`; false on end of stream.
  bool ReadUntil(const std::function<bool(const streamcontrol::v1::StreamStats&)>& predicate,
                 streamcontrol::v1::StreamStats* last = nullptr);

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<streamcontrol::v1::StreamStats>> reader_;
};

// A fixture base: a local-director and an in-process agent started before
// each test. `Base` is ::testing::Test or a ::testing::TestWithParam<T>.
template <typename Base = ::testing::Test>
class AgentWithDirectorTest : public Base {
 protected:
  void SetUp() override {
    std::string error;
    director_port_ = StartDirector(director_, 0, {}, &error);
    ASSERT_NE(director_port_, 0) << error;
    absl::Status started = harness_.Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  // Start RPC for `request` published on this fixture's director; returns
  // once the stream's link has registered (a test failure otherwise).
  void StartAndAwaitRegistration(streamcontrol::v1::StartRequest request) {
    request.mutable_ahoy()->set_director_url(DirectorFeedsUrl(director_port_));
    grpc::ClientContext ctx;
    streamcontrol::v1::Stream stream;
    grpc::Status started = harness_.stub().Start(&ctx, request, &stream);
    ASSERT_TRUE(started.ok()) << started.error_message();
    StatsWatch watch(harness_.stub(), request.stream_id(), 200, std::chrono::seconds(15));
    ASSERT_TRUE(watch.ReadUntil([](const streamcontrol::v1::StreamStats& s) {
      return s.link_state() == streamcontrol::v1::LINK_REGISTERED;
    }));
  }

  streamcontrol::v1::Stream Get(const std::string& id) { return GetStream(harness_.stub(), id); }

  ChildProcess director_;
  int director_port_ = 0;
  AgentHarness harness_;
};

}  // namespace testing_support
