// A viewer as a process of its own: plays one feed through a local-director
// with a real receiving webrtcbin (tests/support) and reports what arrives as
// JSON lines on stdout. Network tests run it inside a namespace of their own
// (another "host" than the agent's), where an in-process receiver cannot go.
//
//   test_viewer --director 10.0.3.2:8080 --feed cam --seconds 20
//
// Lines: {"event":"playing","answer_ms":N} once the answer is applied,
// {"event":"first_frame","play_ms":N} at the first decoded frame (N from the
// offer on; absent when none comes within 15 s), then
// {"event":"sample","t_ms":...,"frames":...,"width":...,"height":...,
// "rtp_payload_bytes":...} every --report-ms, then {"event":"done"} (exit 0),
// or {"event":"error","message":...} (exit 1). The run is bounded by
// --seconds. --ice-server (repeatable/comma-separated), --turn-credentials-file
// and --ice-transport-policy configure the viewer's own ICE agent.
// --transport_cc_id and --nack offer TWCC feedback and NACK like a browser;
// --latency_probe reads the agent's --latency-probe stamp from each decoded
// frame and adds to every sample the window's capture -> decoded delay
// ("latency_p50_ms", "latency_p95_ms", "stamped" frames) and its longest gap
// between two decoded frames ("max_gap_ms", a freeze); --rx_latency_ms sets
// the jitter buffer (what the delay includes).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include <gst/video/video.h>
#include <nlohmann/json.hpp>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "director_viewer.h"
#include "engine/latency_probe.h"
#include "webrtc_receiver.h"

ABSL_FLAG(std::string, director, "127.0.0.1:8080", "local-director host:port");
ABSL_FLAG(std::string, feed, "", "feed to play");
ABSL_FLAG(std::string, codec, "H264", "H264, VP8, VP9 or H265");
ABSL_FLAG(int, seconds, 30, "how long to watch before exiting");
ABSL_FLAG(int, report_ms, 500, "interval between sample lines");
ABSL_FLAG(bool, parse_only, false,
          "count parsed access units instead of decoding (a cheap viewer, for CPU measurements "
          "of the agent)");
ABSL_FLAG(std::vector<std::string>, ice_server, {}, "STUN/TURN URLs for this viewer");
ABSL_FLAG(std::string, turn_credentials_file, "",
          "TURN username (first line) and credential (second line)");
ABSL_FLAG(std::string, ice_transport_policy, "all", "all or relay");
ABSL_FLAG(int, transport_cc_id, 0,
          "offer transport-wide congestion control under this header extension id (0: off)");
ABSL_FLAG(bool, nack, false, "offer NACK feedback (and RTX)");
ABSL_FLAG(bool, latency_probe, false,
          "read the agent's --latency-probe stamps: per-sample delay and frame gaps");
ABSL_FLAG(int, rx_latency_ms, 200, "the receiving jitter buffer's latency");

