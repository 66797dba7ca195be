// Cameras behind a NAT reach viewers behind another NAT: proven on emulated
// networks no loopback shortcut can satisfy. Five network namespaces:
//
//   edge (agent)  192.168.1.2 ── 192.168.1.1 nat_a 10.200.1.2 ── 10.200.1.1
//                                                                  pub (director, coturn)
//   viewer        192.168.2.2 ── 192.168.2.1 nat_b 10.200.2.2 ── 10.200.2.1
//
// pub is "the internet": it routes between the NATs' public sides and has no
// route to either private network, so edge and viewer reach each other only
// through the NATs. Like any host on the internet it has a default route: to
// a sixth namespace, sink, that drops everything. Without one, coturn's relay
// to a viewer's private host candidate fails with ENETUNREACH and coturn
// closes the whole relay socket, so no relayed pair can ever work (measured:
// the allocation's port was no longer bound a second after the first check). Full-cone-like NAT is
// plain MASQUERADE (Linux keeps the source port, so hole punching works); symmetric NAT is
// MASQUERADE
// --random-fully (a new random port per destination, so a STUN-learned
// address is useless to the peer). coturn (Debian's turnserver) serves STUN
// and TURN over UDP, TCP and TLS (a certificate from a test CA made here).
// The agent runs as an operator runs it (binary, config file, flags); the
// viewer is tests/helpers/test_viewer (a real receiving webrtcbin) in the
// viewer namespace; what the agent saw is read with streamctl inside edge.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "agent_process.h"
#include "child_process.h"
#include "chromium_viewer.h"
#include "metrics/process_collector.h"
#include "net_lab.h"
#include "test_pki.h"  // TempDir
#include "viewer_samples.h"

namespace {

using namespace std::chrono_literals;
using testing_support::ChildProcess;
using testing_support::NetLab;

constexpr char kPublic[] = "10.200.1.1";
constexpr char kStunUrl[] = "stun:10.200.1.1:3478";
constexpr char kTurnUdp[] = "turn:10.200.1.1:3478?transport=udp";
constexpr char kTurnTcp[] = "turn:10.200.1.1:3478?transport=tcp";
constexpr char kTurns[] = "turns:10.200.1.1:5349";
constexpr char kTurnUser[] = "cam1";
constexpr char kTurnCredential[] = "Tr0ub4dor-secret";
constexpr char kWrongCredential[] = "wr0ng-Secret-xyz";

std::string Bin(const std::string& name) { return std::string(GWA_BIN_DIR) + "/" + name; }

enum class Nat { kFullCone, kSymmetric };

class NatTraversalTest : public ::testing::Test {
 protected:
  void SetUp() override { GWA_REQUIRE_NET_LAB(); }

  // The five namespaces, both NATs of `kind`; `block_udp_at_edge` drops every
  // UDP packet the edge network sends out (only TCP leaves the site).
  void BuildNetwork(Nat kind, bool block_udp_at_edge = false) {
    lab_ = std::make_unique<NetLab>();
    edge_ = lab_->AddHost("edge");
    nat_a_ = lab_->AddHost("nat_a");
    pub_ = lab_->AddHost("pub");
    nat_b_ = lab_->AddHost("nat_b");
    viewer_ = lab_->AddHost("viewer");
    sink_ = lab_->AddHost("sink");
    lab_->Link(edge_, "eth0", "192.168.1.2/24", nat_a_, "lan", "192.168.1.1/24");
    lab_->Link(nat_a_, "wan", "10.200.1.2/24", pub_, "to_a", "10.200.1.1/24");
    lab_->Link(viewer_, "eth0", "192.168.2.2/24", nat_b_, "lan", "192.168.2.1/24");
    lab_->Link(nat_b_, "wan", "10.200.2.2/24", pub_, "to_b", "10.200.2.1/24");
    lab_->Link(pub_, "uplink", "10.255.0.1/30", sink_, "in", "10.255.0.2/30");
    lab_->Run(pub_, {"ip", "route", "add", "default", "via", "10.255.0.2"});
    lab_->Run(edge_, {"ip", "route", "add", "default", "via", "192.168.1.1"});
    lab_->Run(viewer_, {"ip", "route", "add", "default", "via", "192.168.2.1"});
    lab_->Run(nat_a_, {"ip", "route", "add", "default", "via", "10.200.1.1"});
    lab_->Run(nat_b_, {"ip", "route", "add", "default", "via", "10.200.2.1"});
    lab_->EnableForwarding(nat_a_);
    lab_->EnableForwarding(nat_b_);
    lab_->EnableForwarding(pub_);
    for (const std::string& nat : {nat_a_, nat_b_}) {
      std::vector<std::string> rule = {"iptables", "-t",  "nat", "-A",        "POSTROUTING",
                                       "-o",       "wan", "-j",  "MASQUERADE"};
      if (kind == Nat::kSymmetric) rule.push_back("--random-fully");
      lab_->Run(nat, rule);
    }
    // Full cone: anything arriving on the public side is let in to the inside
    // host (endpoint-independent filtering). Plain MASQUERADE is not enough:
    // when a peer's check arrives before the inside host sent to that peer,
    // conntrack records the inbound flow, and the inside host's own packet to
    // the peer then clashes with it, so the NAT moves it to another port and
    // the STUN-learned address goes stale (measured here: every check failed).
    if (kind == Nat::kFullCone) {
      lab_->Run(nat_a_, {"iptables", "-t", "nat", "-A", "PREROUTING", "-i", "wan", "-p", "udp",
                         "-j", "DNAT", "--to-destination", "192.168.1.2"});
      lab_->Run(nat_b_, {"iptables", "-t", "nat", "-A", "PREROUTING", "-i", "wan", "-p", "udp",
                         "-j", "DNAT", "--to-destination", "192.168.2.2"});
    }
    if (block_udp_at_edge) {
      lab_->Run(nat_a_, {"iptables", "-A", "FORWARD", "-i", "lan", "-p", "udp", "-j", "DROP"});
    }
    ASSERT_FALSE(HasFailure());
  }

