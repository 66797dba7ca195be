#include "janus_bench.h"

#include <algorithm>
#include <iostream>
#include <thread>
#include <vector>

#include "janus_server.h"
#include "janus_subscriber.h"
#include "temp_file.h"

namespace bench {
namespace {

using namespace std::chrono_literals;

double MsBetween(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Polls GetStream (1 ms apart) until the WHIP state is PUBLISHING.
bool WaitPublishing(AgentUnderTest& agent, const std::string& id,
                    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pb::Stream s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (agent.GetStream(id, &s).ok() && s.whip().state() == pb::WHIP_PUBLISHING) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

}  // namespace

int RunJanus(const Args& args, const std::string& bin_dir) {
  const int runs = args.GetInt("runs", 5);
  // 0: the agent's automatic interval (2 s).
  const int keyframe_interval = args.GetInt("keyframe-interval", 0);
  const std::string token = "bench-janus-token";
  testing_support::TempFile token_file(token);
  AgentUnderTest agent;
  if (auto e = agent.Start(bin_dir); !e.empty()) {
    std::cerr << "gwa_bench: " << e << std::endl;
    return 1;
  }
  std::vector<double> published, subscribed, first_frame;
  for (int run = 0; run < runs; ++run) {
    // A fresh Janus per run: the room holds the agent's publisher alone.
    testing_support::JanusServer janus(args.Get("node", GWA_NODE), token);
    std::string error;
    if (!janus.Start(&error)) {
      std::cerr << "gwa_bench: " << error << std::endl;
      return 1;
    }
    const std::string id = "janus" + std::to_string(run);
    pb::StartRequest req;
    req.set_stream_id(id);
    req.set_source_uri("test://ball");
    req.mutable_quality()->set_width(640);
    req.mutable_quality()->set_height(360);
    if (keyframe_interval > 0) {
      req.mutable_quality()->set_keyframe_interval(static_cast<uint32_t>(keyframe_interval));
    }
    req.mutable_whip()->set_endpoint_url(janus.whip_url());
    req.mutable_whip()->set_token_file(token_file.path());
    pb::Stream out;
    grpc::ClientContext ctx;
    const auto t0 = std::chrono::steady_clock::now();
    if (grpc::Status s = agent.stub()->Start(&ctx, req, &out); !s.ok()) {
      std::cerr << "gwa_bench: Start: " << s.error_message() << std::endl;
      return 1;
    }
    if (!WaitPublishing(agent, id, 20s)) {
      std::cerr << "gwa_bench: not publishing within 20 s" << std::endl;
      return 1;
    }
    const auto t1 = std::chrono::steady_clock::now();
    testing_support::JanusSubscriber subscriber;
    if (absl::Status s = subscriber.Subscribe(janus.janus_url(), janus.kRoom, 20s); !s.ok()) {
      std::cerr << "gwa_bench: subscribe: " << s << std::endl;
      return 1;
    }
    const auto t2 = std::chrono::steady_clock::now();
    if (!subscriber.receiver().WaitFor([](const auto& s) { return s.frames >= 1; }, 20s)) {
      std::cerr << "gwa_bench: no frame at the subscriber within 20 s" << std::endl;
      return 1;
    }
    const auto t3 = std::chrono::steady_clock::now();
    published.push_back(MsBetween(t0, t1));
    subscribed.push_back(MsBetween(t1, t2));
    first_frame.push_back(MsBetween(t0, t3));
    agent.StopStream(id);
  }
  PrintMachine("WHIP publish through Janus (simple-whip-server + VideoRoom), keyframe interval " +
               (keyframe_interval > 0 ? std::to_string(keyframe_interval) + " frames"
                                      : std::string("auto (2 s)")));
  Table table({"what", "runs", "median ms", "min ms", "max ms"});
  auto row = [&](const std::string& what, const std::vector<double>& v) {
    table.Add({what, std::to_string(v.size()), Fixed(Median(v), 0),
               Fixed(*std::min_element(v.begin(), v.end()), 0),
               Fixed(*std::max_element(v.begin(), v.end()), 0)});
  };
  row("Start -> WHIP_PUBLISHING (offer, POST, Janus joinandconfigure, 201)", published);
  row("publishing -> subscriber answered and started (Janus HTTP API)", subscribed);
  row("Start -> first frame decoded at the Janus subscriber", first_frame);
  table.Print();
  return 0;
}

}  // namespace bench
