// libnice's UPnP-IGD support is on by default in every webrtcbin: each
// session multicasts SSDP M-SEARCH to 239.255.255.250:1900 out of the host's
// interfaces and would ask the site's router to open ports. The project turns
// it off in every webrtcbin it makes (engine/ice_options.h). Proven here two
// ways: the setting read back from the live NiceAgent of an agent session and
// of a test peer, and a packet capture of a whole play (director, agent,
// viewer as processes) in a network namespace of its own, where no packet
// may leave. The capture's positive control is the operator's opt-in
// (--ice-upnp), which must show SSDP in the same capture.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "child_process.h"
#include "engine/engine.h"
#include "engine/feed.h"
#include "engine/ice_options.h"
#include "feed_driver.h"
#include "feed_state_log.h"
#include "net_lab.h"
#include "temp_file.h"
#include "viewer_samples.h"
#include "webrtc_receiver.h"

namespace {

using namespace std::chrono_literals;
using testing_support::ChildProcess;
using testing_support::NetLab;

TEST(UpnpOff, LiveNiceAgentsOfAnAgentSessionAndOfTheTestPeerSayOff) {
  engine::Engine engine;
  testing_support::FeedStateLog log;
  engine::FeedConfig config;
  config.source_uri = "test://ball";
  config.quality.width = 320;
  config.quality.height = 240;
  auto feed = engine::Feed::Create(&engine, config, &log);
  ASSERT_TRUE(feed.ok()) << feed.status();
  testing_support::WebrtcReceiver receiver("H264");
  ASSERT_TRUE(testing_support::PlayInto(**feed, receiver).ok());
  ASSERT_TRUE(receiver.WaitFor([](auto& s) { return s.frames >= 5; }, 15s));

  auto session = (*feed)->SessionSettingsNow();
  ASSERT_TRUE(session.has_value());
  EXPECT_FALSE(session->ice.upnp) << "the agent's viewer session has UPnP on";
  EXPECT_FALSE(session->ice.tcp);
  auto peer = engine::ReadIceAgentSettings(receiver.webrtcbin());
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_FALSE(peer->upnp) << "the test peer has UPnP on";
  (*feed)->Shutdown();
}

// The read-back is not a constant: a webrtcbin that never gathers (so never
// sends anything) reports what was set, and libnice's own default is on.
TEST(UpnpOff, ReadBackFollowsTheSettingAndLibniceDefaultsToOn) {
  gst_init(nullptr, nullptr);
  GstElement* webrtc = gst_element_factory_make("webrtcbin", nullptr);
  ASSERT_NE(webrtc, nullptr);
  gst_object_ref_sink(webrtc);
  auto untouched = engine::ReadIceAgentSettings(webrtc);
  ASSERT_TRUE(untouched.ok()) << untouched.status();
  EXPECT_TRUE(untouched->upnp) << "libnice's default changed: this test's premise is gone";
  engine::IceOptions on;
  on.upnp = true;
  on.tcp = true;
  ASSERT_TRUE(engine::ApplyIceOptions(webrtc, on).ok());
  EXPECT_TRUE(engine::ReadIceAgentSettings(webrtc)->upnp);
  EXPECT_TRUE(engine::ReadIceAgentSettings(webrtc)->tcp);
  ASSERT_TRUE(engine::ApplyIceOptions(webrtc, engine::IceOptions{}).ok());
  EXPECT_FALSE(engine::ReadIceAgentSettings(webrtc)->upnp);
  EXPECT_FALSE(engine::ReadIceAgentSettings(webrtc)->tcp);
  gst_object_unref(webrtc);
}

// One host namespace ("solo": director, agent and viewer, all on it) cabled
// to a second one ("wire") that only captures. solo's default route points
// at the cable, so anything the processes send beyond their own host
// (multicast included) crosses it and is captured.
class UpnpCaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GWA_REQUIRE_NET_LAB();
    lab_ = std::make_unique<NetLab>();
    solo_ = lab_->AddHost("solo");
    wire_ = lab_->AddHost("wire");
    lab_->Link(solo_, "eth0", "10.77.0.1/24", wire_, "eth0", "10.77.0.2/24");
    lab_->Run(solo_, {"ip", "route", "add", "default", "via", "10.77.0.2"});
    ASSERT_FALSE(HasFailure());
  }

  // Plays feed "cam" for a few seconds with the agent's extra `agent_args`
  // while capturing on the cable; returns every packet solo sent, one
  // tcpdump line each.
  std::string PlayAndCapture(const std::vector<std::string>& agent_args) {
    const std::string pcap = "/tmp/gwa-upnp-" + std::to_string(getpid()) + ".pcap";
    std::string error;
    ChildProcess capture;
    if (lab_->Start(capture, wire_, {"tcpdump", "-i", "eth0", "-n", "-U", "-w", pcap},
                    "listening on", 20s, &error)
            .empty()) {
      ADD_FAILURE() << "tcpdump: " << error;
      return "";
    }
    ChildProcess director;
    if (lab_->Start(director, solo_,
                    {std::string(GWA_BIN_DIR) + "/local-director", "--listen", "127.0.0.1:8080"},
                    "listening on", 20s, &error)
            .empty()) {
      ADD_FAILURE() << "director: " << error;
      return "";
    }
    testing_support::TempFile config(R"(streams:
  - stream_id: cam
    source_uri: test://ball
    quality: {width: 320, height: 240, framerate: 15, bitrate_kbps: 300}
)");
    std::vector<std::string> agent_cmd = {std::string(GWA_BIN_DIR) + "/gstwebrtc-agent", "--config",
                                          config.path(), "--director-url",
                                          "ws://127.0.0.1:8080/feeds/"};
    agent_cmd.insert(agent_cmd.end(), agent_args.begin(), agent_args.end());
    ChildProcess agent;
    if (lab_->Start(agent, solo_, agent_cmd, "registered with director", 30s, &error).empty()) {
      ADD_FAILURE() << "agent: " << error;
      return "";
    }
    ChildProcess viewer;
    if (lab_->Start(viewer, solo_,
                    {std::string(GWA_BIN_DIR) + "/test_viewer", "--director", "127.0.0.1:8080",
                     "--feed", "cam", "--seconds", "6"},
                    R"("event":"playing")", 30s, &error)
            .empty()) {
      ADD_FAILURE() << "viewer: " << error;
      return "";
    }
    EXPECT_EQ(viewer.WaitForExit(30s), 0) << viewer.Output();
    // Frames arrived: the capture covers a real play, not a failed one.
    auto samples = testing_support::ParseViewerSamples(viewer.Output());
    EXPECT_TRUE(!samples.empty() && samples.back().frames >= 10) << viewer.Output();
    agent.Stop();
    director.Stop();
    capture.Stop(SIGINT);  // tcpdump flushes its file on SIGINT
    auto read = testing_support::RunCommand({"tcpdump", "-r", pcap, "-n", "src", "10.77.0.1"});
    unlink(pcap.c_str());
    EXPECT_EQ(read.status, 0) << read.output;
    // tcpdump -r prints "reading from file ..." before the packets.
    std::string packets;
    for (size_t at = 0; at < read.output.size();) {
      size_t end = read.output.find('\n', at);
      std::string line = read.output.substr(at, end - at);
      if (!line.empty() && line.rfind("reading from file", 0) != 0) packets += line + "\n";
      at = end == std::string::npos ? read.output.size() : end + 1;
    }
    return packets;
  }

  std::unique_ptr<NetLab> lab_;
  std::string solo_, wire_;
};

TEST_F(UpnpCaptureTest, NoPacketLeavesTheHostDuringAPlay) {
  std::string left = PlayAndCapture({});
  EXPECT_EQ(left, "") << "packets left the viewer's and agent's host";
  EXPECT_EQ(left.find("239.255.255.250"), std::string::npos);
}

// The positive control: the capture does see SSDP when the operator turns
// UPnP on for the agent (the test peer keeps it off).
TEST_F(UpnpCaptureTest, CaptureSeesSsdpWhenTheOperatorOptsIn) {
  std::string left = PlayAndCapture({"--ice-upnp"});
  EXPECT_NE(left.find("239.255.255.250.1900"), std::string::npos)
      << "no SSDP M-SEARCH captured with --ice-upnp; captured:\n"
      << left;
}

}  // namespace
