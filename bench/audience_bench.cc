#include "audience_bench.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "director_viewer.h"
#include "webrtc_receiver.h"

namespace bench {
namespace {

using namespace std::chrono_literals;

// A cheap viewer: parses access units instead of decoding, so the receivers
// in this process leave the cores to the agent being measured.
struct ParsingViewer {
  testing_support::DirectorViewer link;
  testing_support::WebrtcReceiver receiver{"H264"};

  std::string Play(int director_port, const std::string& feed) {
    receiver.SetParseOnly();
    if (auto s = link.Connect(director_port, 5s); !s.ok()) return s.ToString();
    auto answer = link.Play(feed, receiver.CreateOffer(), 15s);
    if (!answer.ok()) return answer.status().ToString();
    std::string error;
    if (!receiver.SetAnswer(*answer, &error)) return error;
    if (!receiver.WaitFor([](const auto& s) { return s.frames > 5; }, 15s)) {
      return "no frame within 15 s";
    }
    return "";
  }
};

struct Cell {
  double cpu = 0;  // % of one core
  long rss_kb = 0;
  double min_fps = 0;  // slowest viewer's received frames per second
};

std::vector<int> ParseCounts(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

}  // namespace

int RunAudience(const Args& args, const std::string& bin_dir) {
  const std::vector<int> counts = ParseCounts(args.Get("viewers", "1,2,4,8"));
  const int seconds = args.GetInt("seconds", 8);
  const int width = args.GetInt("width", 1280), height = args.GetInt("height", 720);
  const int bitrate = args.GetInt("bitrate", 1500);
  const int most = *std::max_element(counts.begin(), counts.end());
  AgentUnderTest agent;
  if (auto e = agent.Start(bin_dir); !e.empty()) {
    std::cerr << "gwa_bench: " << e << std::endl;
    return 1;
  }
  std::vector<int> rows;
  std::vector<std::vector<Cell>> cells(2);  // [shared][row]
  for (bool shared : {false, true}) {
    const std::string id = shared ? "shared" : "separate";
    pb::StartRequest req;
    req.set_stream_id(id);
    req.set_source_uri("test://ball");
    req.mutable_quality()->set_width(width);
    req.mutable_quality()->set_height(height);
    req.mutable_quality()->set_framerate(30);
    req.mutable_quality()->set_bitrate_kbps(bitrate);
    req.set_shared_encode(shared);
    req.set_max_viewers(static_cast<uint32_t>(most));
    req.mutable_ahoy()->set_director_url("ws://127.0.0.1:" + std::to_string(agent.director_port()) +
                                         "/feeds/");
    grpc::ClientContext ctx;
    pb::Stream stream;
    if (auto s = agent.stub()->Start(&ctx, req, &stream); !s.ok()) {
      std::cerr << "gwa_bench: Start: " << s.error_message() << std::endl;
      return 1;
    }
    if (!agent.WaitRegistered(id, 10s)) {
      std::cerr << "gwa_bench: " << id << " never registered" << std::endl;
      return 1;
    }
    std::vector<std::unique_ptr<ParsingViewer>> viewers;
    for (int n : counts) {
      while (static_cast<int>(viewers.size()) < n) {
        viewers.push_back(std::make_unique<ParsingViewer>());
        if (auto e = viewers.back()->Play(agent.director_port(), id); !e.empty()) {
          std::cerr << "gwa_bench: viewer " << viewers.size() << " of " << id << ": " << e
                    << std::endl;
          return 1;
        }
      }
      std::this_thread::sleep_for(2s);  // warm-up: joins and their keyframes settle
      std::vector<uint64_t> frames0;
      for (auto& v : viewers) frames0.push_back(v->receiver.frames());
      CpuWindow cpu({agent.agent_pid()});
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
      cpu.End();
      Cell cell;
      cell.cpu = cpu.ProcessPercent(0);
      cell.rss_kb = ProcessRssKb(agent.agent_pid());
      cell.min_fps = 1e9;
      for (size_t i = 0; i < viewers.size(); ++i) {
        cell.min_fps =
            std::min(cell.min_fps, static_cast<double>(viewers[i]->receiver.frames() - frames0[i]) /
                                       cpu.seconds());
      }
      cells[shared].push_back(cell);
      if (!shared) rows.push_back(n);
      std::cerr << "audience: " << id << " N=" << n << " done" << std::endl;
    }
    viewers.clear();
    (void)agent.StopStream(id);
    agent.WaitIdle(id, 10s);
  }

  PrintMachine(
      "One feed, N viewers: an encoder per viewer vs one shared encoder (shared_encode), " +
      std::to_string(width) + "x" + std::to_string(height) + "@30 x264 " + std::to_string(bitrate) +
      " kbps, test://ball; viewers are parse-only webrtcbins "
      "in gwa_bench (not counted)");
  Table t({"viewers", "per-viewer CPU %", "x of 1 viewer", "min fps", "RSS MiB", "shared CPU %",
           "x of 1 viewer", "min fps", "RSS MiB"});
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::string> row{std::to_string(rows[r])};
    for (int shared : {0, 1}) {
      const Cell& c = cells[shared][r];
      row.push_back(Fixed(c.cpu, 1));
      row.push_back(Fixed(c.cpu / cells[shared][0].cpu, 2));
      row.push_back(Fixed(c.min_fps, 1));
      row.push_back(Fixed(c.rss_kb / 1024.0, 1));
    }
    t.Add(row);
  }
  t.Print();
  std::cout << "\nCPU % is the agent process's, of one core, over " << seconds
            << " s windows after a 2 s warm-up; min fps is the slowest viewer's frames received.\n";
  return 0;
}

}  // namespace bench
