// gwa_bench: repeatable measurements of gstwebrtc-agent (see BENCHMARKS.md).
// Every subcommand but floor starts a real local-director and a real agent
// process and prints its figures as a Markdown table under a machine header.
// Viewers are real receiving webrtcbins (tests/support) in this process, so
// their CPU is never counted as the agent's. floor runs the agent's own
// pipeline code in this process, without webrtcbin (see RunFloor).
//
//   gwa_bench start    [--runs 20]
//   gwa_bench control  [--rate 200] [--seconds 10]
//   gwa_bench cost     [--streams 1,2,4,8] [--seconds 10] [--bitrate 1000]
//                      [--pacing-factor F] [--stats-interval-ms MS] (the agent's)
//   gwa_bench fanout   [--subscribers 0,1,100,1000] [--streams 4] [--seconds 10]
//   gwa_bench audience [--viewers 1,2,4,8] [--seconds 8] [--width 1280 --height 720]
//                      (one feed, N viewers: per-viewer vs shared encode)
//   gwa_bench janus    [--runs 5] [--keyframe-interval 0] [--node PATH]
//                      (WHIP Start -> first frame at a Janus subscriber)
//   gwa_bench soak     [--cycles 10000] [--report-every 500] [--director-restart-every 500]
//                      [--camera-restart-every 1000] [--size 320x240]
//                      (play/stop cycles with director and camera restarts; issue 15)
//   gwa_bench longrun  [--minutes 120] [--subscribers 100] [--size 1280x720] [--framerate 30]
//                      [--bitrate 2500] [--report-every-minutes 10] [--churn-seconds 5..60]
//                      [--seed 15] (one stream watched for hours while WatchStats
//                      subscribers come and go; issue 15)
//   gwa_bench latency  [--seconds 10] [--size 640x360,1280x720] [--receiver-latency 0]
//                      [--pacing-factor F] (the agent's; 0: pacing off)
//   gwa_bench floor    [--seconds 22] [--size 640x360,1280x720] [--codec H264,VP8]
//                      (the plain gst pipeline: no agent, no webrtcbin)
//   gwa_bench setq     --server HOST:PORT --stream ID   (stdin "W H" -> SetQuality;
//                                                         used by bench/browser.mjs)
//   gwa_bench version
// Common: --bin-dir DIR (default: this build's bin/).
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "audience_bench.h"
#include "bench_util.h"
#include "director_viewer.h"
#include "engine/engine.h"
#include "engine/gst_ptr.h"
#include "engine/latency_probe.h"
#include "engine/pipeline_description.h"
#include "engine/source_chain.h"
#include "janus_bench.h"
#include "longrun_bench.h"
#include "private_network.h"
#include "soak_bench.h"
#include "stats_subscriber.h"
#include "viewer.h"
#include "webrtc_receiver.h"

namespace bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::vector<int> ParseList(const std::string& text) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(std::stoi(item));
  }
  return out;
}

// "640x360,1280x720" -> {{640, 360}, {1280, 720}}.
std::vector<std::pair<int, int>> ParseSizes(const std::string& text) {
  std::vector<std::pair<int, int>> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto x = item.find('x');
    out.emplace_back(std::stoi(item.substr(0, x)), std::stoi(item.substr(x + 1)));
  }
  return out;
}

// Collects every WatchStats sample of every stream on a thread.
class StatsCollector {
 public:
  StatsCollector(pb::StreamControl::Stub* stub, uint32_t interval_ms) {
    pb::WatchStatsRequest req;
    req.set_interval_ms(interval_ms);
    reader_ = stub->WatchStats(&ctx_, req);
    thread_ = std::thread([this] {
      pb::StreamStats s;
      while (reader_->Read(&s)) {
        std::lock_guard<std::mutex> lock(mu_);
        samples_.push_back(s);
      }
    });
  }
  ~StatsCollector() {
    ctx_.TryCancel();
    thread_.join();
    (void)reader_->Finish();
  }
  // Mean encode_fps per stream over STREAMING samples stamped in [from, to].
  std::map<std::string, double> EncodeFps(int64_t from_ms, int64_t to_ms) {
    std::map<std::string, std::vector<double>> per;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& s : samples_) {
      if (s.timestamp_unix_ms() < from_ms || s.timestamp_unix_ms() > to_ms) continue;
      if (s.state() != pb::STREAMING) continue;
      per[s.stream_id()].push_back(s.encode_fps());
    }
    std::map<std::string, double> out;
    for (auto& [id, v] : per) out[id] = Mean(v);
    return out;
  }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<pb::StreamStats>> reader_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<pb::StreamStats> samples_;
};

int Fail(const std::string& what) {
  std::cerr << "gwa_bench: " << what << std::endl;
  return 1;
}

