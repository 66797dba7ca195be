// The gRPC service under concurrency, for ThreadSanitizer (tests/tsan): a real
// gRPC server on 127.0.0.1 serving StreamControlService over the registry of
// stream_registry_concurrency_test.cc (fake engine, real links to a real
// director), several clients calling Start/SetQuality/GetStream/Stop at
// once while WatchStats streams are read and cancelled.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "busy_director.h"
#include "control/stats_hub.h"
#include "control/stream_control_service.h"
#include "control/stream_registry.h"
#include "fake_feed.h"
#include "streamcontrol/v1/streamcontrol.grpc.pb.h"

namespace control {
namespace {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;

class GrpcServiceConcurrencyTest : public ::testing::Test {
 protected:
  GrpcServiceConcurrencyTest() {
    RegistryOptions options;
    options.default_director_url = director_.url();
    options.default_api_key = signaling::kKey;
    options.link_template.backoff_initial = 10ms;
    options.link_template.backoff_max = 40ms;
    registry_ = std::make_unique<StreamRegistry>(std::make_unique<FakeFeedFactory>(), &links_,
                                                 &hub_, options);
    service_ = std::make_unique<StreamControlService>(registry_.get(), &hub_);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
  }
  ~GrpcServiceConcurrencyTest() override {
    // The agent's order (AgentServer::Shutdown).
    service_->BeginShutdown();
    hub_.Shutdown();
    registry_->StopAll();
    server_->Shutdown(std::chrono::system_clock::now() + 2s);
  }

  std::unique_ptr<pb::StreamControl::Stub> Client() {
    return pb::StreamControl::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                                          grpc::InsecureChannelCredentials()));
  }

  signaling::BusyDirector director_;
  signaling::LinkPool links_;
  StatsHub hub_;
  std::unique_ptr<StreamRegistry> registry_;
  std::unique_ptr<StreamControlService> service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(GrpcServiceConcurrencyTest, ClientsCallAtOnceWhileWatchersComeAndGo) {
  ASSERT_NE(server_, nullptr);
  ASSERT_GT(port_, 0);
  constexpr int kClients = 3;
  constexpr int kRounds = 5;
  constexpr int kWatchers = 2;
  constexpr int kWatchRounds = 4;
  std::atomic<int> rpc_errors{0};
  std::atomic<int> samples{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = Client();
      for (int round = 0; round < kRounds; ++round) {
        const std::string id = "rpc-" + std::to_string(c) + "-" + std::to_string(round);
        pb::StartRequest start;
        start.set_stream_id(id);
        start.set_source_uri("rtsp://127.0.0.1:1/cam");
        pb::Stream stream;
        grpc::ClientContext start_ctx;
        if (!stub->Start(&start_ctx, start, &stream).ok()) ++rpc_errors;

        pb::SetQualityRequest set;
        set.set_stream_id(id);
        set.mutable_quality()->set_bitrate_kbps(1500 + round);
        grpc::ClientContext set_ctx;
        if (!stub->SetQuality(&set_ctx, set, &stream).ok()) ++rpc_errors;
        if (stream.quality().bitrate_kbps() != 1500u + round) ++rpc_errors;

        pb::GetStreamRequest get;
        get.set_stream_id(id);
        grpc::ClientContext get_ctx;
        if (!stub->GetStream(&get_ctx, get, &stream).ok()) ++rpc_errors;

        pb::StopRequest stop;
        stop.set_stream_id(id);
        grpc::ClientContext stop_ctx;
        if (!stub->Stop(&stop_ctx, stop, &stream).ok()) ++rpc_errors;
        if (stream.state() != pb::STOPPED) ++rpc_errors;
      }
    });
  }
  for (int w = 0; w < kWatchers; ++w) {
    threads.emplace_back([&] {
      auto stub = Client();
      for (int round = 0; round < kWatchRounds; ++round) {
        pb::WatchStatsRequest request;
        request.set_interval_ms(100);
        grpc::ClientContext ctx;
        // Bounded: a watcher left without streams stops waiting.
        ctx.set_deadline(std::chrono::system_clock::now() + 3s);
        auto reader = stub->WatchStats(&ctx, request);
        pb::StreamStats sample;
        // A few messages (state events pass the interval), then hang up.
        for (int i = 0; i < 3 && reader->Read(&sample); ++i) ++samples;
        ctx.TryCancel();
        while (reader->Read(&sample)) {
        }
        reader->Finish();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(rpc_errors.load(), 0);
  EXPECT_GT(samples.load(), 0);
}

}  // namespace
}  // namespace control
