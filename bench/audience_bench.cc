#include "audience_bench.h"

#include <algorithm>
#include <iostream>
#include <iterator>
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

// How the feed reaches its viewers: the three columns of the table.
enum class Mode { kPerViewer, kShared, kPassthrough };
constexpr Mode kModes[] = {Mode::kPerViewer, Mode::kShared, Mode::kPassthrough};
const char* ModeId(Mode m) {
  return m == Mode::kPerViewer ? "separate" : m == Mode::kShared ? "shared" : "passthrough";
}

// The stream of one column: test://ball re-encoded (per viewer or shared),
// or the RTSP camera's own H264 forwarded.
pb::StartRequest StreamFor(Mode mode, const std::string& camera_uri, int width, int height,
                           int bitrate, int viewers, int director_port) {
  pb::StartRequest req;
  req.set_stream_id(ModeId(mode));
  req.set_max_viewers(static_cast<uint32_t>(viewers));
  req.mutable_ahoy()->set_director_url("ws://127.0.0.1:" + std::to_string(director_port) +
                                       "/feeds/");
  if (mode == Mode::kPassthrough) {
    req.set_source_uri(camera_uri);
    req.set_codec(pb::H264);
    req.mutable_source_options()->set_passthrough(true);
    return req;
  }
  req.set_source_uri("test://ball");
  req.mutable_quality()->set_width(width);
  req.mutable_quality()->set_height(height);
  req.mutable_quality()->set_framerate(30);
  req.mutable_quality()->set_bitrate_kbps(bitrate);
  req.set_shared_encode(mode == Mode::kShared);
  return req;
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
  // The pass-through column's camera: the same picture and bitrate, encoded
  // in its own process (not counted), as a real camera encodes in hardware.
  testing_support::ChildProcess camera;
  std::string error;
  const std::string camera_port =
      camera.Start(bin_dir + "/test_rtsp_server",
                   {"--port", "0", "--size", std::to_string(width) + "x" + std::to_string(height),
                    "--bitrate", std::to_string(bitrate)},
                   R"(RTSP on port (\d+))", 10s, &error);
  if (camera_port.empty()) {
    std::cerr << "gwa_bench: test camera: " << error << std::endl;
    return 1;
  }
  const std::string camera_uri = "rtsp://127.0.0.1:" + camera_port + "/cam";
  std::vector<int> rows;
  std::vector<std::vector<Cell>> cells(std::size(kModes));  // [mode][row]
  for (Mode mode : kModes) {
    const std::string id = ModeId(mode);
    const pb::StartRequest req =
        StreamFor(mode, camera_uri, width, height, bitrate, most, agent.director_port());
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
      cells[static_cast<size_t>(mode)].push_back(cell);
      if (mode == Mode::kPerViewer) rows.push_back(n);
      std::cerr << "audience: " << id << " N=" << n << " done" << std::endl;
    }
    viewers.clear();
    (void)agent.StopStream(id);
    agent.WaitIdle(id, 10s);
  }

  PrintMachine(
      "One feed, N viewers: an encoder per viewer, one shared encoder (shared_encode), "
      "and the camera's own H264 forwarded (passthrough); " +
      std::to_string(width) + "x" + std::to_string(height) + "@30 x264 " + std::to_string(bitrate) +
      " kbps, test://ball (the camera: test_rtsp_server, same picture and bitrate, not "
      "counted); viewers are parse-only webrtcbins in gwa_bench (not counted)");
  Table t({"viewers", "per-viewer CPU %", "x of 1", "min fps", "RSS MiB", "shared CPU %", "x of 1",
           "min fps", "RSS MiB", "pass-through CPU %", "x of 1", "min fps", "RSS MiB"});
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::string> row{std::to_string(rows[r])};
    for (const auto& column : cells) {
      const Cell& c = column[r];
      row.push_back(Fixed(c.cpu, 1));
      row.push_back(Fixed(c.cpu / column[0].cpu, 2));
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