// ---- start: gRPC Start -> WAITING_FOR_VIEWER with the link REGISTERED -------
int RunStart(const Args& args, const std::string& bin_dir) {
  int runs = args.GetInt("runs", 20);
  AgentUnderTest agent;
  if (auto e = agent.Start(bin_dir); !e.empty()) return Fail(e);
  std::vector<double> rpc_ms, registered_ms;
  for (int i = 0; i < runs; ++i) {
    std::string id = "start" + std::to_string(i);
    pb::Stream s;
    auto t0 = Clock::now();
    auto status = agent.StartStream(id, "test://smpte", 1280, 720, 30, 2000, &s);
    double rpc = MsSince(t0);
    if (!status.ok()) return Fail("Start: " + status.error_message());
    if (!agent.WaitRegistered(id, 10s)) return Fail(id + " never registered");
    registered_ms.push_back(MsSince(t0));
    rpc_ms.push_back(rpc);
    if (auto st = agent.StopStream(id); !st.ok()) return Fail("Stop: " + st.error_message());
    std::this_thread::sleep_for(50ms);
  }
  PrintMachine("gRPC Start -> WAITING_FOR_VIEWER + LINK_REGISTERED (" + std::to_string(runs) +
               " Starts, one agent, GetStream polled every 1 ms)");
  Table t({"what", "median ms", "p90 ms", "min ms", "max ms"});
  t.Add({"Start RPC returns", Fixed(Median(rpc_ms), 2), Fixed(Percentile(rpc_ms, 90), 2),
         Fixed(Percentile(rpc_ms, 0), 2), Fixed(Percentile(rpc_ms, 100), 2)});
  t.Add({"Start -> REGISTERED seen", Fixed(Median(registered_ms), 2),
         Fixed(Percentile(registered_ms, 90), 2), Fixed(Percentile(registered_ms, 0), 2),
         Fixed(Percentile(registered_ms, 100), 2)});
  t.Print();
  return 0;
}

// ---- control: SetQuality latency, sequential and open loop -----------------
// Latencies (ms) of calls made one after another, and of calls issued `rate`
// a second whatever the answers (open loop, so a slow answer cannot slow the
// offered load). `call(i, done)` starts call i and calls done(ok) once, from
// any thread.
using StartCall = std::function<void(int, std::function<void(bool)>)>;

struct LatencyRun {
  std::vector<double> ms;
  int errors = 0;
  double offered_s = 0;
};

// An answer later than this counts as an error (and the run goes on).
constexpr auto kAnswerBound = 30s;

LatencyRun RunSequential(int total, const StartCall& call) {
  LatencyRun run;
  for (int i = 0; i < total; ++i) {
    // Shared: the answering thread may still be inside set_value() when
    // get() returns here, or answer after the bound.
    auto answered = std::make_shared<std::promise<bool>>();
    auto got = answered->get_future();
    auto t0 = Clock::now();
    call(i, [answered](bool ok) { answered->set_value(ok); });
    if (got.wait_for(kAnswerBound) == std::future_status::ready && got.get()) {
      run.ms.push_back(MsSince(t0));
    } else {
      ++run.errors;
    }
  }
  return run;
}

LatencyRun RunOpenLoop(int rate, int total, const StartCall& call) {
  // Shared with every callback: one answering after the bound below must
  // find it alive.
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    LatencyRun run;
    int outstanding = 0;
  };
  auto shared = std::make_shared<Shared>();
  shared->outstanding = total;
  auto start = Clock::now();
  auto period = std::chrono::duration<double>(1.0 / rate);
  for (int i = 0; i < total; ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(period * i));
    auto t0 = Clock::now();
    call(i, [shared, t0](bool ok) {
      double ms = MsSince(t0);
      std::lock_guard<std::mutex> lock(shared->mu);
      if (ok) {
        shared->run.ms.push_back(ms);
      } else {
        ++shared->run.errors;
      }
      if (--shared->outstanding == 0) shared->cv.notify_all();
    });
  }
  const double offered_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::unique_lock<std::mutex> lock(shared->mu);
  shared->cv.wait_for(lock, kAnswerBound, [&] { return shared->outstanding == 0; });
  LatencyRun run = shared->run;
  run.errors += shared->outstanding;  // never answered within the bound
  run.offered_s = offered_s;
  return run;
}

void AddLatencyRow(Table* t, const std::string& what, const LatencyRun& run) {
  t->Add({what, std::to_string(run.ms.size() + static_cast<size_t>(run.errors)),
          std::to_string(run.errors), Fixed(Percentile(run.ms, 50), 2),
          Fixed(Percentile(run.ms, 90), 2), Fixed(Percentile(run.ms, 99), 2),
          Fixed(Percentile(run.ms, 100), 2)});
}