  // coturn on pub: STUN and TURN on 3478 (UDP and TCP), long-term
  // credentials; with `tls`, TURN over TLS on 5349 too, its certificate
  // (for 10.200.1.1) issued by ca_.
  void StartTurnServer(bool tls = false) {
    std::vector<std::string> cmd = {"turnserver",
                                    "-n",
                                    "-v",
                                    "--listening-ip",
                                    kPublic,
                                    "--relay-ip",
                                    kPublic,
                                    "--listening-port",
                                    "3478",
                                    "--no-dtls",
                                    "--lt-cred-mech",
                                    "--user",
                                    std::string(kTurnUser) + ":" + kTurnCredential,
                                    "--realm",
                                    "gwa.test",
                                    "--no-cli",
                                    "--no-multicast-peers",
                                    "--log-file",
                                    "stdout",
                                    "--simple-log",
                                    "--db",
                                    files_.path() + "/turndb",
                                    "--pidfile",
                                    files_.path() + "/turn.pid",
                                    "--min-port",
                                    "49152",
                                    "--max-port",
                                    "49999"};
    if (tls) {
      auto ca = testing_support::TestCa::Create("gwa NAT lab CA");
      ASSERT_TRUE(ca.ok()) << ca.status();
      auto leaf = (*ca)->IssueServer("turn.gwa.test", std::string("IP:") + kPublic);
      ASSERT_TRUE(leaf.ok()) << leaf.status();
      ca_file_ = files_.Write("lab-ca.pem", (*ca)->cert_pem());
      cmd.insert(cmd.end(), {"--tls-listening-port", "5349", "--cert",
                             files_.Write("turn-cert.pem", leaf->cert_pem), "--pkey",
                             files_.Write("turn-key.pem", leaf->key_pem)});
    } else {
      cmd.push_back("--no-tls");
    }
    std::string error;
    ASSERT_NE(lab_->Start(turn_, pub_, cmd, "UDP listener opened on", 20s, &error), "")
        << "coturn: " << error;
  }

  void StartDirector(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> cmd = {Bin("local-director"), "--listen",
                                    std::string(kPublic) + ":8080"};
    cmd.insert(cmd.end(), extra.begin(), extra.end());
    std::string error;
    ASSERT_NE(lab_->Start(director_, pub_, cmd, "listening on", 20s, &error), "")
        << "director: " << error;
  }

