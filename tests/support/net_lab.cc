#include "net_lab.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "absl/strings/str_join.h"

extern char** environ;

namespace testing_support {
namespace {

constexpr char kPrefix[] = "gwa";

// Every namespace of a lab dies with it; a lab of a process that crashed is
// cleared by the next one: "gwa<pid>-..." with no such pid alive.
void DeleteNamespace(const std::string& ns) {
  CommandResult pids = RunCommand({"ip", "netns", "pids", ns});
  std::istringstream in(pids.output);
  for (pid_t pid; in >> pid;) kill(pid, SIGKILL);
  RunCommand({"ip", "netns", "del", ns});
}

void DeleteStaleNamespaces() {
  DIR* dir = opendir("/run/netns");
  if (!dir) return;
  std::vector<std::string> stale;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name.rfind(kPrefix, 0) != 0) continue;
    char* end = nullptr;
    long pid = std::strtol(name.c_str() + sizeof kPrefix - 1, &end, 10);
    if (pid <= 0 || !end || *end != '-') continue;
    if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) stale.push_back(name);
  }
  closedir(dir);
  for (const auto& ns : stale) DeleteNamespace(ns);
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv) {
  CommandResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    result.output = "cannot run " + argv[0];
    return result;
  }
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) {
    result.output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return result;
}

std::string NetLab::Unavailable() {
  static const std::string why = [] {
    const std::string probe = kPrefix + std::to_string(getpid()) + "-probe";
    CommandResult made = RunCommand({"ip", "netns", "add", probe});
    if (made.status != 0) return "ip netns add failed: " + made.output;
    RunCommand({"ip", "netns", "del", probe});
    return std::string();
  }();
  return why;
}

NetLab::NetLab() : prefix_(kPrefix + std::to_string(getpid()) + "-") { DeleteStaleNamespaces(); }

NetLab::~NetLab() {
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) DeleteNamespace(*it);
}

std::string NetLab::AddHost(const std::string& name) {
  const std::string ns = prefix_ + name;
  CommandResult made = RunCommand({"ip", "netns", "add", ns});
  EXPECT_EQ(made.status, 0) << "ip netns add " << ns << ": " << made.output;
  if (made.status == 0) namespaces_.push_back(ns);
  Run(ns, {"ip", "link", "set", "lo", "up"});
  // Before any cable exists, so every interface is born without IPv6.
  Run(ns, {"sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
           "net.ipv6.conf.default.disable_ipv6=1"});
  return ns;
}

void NetLab::Link(const std::string& a, const std::string& a_if, const std::string& a_cidr,
                  const std::string& b, const std::string& b_if, const std::string& b_cidr) {
  CommandResult made = RunCommand(
      {"ip", "-n", a, "link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", b});
  EXPECT_EQ(made.status, 0) << "veth " << a << ":" << a_if << " <-> " << b << ":" << b_if << ": "
                            << made.output;
  Run(a, {"ip", "addr", "add", a_cidr, "dev", a_if});
  Run(b, {"ip", "addr", "add", b_cidr, "dev", b_if});
  Run(a, {"ip", "link", "set", a_if, "up"});
  Run(b, {"ip", "link", "set", b_if, "up"});
}

CommandResult NetLab::Try(const std::string& ns, const std::vector<std::string>& argv) {
  return RunCommand(InHost(ns, argv));
}

void NetLab::Run(const std::string& ns, const std::vector<std::string>& argv) {
  CommandResult result = Try(ns, argv);
  EXPECT_EQ(result.status, 0) << "in " << ns << ": " << absl::StrJoin(argv, " ") << "\n"
                              << result.output;
}

void NetLab::EnableForwarding(const std::string& ns) {
  Run(ns, {"sysctl", "-qw", "net.ipv4.ip_forward=1"});
}

std::string NetLab::Start(ChildProcess& child, const std::string& ns,
                          const std::vector<std::string>& argv, const std::string& ready,
                          std::chrono::milliseconds timeout, std::string* error) const {
  std::vector<std::string> full = InHost(ns, argv);
  return child.Start(full[0], {full.begin() + 1, full.end()}, ready, timeout, error);
}

std::vector<std::string> NetLab::InHost(const std::string& ns,
                                        const std::vector<std::string>& argv) const {
  std::vector<std::string> out{"ip", "netns", "exec", ns};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace testing_support