int RunControl(const Args& args, const std::string& bin_dir) {
  int rate = args.GetInt("rate", 200);
  int seconds = args.GetInt("seconds", 10);
  AgentUnderTest agent;
  if (auto e = agent.Start(bin_dir); !e.empty()) return Fail(e);
  pb::Stream s;
  if (auto st = agent.StartStream("ctl", "test://smpte", 1280, 720, 30, 2000, &s); !st.ok()) {
    return Fail(st.error_message());
  }
  if (!agent.WaitRegistered("ctl", 10s)) return Fail("never registered");
  Viewer viewer;
  if (auto e = viewer.Play(agent.director_port(), "ctl"); !e.empty()) return Fail(e);
  std::this_thread::sleep_for(2s);

  // Each call owns its context and messages until its answer.
  const StartCall set_quality = [&agent](int i, std::function<void(bool)> done) {
    struct Call {
      grpc::ClientContext ctx;
      pb::SetQualityRequest req;
      pb::Stream resp;
    };
    auto* call = new Call;
    call->req.set_stream_id("ctl");
    call->req.mutable_quality()->set_bitrate_kbps(i % 2 ? 1500 : 2000);
    agent.stub()->async()->SetQuality(&call->ctx, &call->req, &call->resp,
                                      [call, done](grpc::Status st) {
                                        delete call;
                                        done(st.ok());
                                      });
  };
  // The same round trip without engine work: gRPC's own floor on this box.
  const StartCall get_stream = [&agent](int, std::function<void(bool)> done) {
    struct Call {
      grpc::ClientContext ctx;
      pb::GetStreamRequest req;
      pb::Stream resp;
    };
    auto* call = new Call;
    call->req.set_stream_id("ctl");
    agent.stub()->async()->GetStream(&call->ctx, &call->req, &call->resp,
                                     [call, done](grpc::Status st) {
                                       delete call;
                                       done(st.ok());
                                     });
  };

  LatencyRun seq = RunSequential(200, set_quality);
  uint64_t frames0 = viewer.receiver->frames();
  CpuWindow cpu({agent.agent_pid()});
  LatencyRun open = RunOpenLoop(rate, rate * seconds, set_quality);
  cpu.End();
  double viewer_fps = static_cast<double>(viewer.receiver->frames() - frames0) / cpu.seconds();
  LatencyRun get_seq = RunSequential(200, get_stream);
  LatencyRun get_open = RunOpenLoop(rate, rate * seconds, get_stream);
  viewer.Stop();

  PrintMachine("SetQuality latency, stream 1280x720@30 H264 with a webrtcbin viewer playing");
  Table t({"load", "calls", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"});
  AddLatencyRow(&t, "SetQuality, sequential, 1 in flight", seq);
  AddLatencyRow(&t,
                "SetQuality, " + std::to_string(rate) + " RPC/s open loop for " +
                    Fixed(open.offered_s, 1) + " s",
                open);
  AddLatencyRow(&t, "GetStream (no engine work), sequential", get_seq);
  AddLatencyRow(&t, "GetStream, " + std::to_string(rate) + " RPC/s open loop", get_open);
  t.Print();
  std::cout << "\nduring the SetQuality open-loop run: agent CPU "
            << Fixed(cpu.ProcessPercent(0), 1) << "% of one core, machine "
            << Fixed(cpu.MachinePercent(), 0) << "% of "
            << std::thread::hardware_concurrency() * 100 << "%, viewer decoded "
            << Fixed(viewer_fps, 1) << " fps (bitrate alternating 1500/2000 kbps)\n";
  return 0;
}

// ---- setq: SetQuality driven from stdin, for bench/browser.mjs --------------
// One change per line: "W H" (size) or "bitrate K" (kbps); answers
// "done <t0> <t1> ok|error" with the wall-clock ms around the RPC.
int RunSetq(const Args& args) {
  auto stub = pb::StreamControl::NewStub(grpc::CreateChannel(args.Get("server", "127.0.0.1:50051"),
                                                             grpc::InsecureChannelCredentials()));
  std::string stream = args.Get("stream", "demo");
  std::cout << "ready" << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string first;
    if (!(in >> first)) continue;
    pb::SetQualityRequest req;
    req.set_stream_id(stream);
    uint32_t a = 0, b = 0;
    if (first == "bitrate" && in >> a) {
      req.mutable_quality()->set_bitrate_kbps(a);
    } else if (std::istringstream(first) >> a && in >> b) {
      req.mutable_quality()->set_width(a);
      req.mutable_quality()->set_height(b);
    } else {
      std::cout << "done 0 0 error" << std::endl;
      continue;
    }
    pb::Stream resp;
    grpc::ClientContext ctx;
    double t0 = NowUnixMsFine();
    auto st = stub->SetQuality(&ctx, req, &resp);
    double t1 = NowUnixMsFine();
    std::cout << std::fixed << "done " << t0 << " " << t1 << " " << (st.ok() ? "ok" : "error")
              << std::endl;
  }
  return 0;
}

// ---- cost: agent vs bare gst-launch for N streams ---------------------------
struct BareResult {
  double cpu = 0, machine = 0;
  long rss = 0;
  std::string error;
};

struct CostRow {
  int n = 0;
  double agent_cpu = 0, machine_agent = 0;
  long agent_rss = 0;
  BareResult bare, matched;
  double min_encode_fps = 0, min_viewer_fps = 0;
};

// N independent chains in one gst-launch-1.0 process. `matched`: the agent's
// own encoder and payloader settings (constrained-baseline, so CAVLC and no
// 8x8 transform; 2 s GOP; SPS/PPS with every IDR; the 100 ms VBV buffer the
// agent gives x264enc under congestion control, on by default:
// engine/encoder_control.cc, kBurstLimitedVbvMs).
std::string BarePipeline(int n, int bitrate, bool matched) {
  std::string p;
  for (int i = 0; i < n; ++i) {
    p += " videotestsrc is-live=true ! video/x-raw,width=640,height=360,framerate=30/1 ! "
         "x264enc tune=zerolatency speed-preset=ultrafast bitrate=" +
         std::to_string(bitrate);
    if (matched) {
      p += " key-int-max=60 byte-stream=true vbv-buf-capacity=100 ! "
           "video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! "
           "rtph264pay config-interval=-1 aggregate-mode=zero-latency ! fakesink";
    } else {
      p += " ! rtph264pay ! fakesink";
    }
  }
  return p;
}

BareResult MeasureBare(const std::string& pipeline, int seconds) {
  BareResult r;
  std::vector<std::string> args;
  std::stringstream ss(pipeline);
  std::string tok;
  while (ss >> tok) args.push_back(tok);
  testing_support::ChildProcess launch;
  std::string ready =
      launch.Start("/usr/bin/gst-launch-1.0", args, "(Setting pipeline to PLAYING)", 20s, &r.error);
  if (ready.empty()) {
    r.error = "gst-launch-1.0: " + r.error;
    return r;
  }
  std::this_thread::sleep_for(3s);
  CpuWindow cpu({launch.pid()});
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  cpu.End();
  r.cpu = cpu.ProcessPercent(0);
  r.machine = cpu.MachinePercent();
  r.rss = ProcessRssKb(launch.pid());
  launch.Stop();
  return r;
}

int RunCost(const Args& args, const std::string& bin_dir) {
  std::vector<int> counts = ParseList(args.Get("streams", "1,2,4,8"));
  int seconds = args.GetInt("seconds", 10);
  int bitrate = args.GetInt("bitrate", 1000);
  // The agent's own settings, to split its cost (pacing off, slower stats).
  std::vector<std::string> agent_args;
  std::string settings;
  for (const char* flag : {"pacing-factor", "stats-interval-ms"}) {
    const std::string value = args.Get(flag, "");
    if (value.empty()) continue;
    agent_args.insert(agent_args.end(), {std::string("--") + flag, value});
    settings += std::string(", --") + flag + " " + value;
  }
  AgentUnderTest agent;
  if (auto e = agent.Start(bin_dir, agent_args); !e.empty()) return Fail(e);
  long idle_rss = ProcessRssKb(agent.agent_pid());
  std::vector<CostRow> rows;
  for (int n : counts) {
    CostRow row;
    row.n = n;
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      std::string id = "cost" + std::to_string(n) + "_" + std::to_string(i);
      pb::Stream s;
      auto st =
          agent.StartStream(id, "test://smpte", 640, 360, 30, static_cast<uint32_t>(bitrate), &s);
      if (!st.ok()) return Fail(st.error_message());
      ids.push_back(id);
    }
    std::vector<std::unique_ptr<Viewer>> viewers;
    for (const auto& id : ids) {
      if (!agent.WaitRegistered(id, 10s)) return Fail(id + " never registered");
      viewers.push_back(std::make_unique<Viewer>());
      if (auto e = viewers.back()->Play(agent.director_port(), id); !e.empty()) {
        return Fail(id + ": " + e);
      }
    }
    {
      StatsCollector stats(agent.stub(), 1000);
      std::this_thread::sleep_for(3s);  // warm-up
      std::vector<uint64_t> frames0;
      for (auto& v : viewers) frames0.push_back(v->receiver->frames());
      int64_t from = NowUnixMs();
      CpuWindow cpu({agent.agent_pid()});
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
      cpu.End();
      int64_t to = NowUnixMs();
      row.agent_cpu = cpu.ProcessPercent(0);
      row.machine_agent = cpu.MachinePercent();
      row.agent_rss = ProcessRssKb(agent.agent_pid());
      std::this_thread::sleep_for(1200ms);  // the last sample of the window
      auto fps = stats.EncodeFps(from, to + 1000);
      row.min_encode_fps = 1e9;
      for (const auto& id : ids) {
        auto it = fps.find(id);
        row.min_encode_fps = std::min(row.min_encode_fps, it == fps.end() ? 0.0 : it->second);
      }
      row.min_viewer_fps = 1e9;
      for (size_t i = 0; i < viewers.size(); ++i) {
        double f = static_cast<double>(viewers[i]->receiver->frames() - frames0[i]) /
                   (static_cast<double>(to - from) / 1000.0 + 1.2);
        row.min_viewer_fps = std::min(row.min_viewer_fps, f);
      }
    }
    for (auto& v : viewers) v->Stop();
    viewers.clear();
    for (const auto& id : ids) (void)agent.StopStream(id);
    std::this_thread::sleep_for(2s);

    // The same encoding work with nothing around it: the brief's pipeline,
    // then one with the agent's exact encoder/payloader settings.
    for (bool matched : {false, true}) {
      auto bare = MeasureBare(BarePipeline(n, bitrate, matched), seconds);
      if (!bare.error.empty()) return Fail(bare.error);
      (matched ? row.matched : row.bare) = bare;
    }
    rows.push_back(row);
    std::cerr << "cost: N=" << n << " done" << std::endl;
  }

  PrintMachine("Cost per stream: agent vs bare gst-launch-1.0, 640x360@30 x264 ultrafast " +
               std::to_string(bitrate) + " kbps, each agent stream watched by a webrtcbin" +
               settings);
  Table t({"N", "agent CPU %", "bare CPU %", "agent/bare", "bare-matched CPU %", "agent/matched",
           "agent RSS MiB", "bare RSS MiB", "agent CPU %/stream", "min encode fps",
           "min viewer fps", "machine % (agent/bare/matched)"});
  int best = 0;
  for (const auto& r : rows) {
    t.Add({std::to_string(r.n), Fixed(r.agent_cpu, 1), Fixed(r.bare.cpu, 1),
           Fixed(r.agent_cpu / r.bare.cpu, 2), Fixed(r.matched.cpu, 1),
           Fixed(r.agent_cpu / r.matched.cpu, 2), Fixed(r.agent_rss / 1024.0, 1),
           Fixed(r.bare.rss / 1024.0, 1), Fixed(r.agent_cpu / r.n, 1), Fixed(r.min_encode_fps, 1),
           Fixed(r.min_viewer_fps, 1),
           Fixed(r.machine_agent, 0) + " / " + Fixed(r.bare.machine, 0) + " / " +
               Fixed(r.matched.machine, 0)});
    if (r.min_encode_fps >= 29.0) best = std::max(best, r.n);
  }
  t.Print();
  std::cout << "\nCPU % is of one core over " << seconds
            << " s; machine % counts every process on the box (max "
            << std::thread::hardware_concurrency() * 100
            << "%), including the receivers in gwa_bench. bare = the plain pipeline "
               "(x264 picks its default High profile); bare-matched = the agent's encoder "
               "settings (constrained-baseline, key-int-max=60, vbv-buf-capacity=100, "
               "config-interval=-1). "
               "Idle agent RSS: "
            << Fixed(idle_rss / 1024.0, 1) << " MiB.\n"
            << "Largest N with every stream >= 29 encode fps: " << best << "\n";
  return 0;
}