  // The agent in edge with feed "cam" and `flags`; TURN credentials (when
  // given) through --turn-credentials-file, never argv.
  void StartAgent(const std::vector<std::string>& flags, const std::string& credential = "") {
    const std::string config = files_.Write("agent.yaml", R"(streams:
  - stream_id: cam
    source_uri: test://ball
    quality: {width: 320, height: 240, framerate: 15, bitrate_kbps: 300}
)");
    std::vector<std::string> cmd = {Bin("gstwebrtc-agent"),
                                    "--config",
                                    config,
                                    "--grpc-listen",
                                    "127.0.0.1:50051",
                                    "--director-url",
                                    std::string("ws://") + kPublic + ":8080/feeds/",
                                    "--stats-interval-ms",
                                    "250",
                                    "--ice-gather-timeout-ms",
                                    "5000",
                                    "--ice-connect-timeout-ms",
                                    "10000",
                                    "--latency-probe"};
    if (!credential.empty()) {
      cmd.push_back("--turn-credentials-file");
      cmd.push_back(files_.Write("turn-credentials", std::string(kTurnUser) + "\n" + credential));
    }
    cmd.insert(cmd.end(), flags.begin(), flags.end());
    std::string error;
    ASSERT_NE(lab_->Start(agent_, edge_, cmd, "registered with director", 30s, &error), "")
        << "agent: " << error;
    // Everything the stream reports, as JSON lines, from inside edge.
    ASSERT_NE(lab_->Start(watch_, edge_,
                          {Bin("streamctl"), "--server", "127.0.0.1:50051", "--json", "watch",
                           "cam", "--interval_ms", "250"},
                          "streamId", 20s, &error),
              "")
        << "streamctl watch: " << error;
  }

  // test_viewer in the viewer namespace; `flags` are its ICE settings.
  void StartViewer(const std::vector<std::string>& flags, int seconds = 20) {
    std::vector<std::string> cmd = {Bin("test_viewer"),
                                    "--director",
                                    std::string(kPublic) + ":8080",
                                    "--feed",
                                    "cam",
                                    "--seconds",
                                    std::to_string(seconds),
                                    "--report_ms",
                                    "250",
                                    "--latency_probe",
                                    "--rx_latency_ms",
                                    "0"};
    cmd.insert(cmd.end(), flags.begin(), flags.end());
    std::string error;
    ASSERT_NE(lab_->Start(viewer_process_, viewer_, cmd, R"("event":"playing")", 40s, &error), "")
        << "viewer: " << error;
  }

  // Debian's Chromium on the director's viewer page in the viewer namespace
  // (tests/browser/nat_viewer.mjs prints test_viewer's lines); the page takes
  // its ICE servers from the director.
  void StartChromiumViewer(int seconds = 25) {
    std::string error;
    ASSERT_NE(lab_->Start(viewer_process_, viewer_,
                          testing_support::ChromiumViewerCommand(std::string(kPublic) + ":8080",
                                                                 "cam", seconds, 250),
                          R"("event":"playing")", 60s, &error),
              "")
        << "chromium viewer: " << error;
  }

  // Waits until the agent's stats report a selected pair whose local
  // candidate is a relay over `relay_protocol`, and the viewer decodes
  // frames; returns the stats line that showed it.
  std::string ExpectPlaysViaRelay(const std::string& relay_protocol) {
    return ExpectPlays(R"("localType":"relay")", relay_protocol);
  }

  // The same for a selected pair whose stats line holds `pattern`.
  std::string ExpectPlays(const std::string& pattern, const std::string& relay_protocol) {
    EXPECT_TRUE(watch_.WaitForOutputCount(pattern, 1, 30s))
        << "no selected pair with " << pattern << "\nagent stats:\n"
        << Tail(watch_.Output()) << "\nagent:\n"
        << Tail(agent_.Output());
    if (!relay_protocol.empty()) {
      EXPECT_TRUE(
          watch_.WaitForOutputCount(R"("localRelayProtocol":")" + relay_protocol + R"(")", 1, 10s))
          << Tail(watch_.Output());
    }
    // Frames decoded on the far side of both NATs.
    // Samples count from the first decoded frame on (Chromium's viewer
    // reports from the page's load, before any frame).
    EXPECT_TRUE(viewer_process_.WaitForOutputCount(R"("event":"first_frame")", 1, 30s))
        << viewer_process_.Output();
    const int before = viewer_process_.CountInOutput(R"("event":"sample")");
    EXPECT_TRUE(viewer_process_.WaitForOutputCount(R"("event":"sample")", before + 8, 30s));
    auto samples = testing_support::ParseViewerSamples(viewer_process_.Output());
    EXPECT_TRUE(!samples.empty() && samples.back().frames >= 10) << viewer_process_.Output();
    PrintFigures();
    return LineWith(watch_.Output(), pattern);
  }

