#include "agent_harness.h"

namespace testing_support {

using namespace std::chrono_literals;
namespace pb = streamcontrol::v1;

int StartDirector(ChildProcess& director, int port, const std::vector<std::string>& args,
                  std::string* error) {
  std::vector<std::string> all = {"--listen", "127.0.0.1:" + std::to_string(port)};
  all.insert(all.end(), args.begin(), args.end());
  std::string found = director.Start(std::string(GWA_BIN_DIR) + "/local-director", all,
                                     R"(listening on https?://127\.0\.0\.1:(\d+)/)", 30s, error);
  return found.empty() ? 0 : std::stoi(found);
}

std::string DirectorFeedsUrl(int port) {
  return "ws://127.0.0.1:" + std::to_string(port) + "/feeds/";
}

absl::Status AgentHarness::Start(control::AgentOptions options) {
  options.grpc_listen = "127.0.0.1:0";
  if (options.registry.stats_interval == std::chrono::milliseconds(1000)) {
    options.registry.stats_interval = 200ms;
  }
  auto agent = control::AgentServer::Start(std::move(options));
  if (!agent.ok()) return agent.status();
  agent_ = std::move(*agent);
  stub_ = pb::StreamControl::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(agent_->grpc_port()), grpc::InsecureChannelCredentials()));
  return absl::OkStatus();
}

AgentHarness::~AgentHarness() {
  if (agent_) agent_->Shutdown(5s);
}

grpc::Status AgentHarness::StartStream(const std::string& id, int director_port,
                                       const std::string& api_key, pb::Stream* out) {
  return StartStreamAt(id, DirectorFeedsUrl(director_port), api_key, out);
}

grpc::Status AgentHarness::StartStreamAt(const std::string& id, const std::string& director_url,
                                         const std::string& api_key, pb::Stream* out) {
  pb::StartRequest req;
  req.set_stream_id(id);
  req.set_source_uri("test://ball");
  req.mutable_quality()->set_width(640);
  req.mutable_quality()->set_height(360);
  req.mutable_ahoy()->set_director_url(director_url);
  req.mutable_ahoy()->set_feed_name(id);
  if (!api_key.empty()) req.mutable_ahoy()->set_api_key(api_key);
  grpc::ClientContext ctx;
  pb::Stream ignored;
  return stub_->Start(&ctx, req, out ? out : &ignored);
}

StatsWatch::StatsWatch(pb::StreamControl::Stub& stub, const std::string& stream_id,
                       uint32_t interval_ms, std::chrono::milliseconds deadline) {
  context_.set_deadline(std::chrono::system_clock::now() + deadline);
  pb::WatchStatsRequest req;
  req.set_stream_id(stream_id);
  req.set_interval_ms(interval_ms);
  reader_ = stub.WatchStats(&context_, req);
}

StatsWatch::~StatsWatch() {
  context_.TryCancel();
  reader_->Finish();
}

bool StatsWatch::ReadUntil(const std::function<bool(const pb::StreamStats&)>& predicate,
                           pb::StreamStats* last) {
  pb::StreamStats sample;
  while (reader_->Read(&sample)) {
    if (predicate(sample)) {
      if (last) *last = sample;
      return true;
    }
  }
  return false;
}

streamcontrol::v1::Stream GetStream(streamcontrol::v1::StreamControl::Stub& stub,
                                    const std::string& id) {
  grpc::ClientContext ctx;
  streamcontrol::v1::GetStreamRequest req;
  req.set_stream_id(id);
  streamcontrol::v1::Stream stream;
  grpc::Status s = stub.GetStream(&ctx, req, &stream);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return stream;
}

}  // namespace testing_support