// ---- fanout: WatchStats subscribers ------------------------------------------
int RunFanout(const Args& args, const std::string& bin_dir) {
  std::vector<int> counts = ParseList(args.Get("subscribers", "0,1,100,1000"));
  int streams = args.GetInt("streams", 4);
  int seconds = args.GetInt("seconds", 10);
  AgentUnderTest agent;
  // The default cap (256) would refuse most of 1000 subscribers.
  const int most = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  if (auto e = agent.Start(bin_dir, {"--max-watchers", std::to_string(most + 1)}); !e.empty()) {
    return Fail(e);
  }
  std::vector<std::unique_ptr<Viewer>> viewers;
  for (int i = 0; i < streams; ++i) {
    std::string id = "fan" + std::to_string(i);
    pb::Stream s;
    if (auto st = agent.StartStream(id, "test://smpte", 640, 360, 30, 1000, &s); !st.ok()) {
      return Fail(st.error_message());
    }
    if (!agent.WaitRegistered(id, 10s)) return Fail(id + " never registered");
    viewers.push_back(std::make_unique<Viewer>());
    if (auto e = viewers.back()->Play(agent.director_port(), id); !e.empty()) return Fail(e);
  }
  constexpr int kChannels = 20;
  std::vector<std::unique_ptr<pb::StreamControl::Stub>> stubs;
  for (int i = 0; i < kChannels; ++i) {
    stubs.push_back(pb::StreamControl::NewStub(agent.NewChannel(i + 1)));
  }
  struct Row {
    int subs;
    double cpu, machine;
    long rss;
    double per_sub_rate;
    uint64_t dropped;
    int refused;
  };
  std::vector<Row> rows;
  for (int k : counts) {
    std::vector<std::unique_ptr<StatsSubscriber>> subs;
    for (int i = 0; i < k; ++i) {
      subs.push_back(std::make_unique<StatsSubscriber>(stubs[i % kChannels].get(), 1000));
    }
    std::this_thread::sleep_for(3s);
    std::vector<uint64_t> r0;
    for (auto& s : subs) r0.push_back(s->received());
    CpuWindow cpu({agent.agent_pid()});
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    cpu.End();
    Row row{k, cpu.ProcessPercent(0), cpu.MachinePercent(), ProcessRssKb(agent.agent_pid()), 0, 0,
            0};
    uint64_t got = 0;
    for (size_t i = 0; i < subs.size(); ++i) {
      got += subs[i]->received() - r0[i];
      row.dropped += subs[i]->dropped();
      if (subs[i]->refused()) ++row.refused;
    }
    row.per_sub_rate = k ? static_cast<double>(got) / k / cpu.seconds() : 0;
    for (auto& s : subs) s->Cancel();
    for (auto& s : subs) s->WaitDone(10s);
    rows.push_back(row);
    std::cerr << "fanout: " << k << " subscribers done" << std::endl;
    std::this_thread::sleep_for(1s);
  }
  for (auto& v : viewers) v->Stop();

  PrintMachine("WatchStats fan-out: " + std::to_string(streams) +
               " streams 640x360@30 with viewers, each subscriber watches every stream at 1 s");
  Table t({"subscribers", "agent CPU %", "delta vs 0 subs", "agent RSS MiB",
           "samples/s per subscriber", "dropped (total)", "refused", "machine %"});
  double base = rows.empty() ? 0 : rows.front().cpu;
  for (const auto& r : rows) {
    t.Add({std::to_string(r.subs), Fixed(r.cpu, 1), Fixed(r.cpu - base, 1),
           Fixed(r.rss / 1024.0, 1), r.subs ? Fixed(r.per_sub_rate, 2) : "-",
           std::to_string(r.dropped), std::to_string(r.refused), Fixed(r.machine, 0)});
  }
  t.Print();
  std::cout << "\nexpected samples/s per subscriber: " << streams
            << " (one per stream per second); CPU % of one core over " << seconds << " s.\n";
  return 0;
}

