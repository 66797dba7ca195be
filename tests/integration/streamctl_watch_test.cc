// `streamctl watch` against a live agent: a table redrawn in place when its
// stdout is a terminal (a real pseudo-terminal here), plain lines when piped.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "agent_harness.h"
#include "child_process.h"

namespace {

using namespace std::chrono_literals;

class StreamctlWatchTest : public testing_support::AgentWithDirectorTest<> {
 protected:
  void SetUp() override {
    AgentWithDirectorTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* id : {"cam-a", "cam-b"}) {
      const grpc::Status status = harness_.StartStream(id, director_port_);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
  }

  // streamctl watch for `samples` samples; returns its whole output.
  std::string Watch(bool on_terminal, const std::vector<std::string>& extra, int samples) {
    std::vector<std::string> args = {"--server",
                                     "127.0.0.1:" + std::to_string(harness_.server().grpc_port()),
                                     "watch",
                                     "--interval_ms",
                                     "100",
                                     "--count",
                                     std::to_string(samples)};
    args.insert(args.end(), extra.begin(), extra.end());
    testing_support::ChildProcess run;
    if (on_terminal) run.UseTerminal(160);
    std::string error;
    // The first sample proves the call is up.
    EXPECT_FALSE(
        run.Start(std::string(GWA_BIN_DIR) + "/streamctl", args, "cam-", 30s, &error).empty())
        << error;
    EXPECT_EQ(run.WaitForExit(30s), 0) << run.Output();
    return run.Output();
  }

  static int Count(const std::string& text, const std::string& needle) {
    int n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  }
};

TEST_F(StreamctlWatchTest, TerminalGetsATableRedrawnInPlace) {
  const std::string out = Watch(true, {}, 8);
  EXPECT_NE(out.find("STREAM"), std::string::npos) << out;
  EXPECT_NE(out.find("SENT kbps"), std::string::npos) << out;
  // Title, header and one row per stream: from the second stream on, each
  // redraw moves the cursor up over the four lines drawn before (the first
  // sample of the second stream moves up three).
  EXPECT_GE(Count(out, "\x1b[4F"), 5) << out;
  // The last frame holds a row for each stream, the latest sample's state.
  const std::string last_frame = out.substr(out.rfind("\x1b[4F"));
  EXPECT_NE(last_frame.find("cam-a"), std::string::npos) << last_frame;
  EXPECT_NE(last_frame.find("cam-b"), std::string::npos) << last_frame;
  EXPECT_NE(last_frame.find("WAITING_FOR_VIEWER"), std::string::npos) << last_frame;
  EXPECT_NE(last_frame.find("samples 8"), std::string::npos) << last_frame;
}

TEST_F(StreamctlWatchTest, PipeGetsPlainLines) {
  const std::string out = Watch(false, {}, 6);
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << "no escape sequences when piped: " << out;
  EXPECT_EQ(Count(out, "\n"), 6) << out;
  EXPECT_EQ(Count(out, " cam-a ") + Count(out, " cam-b "), 6) << out;
  EXPECT_NE(out.find("WAITING_FOR_VIEWER"), std::string::npos) << out;
}

TEST_F(StreamctlWatchTest, DisplayFlagOverridesTheTerminalCheck) {
  const std::string lines_on_terminal = Watch(true, {"--display", "lines"}, 3);
  EXPECT_EQ(lines_on_terminal.find('\x1b'), std::string::npos) << lines_on_terminal;
  const std::string table_into_pipe = Watch(false, {"--display", "table"}, 3);
  EXPECT_NE(table_into_pipe.find("\x1b[K"), std::string::npos) << table_into_pipe;
  const std::string json_on_terminal = Watch(true, {"--json"}, 2);
  EXPECT_EQ(json_on_terminal.find('\x1b'), std::string::npos) << json_on_terminal;
  EXPECT_EQ(Count(json_on_terminal, "\"streamId\""), 2) << json_on_terminal;
}

TEST_F(StreamctlWatchTest, UnknownDisplayIsAUsageError) {
  testing_support::ChildProcess run;
  std::string error;
  ASSERT_FALSE(run.Start(std::string(GWA_BIN_DIR) + "/streamctl",
                         {"--server", "127.0.0.1:" + std::to_string(harness_.server().grpc_port()),
                          "watch", "--display", "fancy"},
                         "display", 30s, &error)
                   .empty())
      << error;
  EXPECT_EQ(run.WaitForExit(30s), 2) << run.Output();
  EXPECT_NE(run.Output().find("--display must be auto, table or lines"), std::string::npos)
      << run.Output();
}

}  // namespace
