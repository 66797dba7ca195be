#include "private_network.h"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace testing_support {
namespace {

bool g_inside = false;
std::string g_error = "EnterPrivateNetwork() was not called";

// Runs `ip` with `args` (no shell) and waits; "" or what failed.
std::string Ip(std::vector<const char*> args) {
  args.insert(args.begin(), "ip");
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) {
    execvp("ip", const_cast<char* const*>(args.data()));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const char* a : args) {
      if (a != nullptr) command += std::string(command.empty() ? "" : " ") + a;
    }
    return command + " failed (status " + std::to_string(status) + ")";
  }
  return "";
}

}  // namespace

std::string EnterPrivateNetwork() {
  if (g_inside) return "";
  if (unshare(CLONE_NEWNET) != 0) {
    g_error = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno) +
              " (needs CAP_SYS_ADMIN: run as root, as CI does)";
    return g_error;
  }
  const std::string cidr = std::string(kPrivateAddress) + "/24";
  for (const auto& args : std::vector<std::vector<const char*>>{
           {"link", "set", "lo", "up"},
           // A veth pair with both ends here: this kernel has no `dummy`.
           {"link", "add", kPrivateInterface, "type", "veth", "peer", "name", "gwa1"},
           {"addr", "add", cidr.c_str(), "dev", kPrivateInterface},
           {"link", "set", "gwa1", "up"},
           {"link", "set", kPrivateInterface, "up"}}) {
    if (std::string failed = Ip(args); !failed.empty()) {
      g_error = failed;
      return g_error;
    }
  }
  // IPv4 only: no link-local IPv6 candidates on the pair (per-namespace
  // setting; best effort, a kernel without IPv6 has no such file).
  if (FILE* f = std::fopen("/proc/sys/net/ipv6/conf/all/disable_ipv6", "w")) {
    std::fputs("1", f);
    std::fclose(f);
  }
  g_inside = true;
  g_error.clear();
  return "";
}

bool InPrivateNetwork() { return g_inside; }
const std::string& PrivateNetworkError() { return g_error; }

}  // namespace testing_support