// ---- latency: capture -> decoded, through the agent's --latency-probe ------
int RunLatency(const Args& args, const std::string& bin_dir) {
  int seconds = args.GetInt("seconds", 10);
  unsigned rx_latency = static_cast<unsigned>(args.GetInt("receiver-latency", 0));
  std::vector<std::pair<int, int>> sizes = ParseSizes(args.Get("size", "640x360,1280x720"));
  const std::string pacing = args.Get("pacing-factor", "");
  std::vector<std::string> agent_args = {"--latency-probe"};
  if (!pacing.empty()) agent_args.insert(agent_args.end(), {"--pacing-factor", pacing});
  AgentUnderTest agent;
  if (auto e = agent.Start(bin_dir, agent_args); !e.empty()) return Fail(e);
  Table t({"stream", "frames read", "unstamped", "median ms", "p90 ms", "p99 ms", "max ms"});
  int index = 0;
  for (auto [w, h] : sizes) {
    std::string id = "lat" + std::to_string(index++);
    pb::Stream s;
    auto st = agent.StartStream(id, "test://ball", static_cast<uint32_t>(w),
                                static_cast<uint32_t>(h), 30, 2000, &s);
    if (!st.ok()) return Fail(st.error_message());
    if (!agent.WaitRegistered(id, 10s)) return Fail(id + " never registered");
    std::mutex mu;
    std::vector<double> lat;
    uint64_t unstamped = 0;
    std::atomic<bool> recording{false};
    Viewer viewer;
    viewer.feed = id;
    viewer.signaling = std::make_unique<testing_support::DirectorViewer>();
    if (auto c = viewer.signaling->Connect(agent.director_port(), 5s); !c.ok()) {
      return Fail(c.ToString());
    }
    viewer.receiver = std::make_unique<testing_support::WebrtcReceiver>("H264");
    viewer.receiver->SetLatency(rx_latency);
    viewer.receiver->SetFrameHook([&](GstPad* pad, GstBuffer* buffer) {
      if (!recording) return;
      uint32_t now = engine::LatencyClockMs();
      GstCaps* caps = gst_pad_get_current_caps(pad);
      if (!caps) return;
      GstVideoInfo info;
      bool ok = gst_video_info_from_caps(&info, caps);
      gst_caps_unref(caps);
      GstVideoFrame frame;
      if (!ok || !gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ)) return;
      auto stamp = engine::ReadLatencyStamp(
          static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
          GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0), GST_VIDEO_FRAME_WIDTH(&frame),
          GST_VIDEO_FRAME_HEIGHT(&frame));
      gst_video_frame_unmap(&frame);
      std::lock_guard<std::mutex> lock(mu);
      if (stamp) {
        lat.push_back(static_cast<double>(static_cast<int32_t>(now - *stamp)));
      } else {
        ++unstamped;
      }
    });
    auto answer = viewer.signaling->Play(id, viewer.receiver->CreateOffer(), 15s);
    if (!answer.ok()) return Fail(answer.status().ToString());
    std::string error;
    if (!viewer.receiver->SetAnswer(*answer, &error)) return Fail(error);
    if (!viewer.receiver->WaitFor([](const auto& x) { return x.frames > 5; }, 15s)) {
      return Fail("no frame decoded");
    }
    std::this_thread::sleep_for(2s);
    recording = true;
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    recording = false;
    viewer.Stop();
    (void)agent.StopStream(id);
    std::lock_guard<std::mutex> lock(mu);
    t.Add({std::to_string(w) + "x" + std::to_string(h) + "@30 2000 kbps",
           std::to_string(lat.size() + unstamped), std::to_string(unstamped),
           Fixed(Percentile(lat, 50), 0), Fixed(Percentile(lat, 90), 0),
           Fixed(Percentile(lat, 99), 0), Fixed(Percentile(lat, 100), 0)});
  }
  PrintMachine(
      "Glass-to-glass (capture -> decoded frame) with --latency-probe, webrtcbin viewer "
      "with jitter-buffer latency " +
      std::to_string(rx_latency) + " ms, " + std::to_string(seconds) + " s per size" +
      (pacing.empty() ? "" : ", --pacing-factor " + pacing));
  t.Print();
  std::cout << "\nStamp written on the appsrc in front of the encoder; read from the "
               "receiver's decoded frame (decodebin: openh264dec), clock CLOCK_REALTIME on both "
               "sides, 1 ms resolution. Unstamped = decoded frames whose stamp failed its CRC.\n";
  return 0;
}