namespace {

using Clock = std::chrono::steady_clock;

void Emit(const nlohmann::json& line) {
  std::printf("%s\n", line.dump().c_str());
  std::fflush(stdout);
}

// What the decoded frames of one sample window showed (--latency_probe).
class FrameWindow {
 public:
  void OnFrame(GstPad* pad, GstBuffer* buffer) {
    const uint32_t now = engine::LatencyClockMs();
    const auto at = Clock::now();
    std::optional<uint32_t> stamp;
    GstCaps* caps = gst_pad_get_current_caps(pad);
    GstVideoInfo info;
    const bool ok = caps && gst_video_info_from_caps(&info, caps);
    if (caps) gst_caps_unref(caps);
    GstVideoFrame frame;
    if (ok && gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ)) {
      stamp = engine::ReadLatencyStamp(
          static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
          GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0), GST_VIDEO_FRAME_WIDTH(&frame),
          GST_VIDEO_FRAME_HEIGHT(&frame));
      gst_video_frame_unmap(&frame);
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (last_frame_) max_gap_ = std::max(max_gap_, at - *last_frame_);
    last_frame_ = at;
    if (stamp) latency_ms_.push_back(static_cast<int32_t>(now - *stamp));
  }
  // Adds the window's figures to `line` and starts the next window. A window
  // without any frame counts its whole length (and more) as a gap.
  void Report(nlohmann::json& line) {
    std::lock_guard<std::mutex> lock(mu_);
    auto gap = max_gap_;
    if (last_frame_) gap = std::max(gap, Clock::now() - *last_frame_);
    line["max_gap_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(gap).count();
    line["stamped"] = latency_ms_.size();
    // Every frame's delay, in decode order: a phase's percentiles are taken
    // over its frames, not over its windows' percentiles.
    line["latencies_ms"] = latency_ms_;
    if (!latency_ms_.empty()) {
      std::sort(latency_ms_.begin(), latency_ms_.end());
      line["latency_p50_ms"] = latency_ms_[latency_ms_.size() / 2];
      line["latency_p95_ms"] = latency_ms_[(latency_ms_.size() * 95) / 100];
    }
    latency_ms_.clear();
    max_gap_ = {};
  }

 private:
  std::mutex mu_;
  std::vector<int32_t> latency_ms_;
  std::optional<Clock::time_point> last_frame_;
  Clock::duration max_gap_{};
};

int Fail(const std::string& message) {
  Emit({{"event", "error"}, {"message", message}});
  return 1;
}

// The viewer's own ICE servers from its flags (TURN credentials from a file).
engine::IceOptions IceFromFlags() {
  engine::IceOptions ice;
  engine::IceServer stun, turn;
  std::ifstream in(absl::GetFlag(FLAGS_turn_credentials_file));
  std::getline(in, turn.username);
  std::getline(in, turn.credential);
  for (const std::string& url : absl::GetFlag(FLAGS_ice_server)) {
    (url.rfind("stun:", 0) == 0 ? stun : turn).urls.push_back(url);
  }
  if (!stun.urls.empty()) ice.servers.push_back(stun);
  if (!turn.urls.empty()) ice.servers.push_back(turn);
  ice.transport_policy = absl::GetFlag(FLAGS_ice_transport_policy) == "relay"
                             ? engine::IceTransportPolicy::kRelay
                             : engine::IceTransportPolicy::kAll;
  return ice;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string director = absl::GetFlag(FLAGS_director);
  const auto colon = director.rfind(':');
  if (colon == std::string::npos || absl::GetFlag(FLAGS_feed).empty()) {
    return Fail("usage: test_viewer --director HOST:PORT --feed NAME");
  }
  const std::string host = director.substr(0, colon);
  const int port = std::stoi(director.substr(colon + 1));
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::seconds(absl::GetFlag(FLAGS_seconds));

  testing_support::DirectorViewer viewer;
  if (auto s = viewer.Connect(host, port, std::chrono::seconds(10)); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  testing_support::WebrtcReceiver receiver(absl::GetFlag(FLAGS_codec));
  if (absl::GetFlag(FLAGS_parse_only)) receiver.SetParseOnly();
  FrameWindow window;
  const bool probe = absl::GetFlag(FLAGS_latency_probe);
  if (probe) {
    receiver.SetFrameHook(
        [&window](GstPad* pad, GstBuffer* buffer) { window.OnFrame(pad, buffer); });
  }
  receiver.SetLatency(static_cast<unsigned>(absl::GetFlag(FLAGS_rx_latency_ms)));
  try {
    receiver.SetIceOptions(IceFromFlags());
  } catch (const std::exception& e) {
    return Fail(e.what());
  }
  if (absl::GetFlag(FLAGS_transport_cc_id) > 0) {
    receiver.SetTransportCc(absl::GetFlag(FLAGS_transport_cc_id));
  }
  if (absl::GetFlag(FLAGS_nack)) receiver.SetDoNack(true);
  const std::string offer = receiver.CreateOffer();
  const auto offered = Clock::now();
  auto answer = viewer.Play(absl::GetFlag(FLAGS_feed), offer, std::chrono::seconds(15));
  if (!answer.ok()) return Fail(std::string(answer.status().message()));
  std::string error;
  if (!receiver.SetAnswer(*answer, &error)) return Fail(error);
  Emit({{"event", "playing"},
        {"answer_ms",
         std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - offered).count()}});

  // Play -> first decoded frame (from the offer on): what a viewer waits.
  if (receiver.WaitFor(
          [](const auto& s) { return s.frames > 0; },
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::min<Clock::duration>(deadline - Clock::now(), std::chrono::seconds(15))))) {
    Emit({{"event", "first_frame"},
          {"play_ms",
           std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - offered).count()}});
  }
  const auto interval = std::chrono::milliseconds(absl::GetFlag(FLAGS_report_ms));
  for (auto next = Clock::now() + interval; next < deadline; next += interval) {
    std::this_thread::sleep_until(next);  // a reporting cadence, not a wait for state
    auto s = receiver.state();
    nlohmann::json line = {
        {"event", "sample"},
        {"t_ms", std::chrono::duration_cast<std::chrono::milliseconds>(s.at - started).count()},
        {"frames", s.frames},
        {"width", s.width},
        {"height", s.height},
        {"rtp_payload_bytes", s.rtp_payload_bytes}};
    if (probe) window.Report(line);
    Emit(line);
  }
  (void)viewer.Stop(absl::GetFlag(FLAGS_feed), std::chrono::seconds(5));
  Emit({{"event", "done"}});
  return 0;
}
