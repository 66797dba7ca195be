// Debian's Chromium on the local-director's viewer page as a child process
// (tests/browser/nat_viewer.mjs), printing test_viewer's JSON lines, so a
// network test runs a real browser inside a lab namespace as it runs
// test_viewer (NAT lab, bottleneck lab).
#pragma once

#include <string>
#include <vector>

namespace testing_support {

// The command line: the page at http://`director_host_port`/ playing `feed`
// for `seconds`, a sample line every `report_ms`. With `latency` (an agent
// running --latency-probe) the samples carry each painted frame's capture ->
// screen delay ("latencies_ms", as test_viewer's capture -> decoded).
std::vector<std::string> ChromiumViewerCommand(const std::string& director_host_port,
                                               const std::string& feed, int seconds, int report_ms,
                                               bool latency = false);

}  // namespace testing_support