// ---- floor: the plain gst pipeline, what latency costs without webrtcbin ----
// The agent's own pieces in one process: SourceChain (the same source
// pipeline feeding an appsrc), the same sending pipeline description (appsrc,
// encoder, payloader with the agent's settings), the latency probe on the
// appsrc, keyframes forced every keyframe interval as the session does, but
// the RTP goes straight into a depayloader and decoder instead of webrtcbin:
// no RTP session, SRTP, DTLS, ICE, UDP or jitter buffer. gst-launch-1.0
// cannot stamp frames, hence this instead of a launch line.
struct FloorRun {
  std::vector<double> latency_ms;
  uint64_t unreadable = 0;
  std::string error;
};

struct FloorProbeState {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t decoded = 0;
  bool recording = false;
  std::vector<double> latency_ms;
  uint64_t unreadable = 0;
};

GstPadProbeReturn ReadStampOnDecodedFrame(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto* state = static_cast<FloorProbeState*>(data);
  uint32_t now = engine::LatencyClockMs();
  std::optional<uint32_t> stamp;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  GstVideoInfo vinfo;
  bool ok = caps && gst_video_info_from_caps(&vinfo, caps);
  if (caps) gst_caps_unref(caps);
  GstVideoFrame frame;
  if (ok && gst_video_frame_map(&frame, &vinfo, GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ)) {
    stamp =
        engine::ReadLatencyStamp(static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
                                 GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0),
                                 GST_VIDEO_FRAME_WIDTH(&frame), GST_VIDEO_FRAME_HEIGHT(&frame));
    gst_video_frame_unmap(&frame);
  }
  std::lock_guard<std::mutex> lock(state->mu);
  ++state->decoded;
  if (state->recording) {
    if (stamp) {
      state->latency_ms.push_back(static_cast<double>(static_cast<int32_t>(now - *stamp)));
    } else {
      ++state->unreadable;
    }
  }
  state->cv.notify_all();
  return GST_PAD_PROBE_OK;
}

