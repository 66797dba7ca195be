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
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "director_viewer.h"
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

namespace {

using Clock = std::chrono::steady_clock;

void Emit(const nlohmann::json& line) {
  std::printf("%s\n", line.dump().c_str());
  std::fflush(stdout);
}

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
  try {
    receiver.SetIceOptions(IceFromFlags());
  } catch (const std::exception& e) {
    return Fail(e.what());
  }
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
    Emit({{"event", "sample"},
          {"t_ms", std::chrono::duration_cast<std::chrono::milliseconds>(s.at - started).count()},
          {"frames", s.frames},
          {"width", s.width},
          {"height", s.height},
          {"rtp_payload_bytes", s.rtp_payload_bytes}});
  }
  (void)viewer.Stop(absl::GetFlag(FLAGS_feed), std::chrono::seconds(5));
  Emit({{"event", "done"}});
  return 0;
}