  // Figures for bench/nat.sh, not assertions, on one line: play -> first
  // frame, the agent's CPU over the next 3 s of samples (% of a core), and
  // capture -> decoded p50 over them (-1: the viewer reads no stamp).
  void PrintFigures() {
    const std::string sample = R"("event":"sample")";
    const int seen = viewer_process_.CountInOutput(sample);
    const double cpu_before = CpuSeconds(agent_.pid());
    const auto start = std::chrono::steady_clock::now();
    if (!viewer_process_.WaitForOutputCount(sample, seen + 12, 10s)) return;
    const double cpu_pct =
        100 * (CpuSeconds(agent_.pid()) - cpu_before) /
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::vector<int> latency;
    auto samples = testing_support::ParseViewerSamples(viewer_process_.Output());
    for (size_t i = static_cast<size_t>(seen); i < samples.size(); ++i) {
      if (samples[i].stamped > 0) latency.push_back(samples[i].latency_p50_ms);
    }
    std::sort(latency.begin(), latency.end());
    std::smatch play;
    const std::string out = viewer_process_.Output();
    const bool played = std::regex_search(out, play, std::regex(R"("play_ms":([0-9]+))"));
    std::cout << "[ figure ] play_to_first_frame_ms=" << (played ? play[1].str() : "-1")
              << " agent_cpu_pct=" << static_cast<int>(cpu_pct * 10 + 0.5) / 10.0
              << " capture_to_decoded_p50_ms="
              << (latency.empty() ? -1 : latency[latency.size() / 2]) << std::endl;
  }

  // utime + stime of `pid` so far, in seconds (-1 when unreadable).
  static double CpuSeconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto figures =
        metrics::ParseProcStat(text, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE), 0);
    return figures ? figures->cpu_seconds : -1;
  }

  // The last line of `text` holding `needle`.
  static std::string LineWith(const std::string& text, const std::string& needle) {
    size_t at = text.rfind(needle);
    if (at == std::string::npos) return "";
    size_t begin = text.rfind('\n', at);
    begin = begin == std::string::npos ? 0 : begin + 1;
    size_t end = text.find('\n', at);
    return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  }

  static std::string Tail(const std::string& text) {
    return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
  }

  // One `streamctl get cam` from inside edge: the Stream as JSON.
  std::string GetStream() {
    auto result =
        lab_->Try(edge_, {Bin("streamctl"), "--server", "127.0.0.1:50051", "--json", "get", "cam"});
    EXPECT_EQ(result.status, 0) << result.output;
    return result.output;
  }

  testing_support::TempDir files_;
  std::string ca_file_;  // the CA of coturn's TLS certificate
  std::unique_ptr<NetLab> lab_;
  std::string edge_, nat_a_, pub_, nat_b_, viewer_, sink_;
  // Declared after the lab's names, destroyed before the lab: every process
  // is stopped before its namespace goes.
  ChildProcess turn_, director_, agent_, watch_, viewer_process_;

  void TearDown() override {
    viewer_process_.Stop();
    watch_.Stop();
    agent_.Stop();
    director_.Stop();
    turn_.Stop();
    lab_.reset();
  }
};

// 1. Full-cone-like NATs: STUN alone is enough, and the pair is direct.
TEST_F(NatTraversalTest, FullConeNatsPlayWithStunOnlyOverADirectPair) {
  BuildNetwork(Nat::kFullCone);
  StartTurnServer();
  StartDirector();
  StartAgent({"--ice-server", kStunUrl});
  StartViewer({"--ice_server", kStunUrl});
  ASSERT_FALSE(HasFailure());
  // libnice pairs a server-reflexive candidate through its host base, so the
  // agent's side shows "host" with a reflexive remote; never a relay.
  const std::string line = ExpectPlays(R"("remoteAddress":"10.200.2.2")", "");
  EXPECT_TRUE(std::regex_search(line, std::regex(R"re("remoteType":"(srflx|prflx)")re"))) << line;
  EXPECT_EQ(watch_.Output().find(R"("localType":"relay")"), std::string::npos);
  // The viewer's private address is unreachable from edge: the remote is
  // nat_b's public side.
  EXPECT_NE(line.find(R"("remoteAddress":"10.200.2.2")"), std::string::npos) << line;
}