// Every `interval` frames into the encoder, ask it for a keyframe, as
// ViewerSession::InstallKeyframeControl does (the encoder's own GOP is set
// huge by SendPipelineDescription): keyframes are the biggest frames, so
// leaving them out would flatter the tail.
void ForceKeyframes(GstElement* encoder, uint32_t interval) {
  struct Ctx {
    GstElement* encoder;  // no reference: the probe lives on the encoder's own pad
    uint32_t interval;
    uint32_t count = 0;
  };
  engine::PadPtr sink(gst_element_get_static_pad(encoder, "sink"));
  gst_pad_add_probe(
      sink.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo*, gpointer data) {
        auto* ctx = static_cast<Ctx*>(data);
        if (++ctx->count % ctx->interval == 0) {
          engine::PadPtr src(gst_element_get_static_pad(ctx->encoder, "src"));
          gst_pad_send_event(
              src.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
        }
        return GST_PAD_PROBE_OK;
      },
      new Ctx{encoder, interval}, [](gpointer data) { delete static_cast<Ctx*>(data); });
}

FloorRun MeasureFloor(engine::Engine* eng, engine::Codec codec, int width, int height,
                      int seconds) {
  FloorRun run;
  engine::Quality q;
  q.width = static_cast<uint32_t>(width);
  q.height = static_cast<uint32_t>(height);
  q.framerate = 30;
  q.bitrate_kbps = 2000;
  q.fec_percentage = 0;
  q.keyframe_interval = 0;
  std::string send = engine::SendPipelineDescription(codec, q, 96, 0x6761);
  auto webrtc = send.find(" ! webrtcbin");
  if (webrtc == std::string::npos) {
    run.error = "the agent's sending pipeline no longer ends in webrtcbin: " + send;
    return run;
  }
  // decodebin, as the webrtcbin viewer (tests/support) uses: on Debian 12
  // without gstreamer1.0-libav it picks OpenH264 and libvpx, software
  // decoders like Chromium's; it also waits for the SPS before plugging
  // openh264dec, which refuses caps without a profile.
  send = send.substr(0, webrtc) +
         (codec == engine::Codec::kH264 ? " ! rtph264depay" : " ! rtpvp8depay") +
         " ! decodebin ! fakesink name=sink sync=false async=false";
  GError* error = nullptr;
  GstElement* parsed = gst_parse_launch(send.c_str(), &error);
  if (error) {
    run.error = std::string("cannot build ") + send + ": " + error->message;
    g_error_free(error);
    if (parsed) gst_object_unref(parsed);
    return run;
  }
  engine::ElementPtr pipeline(GST_ELEMENT(gst_object_ref_sink(parsed)));
  engine::ElementPtr appsrc(gst_bin_get_by_name(GST_BIN(pipeline.get()), "feeder"));
  engine::ElementPtr encoder(gst_bin_get_by_name(GST_BIN(pipeline.get()), "encoder"));
  engine::ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "sink"));
  engine::InstallLatencyProbe(appsrc.get());
  ForceKeyframes(encoder.get(), q.EffectiveKeyframeInterval());
  FloorProbeState state;
  engine::PadPtr decoded(gst_element_get_static_pad(sink.get(), "sink"));
  gulong probe = gst_pad_add_probe(decoded.get(), GST_PAD_PROBE_TYPE_BUFFER,
                                   &ReadStampOnDecodedFrame, &state, nullptr);

  if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    gst_element_set_state(pipeline.get(), GST_STATE_NULL);
    gst_pad_remove_probe(decoded.get(), probe);
    run.error = "pipeline refused to start: " + send;
    return run;
  }
  auto fanout = std::make_shared<engine::FrameFanout>(/*coded=*/false);
  fanout->Add(appsrc.get());
  auto source =
      eng->Call([&] { return engine::SourceChain::Start(eng, "test://ball", q, fanout, {}, {}); });
  std::shared_ptr<engine::SourceChain> chain;
  if (!source.ok()) {
    run.error = source.status().ToString();
  } else {
    chain = *source;
    std::unique_lock<std::mutex> lock(state.mu);
    if (!state.cv.wait_for(lock, 15s, [&] { return state.decoded > 5; })) {
      run.error = "no frame decoded within 15 s";
    }
  }
  if (run.error.empty()) {
    std::this_thread::sleep_for(2s);  // warm-up: encoder rate control settles
    {
      std::lock_guard<std::mutex> lock(state.mu);
      state.recording = true;
    }
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    std::lock_guard<std::mutex> lock(state.mu);
    state.recording = false;
    run.latency_ms = state.latency_ms;
    run.unreadable = state.unreadable;
  }
  // The source chain is the engine thread's, as in the agent.
  eng->Call([&] { chain.reset(); });
  engine::BusPtr bus(gst_element_get_bus(pipeline.get()));
  if (GstMessage* m = gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR)) {
    GError* err = nullptr;
    gst_message_parse_error(m, &err, nullptr);
    run.error += std::string(run.error.empty() ? "" : "; ") + "pipeline error: " + err->message;
    g_error_free(err);
    gst_message_unref(m);
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  gst_pad_remove_probe(decoded.get(), probe);  // `state` dies with this frame
  return run;
}

