// Emulated networks for tests that must cross a real network path rather
// than loopback: Linux network namespaces as hosts and routers, veth pairs as
// cables, iptables for NAT and firewalls, tc for rate limits (this kernel has
// tbf/htb and iptables `statistic`, no netem).
//
// Every namespace a lab makes is named gwa<pid>-<name>, so concurrent test
// runs never collide, and removed (its processes killed first) when the lab
// goes away, also when the test failed. Namespaces left by a test process
// that crashed are removed by the next lab made on the machine. Traffic
// stays inside: the lab never links a namespace to the host's own stack.
//
// Needs CAP_NET_ADMIN. Tests call GWA_REQUIRE_NET_LAB() first: without the
// capability the test is skipped with the reason, and scripts/test.sh fails
// the run when any test was skipped, so a skip never passes for a success.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "child_process.h"

namespace testing_support {

// A command's exit status (or -signal) and everything it printed.
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv);

class NetLab {
 public:
  // Empty when this process may build labs; else why not.
  static std::string Unavailable();

  NetLab();
  ~NetLab();  // kills every process in the lab's namespaces, deletes them
  NetLab(const NetLab&) = delete;
  NetLab& operator=(const NetLab&) = delete;

  // A namespace with its loopback up and IPv6 off (so the kernel's own
  // router solicitations and MLD reports never mix with what a test counts).
  // Returns the full namespace name. Fails the test on error.
  std::string AddHost(const std::string& name);
  // A veth cable between two hosts: `a_if` in `a` with `a_cidr`
  // ("10.1.0.1/24"), `b_if` in `b` with `b_cidr`; both ends up.
  void Link(const std::string& a, const std::string& a_if, const std::string& a_cidr,
            const std::string& b, const std::string& b_if, const std::string& b_cidr);
  // Runs `ip netns exec <ns> argv...` and fails the test unless it exits 0.
  void Run(const std::string& ns, const std::vector<std::string>& argv);
  // The same, returning the result instead of judging it.
  CommandResult Try(const std::string& ns, const std::vector<std::string>& argv);
  // Turns `ns` into a router (IPv4 forwarding).
  void EnableForwarding(const std::string& ns);
  // argv prefixed so that it runs inside `ns`.
  std::vector<std::string> InHost(const std::string& ns,
                                  const std::vector<std::string>& argv) const;
  // ChildProcess::Start of `argv` inside `ns` (same ready/timeout/error).
  std::string Start(ChildProcess& child, const std::string& ns,
                    const std::vector<std::string>& argv, const std::string& ready,
                    std::chrono::milliseconds timeout, std::string* error) const;

  const std::vector<std::string>& namespaces() const { return namespaces_; }

 private:
  std::string prefix_;
  std::vector<std::string> namespaces_;
};

// Skips the current test (loudly: the reason is printed and the run counted
// as skipped, which scripts/test.sh turns into a failure) without the
// capability to build network namespaces.
#define GWA_REQUIRE_NET_LAB()                                                                 \
  do {                                                                                        \
    const std::string gwa_why = ::testing_support::NetLab::Unavailable();                     \
    if (!gwa_why.empty()) GTEST_SKIP() << "SKIPPED: needs CAP_NET_ADMIN (" << gwa_why << ")"; \
  } while (0)

}  // namespace testing_support
