// A real child process for integration tests (local-director, the agent):
// spawned with stdout piped, ready once a line matches a pattern, stopped
// with SIGTERM (then SIGKILL) when the object goes away.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace testing_support {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts `path args...` and waits until a stdout/stderr line matches
  // `ready`; returns the match's first group (e.g. a port), or "" on failure
  // with the collected output in `error`.
  std::string Start(const std::string& path, const std::vector<std::string>& args,
                    const std::string& ready, std::chrono::milliseconds timeout,
                    std::string* error);
  // SIGTERM, wait for exit; returns the exit status (or -signal).
  int Stop();
  std::string Output();
  pid_t pid() const { return pid_; }  // -1 when not running

 private:
  // Reader thread: appends output and looks for the ready pattern.
  void ReadOutput(int fd);

  pid_t pid_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::string output_;
  std::regex ready_;
  bool ready_found_ = false;
  bool output_closed_ = false;
  std::string ready_group_;
};

}  // namespace testing_support