int RunFloor(const Args& args) {
  int seconds = args.GetInt("seconds", 22);
  std::vector<std::string> codecs;
  {
    std::stringstream ss(args.Get("codec", "H264,VP8"));
    std::string item;
    while (std::getline(ss, item, ',')) codecs.push_back(item);
  }
  std::vector<std::pair<int, int>> sizes = ParseSizes(args.Get("size", "640x360,1280x720"));
  engine::Engine eng;
  Table t(
      {"stream", "codec", "frames decoded", "unreadable", "p50 ms", "p95 ms", "p99 ms", "max ms"});
  for (const auto& name : codecs) {
    engine::Codec codec = name == "VP8" ? engine::Codec::kVP8 : engine::Codec::kH264;
    for (auto [w, h] : sizes) {
      FloorRun r = MeasureFloor(&eng, codec, w, h, seconds);
      if (!r.error.empty())
        return Fail(name + " " + std::to_string(w) + "x" + std::to_string(h) + ": " + r.error);
      t.Add({std::to_string(w) + "x" + std::to_string(h) + "@30 2000 kbps", name,
             std::to_string(r.latency_ms.size() + r.unreadable), std::to_string(r.unreadable),
             Fixed(Percentile(r.latency_ms, 50), 0), Fixed(Percentile(r.latency_ms, 95), 0),
             Fixed(Percentile(r.latency_ms, 99), 0), Fixed(Percentile(r.latency_ms, 100), 0)});
      std::cerr << "floor: " << name << " " << w << "x" << h << " done" << std::endl;
    }
  }
  PrintMachine(
      "Latency floor: the plain gst pipeline (agent's source chain -> stamp -> encoder "
      "-> payloader -> depayloader -> decoder, one process, no webrtcbin), test://ball, " +
      std::to_string(seconds) + " s per configuration");
  t.Print();
  std::cout << "\nStamp written on the appsrc in front of the encoder, as the agent does; read "
               "from each frame leaving the decoder (decodebin: openh264dec / vp8dec), "
               "CLOCK_REALTIME on both "
               "sides, 1 ms resolution. Unreadable = decoded frames whose stamp failed its CRC.\n";
  return 0;
}
}  // namespace
}  // namespace bench

namespace {

int RunCommand(const std::string& cmd, const bench::Args& args, const std::string& bin_dir) {
  if (cmd == "start") return bench::RunStart(args, bin_dir);
  if (cmd == "control") return bench::RunControl(args, bin_dir);
  if (cmd == "cost") return bench::RunCost(args, bin_dir);
  if (cmd == "fanout") return bench::RunFanout(args, bin_dir);
  if (cmd == "audience") return bench::RunAudience(args, bin_dir);
  if (cmd == "janus") return bench::RunJanus(args, bin_dir);
  if (cmd == "soak") return bench::RunSoak(args, bin_dir);
  if (cmd == "longrun") return bench::RunLongrun(args, bin_dir);
  if (cmd == "latency") return bench::RunLatency(args, bin_dir);
  if (cmd == "floor") return bench::RunFloor(args);
  if (cmd == "setq") return bench::RunSetq(args);
  if (cmd == "version") {
    std::cout << "gRPC " << grpc::Version() << std::endl;
    return 0;
  }
  std::cerr << "unknown subcommand " << cmd << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Janus must not gather on the host's addresses: the janus bench runs in a
  // network of its own, entered before any thread (private_network.h).
  if (argc >= 2 && std::string(argv[1]) == "janus") {
    if (const std::string error = testing_support::EnterPrivateNetwork(); !error.empty()) {
      std::cerr << "gwa_bench janus: " << error << "\n";
      return 1;
    }
  }
  gst_init(&argc, &argv);
  if (argc < 2) {
    std::cerr << "usage: gwa_bench "
                 "start|control|cost|fanout|audience|janus|soak|longrun|latency|floor|setq|version "
                 "[--flags]\n";
    return 2;
  }
  std::string cmd = argv[1];
  bench::Args args(argc, argv, 2);
  try {
    return RunCommand(cmd, args, args.Get("bin-dir", GWA_BIN_DIR));
  } catch (const std::invalid_argument& e) {  // Args::GetInt on a bad value
    std::cerr << "gwa_bench " << cmd << ": " << e.what() << "\n";
    return 2;
  }
}