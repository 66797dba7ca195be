#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace testing_support {
namespace {

// Waits for `pid` to exit for at most `timeout`, without polling: a pidfd
// becomes readable when the process ends.
bool WaitExit(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    poll(&p, 1, static_cast<int>(timeout.count()));
    close(pidfd);
  }
  return waitpid(pid, status, WNOHANG) == pid;
}

}  // namespace

ChildProcess::~ChildProcess() { Stop(); }

std::string ChildProcess::Start(const std::string& path, const std::vector<std::string>& args,
                                const std::string& ready, std::chrono::milliseconds timeout,
                                std::string* error) {
  int pipe_fds[2];
  if (!OpenOutputChannel(pipe_fds, error)) return "";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  std::vector<char*> argv{const_cast<char*>(path.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // spawnp: a bare name ("ip") is looked up in PATH; a path is used as it is.
  int rc = posix_spawnp(&pid_, path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    pid_ = -1;
    *error = "cannot spawn " + path;
    return "";
  }

  {
    // A ChildProcess may be started again after Stop (a bench restarts its
    // director and camera): the last run's output must not count as ready.
    std::lock_guard<std::mutex> lock(mu_);
    ready_ = std::regex(ready);
    output_.clear();
    ready_found_ = false;
    output_closed_ = false;
    ready_group_.clear();
  }
  reader_ = std::thread([this, fd = pipe_fds[0]] { ReadOutput(fd); });
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return ready_found_ || output_closed_; });
  if (ready_found_) return ready_group_;
  *error = "not ready in time; output:\n" + output_;
  lock.unlock();
  Stop();
  return "";
}

bool ChildProcess::OpenOutputChannel(int fds[2], std::string* error) {
  if (terminal_columns_ == 0) {
    if (pipe2(fds, O_CLOEXEC) == 0) return true;
    *error = "pipe failed";
    return false;
  }
  const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    if (master >= 0) close(master);
    *error = "cannot open a pseudo-terminal";
    return false;
  }
  winsize size{};
  size.ws_row = 50;
  size.ws_col = terminal_columns_;
  ioctl(master, TIOCSWINSZ, &size);
  const int child_end = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (child_end < 0) {
    close(master);
    *error = "cannot open the pseudo-terminal's child end";
    return false;
  }
  fds[0] = master;
  fds[1] = child_end;
  return true;
}

// Ends when the child's end is closed everywhere: a pipe reads 0 bytes, a
// pseudo-terminal fails with EIO.
void ChildProcess::ReadOutput(int fd) {
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    std::lock_guard<std::mutex> lock(mu_);
    output_.append(buf, static_cast<size_t>(n));
    changed_.notify_all();
    std::smatch m;
    if (!ready_found_ && std::regex_search(output_, m, ready_)) {
      ready_group_ = m.size() > 1 ? m[1].str() : m[0].str();
      ready_found_ = true;
      changed_.notify_all();
    }
  }
  close(fd);
  std::lock_guard<std::mutex> lock(mu_);
  output_closed_ = true;
  changed_.notify_all();
}

int ChildProcess::Stop(int signal) {
  int status = 0;
  if (pid_ > 0) {
    kill(pid_, signal);
    if (!WaitExit(pid_, std::chrono::seconds(10), &status)) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (reader_.joinable()) reader_.join();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

namespace {
int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}
}  // namespace

bool ChildProcess::WaitForOutputCount(const std::string& needle, int count,
                                      std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return Occurrences(output_, needle) >= count; });
}

int ChildProcess::CountInOutput(const std::string& needle) {
  std::lock_guard<std::mutex> lock(mu_);
  return Occurrences(output_, needle);
}

int ChildProcess::WaitForExit(std::chrono::milliseconds timeout) {
  int status = 0;
  if (pid_ <= 0 || !WaitExit(pid_, timeout, &status)) return kStillRunning;
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::string ChildProcess::Output() {
  std::lock_guard<std::mutex> lock(mu_);
  return output_;
}

}  // namespace testing_support