// 2a. Symmetric NATs, STUN only: no pair can work; the stream says so.
TEST_F(NatTraversalTest, SymmetricNatsWithStunOnlyFailWithAReason) {
  BuildNetwork(Nat::kSymmetric);
  StartTurnServer();
  StartDirector();
  StartAgent({"--ice-server", kStunUrl});
  StartViewer({"--ice_server", kStunUrl}, 25);
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(watch_.WaitForOutputCount(R"("state":"FAILED")", 1, 40s)) << Tail(watch_.Output());
  const std::string stream = GetStream();
  EXPECT_TRUE(std::regex_search(stream, std::regex(R"("lastError":"ICE [^"]*connect)"))) << stream;
  auto samples = testing_support::ParseViewerSamples(viewer_process_.Output());
  EXPECT_TRUE(samples.empty() || samples.back().frames == 0) << viewer_process_.Output();
}

// 2b. Symmetric NATs with TURN/UDP on the agent: the pair goes through the
// relay, and the operator sees it is a relay over UDP.
TEST_F(NatTraversalTest, SymmetricNatsPlayThroughTurnOverUdp) {
  BuildNetwork(Nat::kSymmetric);
  StartTurnServer();
  StartDirector();
  StartAgent({"--ice-server", kTurnUdp}, kTurnCredential);
  StartViewer({"--ice_server", kStunUrl});
  ASSERT_FALSE(HasFailure());
  const std::string line = ExpectPlaysViaRelay("udp");
  EXPECT_NE(line.find(R"("localAddress":"10.200.1.1")"), std::string::npos) << line;
  EXPECT_EQ(agent_.Output().find(kTurnCredential), std::string::npos) << Tail(agent_.Output());
}

// 2c. A site that lets no UDP out: TURN over TCP still plays.
TEST_F(NatTraversalTest, UdpBlockedAtTheEdgePlaysThroughTurnOverTcp) {
  BuildNetwork(Nat::kSymmetric, /*block_udp_at_edge=*/true);
  StartTurnServer();
  StartDirector();
  StartAgent({"--ice-server", kTurnTcp}, kTurnCredential);
  StartViewer({"--ice_server", kStunUrl});
  ASSERT_FALSE(HasFailure());
  ExpectPlaysViaRelay("tcp");
}

// 3. Relay policy: a direct pair exists (full cone, STUN works) and is still
// never used.
TEST_F(NatTraversalTest, RelayPolicyNeverUsesADirectPair) {
  BuildNetwork(Nat::kFullCone);
  StartTurnServer();
  StartDirector();
  StartAgent(
      {"--ice-server", kStunUrl, "--ice-server", kTurnUdp, "--ice-transport-policy", "relay"},
      kTurnCredential);
  StartViewer({"--ice_server", kStunUrl});
  ASSERT_FALSE(HasFailure());
  ExpectPlaysViaRelay("udp");
  for (const char* direct :
       {R"("localType":"host")", R"("localType":"srflx")", R"("localType":"prflx")"}) {
    EXPECT_EQ(watch_.Output().find(direct), std::string::npos) << direct << "\n"
                                                               << Tail(watch_.Output());
  }
}

// 5. The director's iceServers are used: the agent has no ICE server of its
// own, the director hands it a TURN server (with its credential) at
// registration, and the symmetric NATs are crossed through that relay.
TEST_F(NatTraversalTest, TurnServerFromTheDirectorIsUsed) {
  BuildNetwork(Nat::kSymmetric);
  StartTurnServer();
  const std::string credential_file = files_.Write("director-turn-credential", kTurnCredential);
  StartDirector({"--ice-server", std::string(kTurnUdp) + "," + kTurnUser + "," + credential_file});
  StartAgent({});
  StartViewer({"--ice_server", kStunUrl});
  ASSERT_FALSE(HasFailure());
  ExpectPlaysViaRelay("udp");
  EXPECT_EQ(agent_.Output().find(kTurnCredential), std::string::npos) << Tail(agent_.Output());
  EXPECT_EQ(GetStream().find(kTurnCredential), std::string::npos);
}

// 2f. A real browser behind the symmetric NAT: Chromium on the director's
// page, both sides given the director's TURN server; the pair crosses the
// relay (on whichever side ICE picked).
TEST_F(NatTraversalTest, ChromiumBehindASymmetricNatPlaysThroughTheDirectorsTurn) {
  BuildNetwork(Nat::kSymmetric);
  StartTurnServer();
  const std::string credential_file = files_.Write("director-turn-credential", kTurnCredential);
  StartDirector({"--ice-server", std::string(kTurnUdp) + "," + kTurnUser + "," + credential_file});
  StartAgent({});
  StartChromiumViewer();
  ASSERT_FALSE(HasFailure());
  const std::string line = ExpectPlays(R"(Type":"relay")", "");
  EXPECT_TRUE(std::regex_search(line, std::regex(R"re("remoteAddress":"10\.200\.)re"))) << line;
  auto samples = testing_support::ParseViewerSamples(viewer_process_.Output());
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(samples.back().width, 320) << viewer_process_.Output();
  EXPECT_EQ(samples.back().height, 240);
}

// 2d. A site that lets only TLS out: turns: plays, the relay reported as
// TLS; libnice's TURN goes through the agent's tunnel, which verified
// coturn's certificate against the lab's CA.
TEST_F(NatTraversalTest, TurnOverTlsPlaysWithTheLabCa) {
  BuildNetwork(Nat::kSymmetric, /*block_udp_at_edge=*/true);
  StartTurnServer(/*tls=*/true);
  StartDirector();
  StartAgent({"--ice-server", kTurns, "--ice-tls-ca-file", ca_file_}, kTurnCredential);
  StartViewer({"--ice_server", kStunUrl});
  ASSERT_FALSE(HasFailure());
  ExpectPlaysViaRelay("tls");
  EXPECT_TRUE(
      agent_.WaitForOutputCount("TURN over TLS to turns:10.200.1.1:5349 through 127.0.0.1:", 1, 1s))
      << Tail(agent_.Output());
  EXPECT_EQ(agent_.Output().find(kTurnCredential), std::string::npos) << Tail(agent_.Output());
}

// 2e. A turns: server whose certificate the agent cannot trust is never
// spoken to: no relay, the reason in the log and the stream's last_error.
TEST_F(NatTraversalTest, TurnOverTlsRefusesAnUntrustedCertificate) {
  BuildNetwork(Nat::kSymmetric, /*block_udp_at_edge=*/true);
  StartTurnServer(/*tls=*/true);
  StartDirector();
  auto other_ca = testing_support::TestCa::Create("not the lab's CA");
  ASSERT_TRUE(other_ca.ok());
  StartAgent({"--ice-server", kTurns, "--ice-tls-ca-file",
              files_.Write("other-ca.pem", (*other_ca)->cert_pem())},
             kTurnCredential);
  StartViewer({"--ice_server", kStunUrl}, 25);
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(watch_.WaitForOutputCount(R"("state":"FAILED")", 1, 40s)) << Tail(watch_.Output());
  EXPECT_TRUE(agent_.WaitForOutputCount("certificate verify failed", 1, 5s))
      << Tail(agent_.Output());
  const std::string stream = GetStream();
  EXPECT_NE(stream.find("no relayed candidate from TURN server"), std::string::npos) << stream;
  EXPECT_NE(stream.find(kTurns), std::string::npos) << stream;
  EXPECT_EQ(watch_.Output().find(R"("localType":"relay")"), std::string::npos);
}

// 4. Wrong TURN credentials: a clear error naming the server (never the
// credential), no crash, the feed still registered.
TEST_F(NatTraversalTest, WrongTurnCredentialsNameTheServerNotTheSecret) {
  BuildNetwork(Nat::kSymmetric);
  StartTurnServer();
  StartDirector();
  StartAgent({"--ice-server", kTurnUdp}, kWrongCredential);
  StartViewer({"--ice_server", kStunUrl}, 25);
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(watch_.WaitForOutputCount(R"("state":"FAILED")", 1, 40s)) << Tail(watch_.Output());
  const std::string stream = GetStream();
  // (Protobuf's JSON may escape the quotes around the URL: looked for apart.)
  EXPECT_NE(stream.find("no relayed candidate from TURN server"), std::string::npos) << stream;
  EXPECT_NE(stream.find("10.200.1.1:3478"), std::string::npos) << stream;
  EXPECT_NE(stream.find("LINK_REGISTERED"), std::string::npos) << stream;
  EXPECT_EQ(stream.find(kWrongCredential), std::string::npos) << stream;
  EXPECT_EQ(agent_.Output().find(kWrongCredential), std::string::npos) << Tail(agent_.Output());
  EXPECT_EQ(agent_.CountInOutput("gstwebrtc-agent ready"), 1) << "still the same process";
}

}  // namespace
