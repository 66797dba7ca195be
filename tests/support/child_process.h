// A real child process for integration tests (local-director, the agent):
// spawned with stdout piped, ready once a line matches a pattern, stopped
// with SIGTERM (then SIGKILL) when the object goes away.
#pragma once

#include <signal.h>
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

  // Before Start: the child's stdout/stderr become a pseudo-terminal
  // (`columns` wide) instead of a pipe, so it behaves as on an operator's
  // terminal (isatty is true). Its output then ends lines with "\r\n".
  void UseTerminal(unsigned short columns = 120) { terminal_columns_ = columns; }
  // Starts `path args...` and waits until a stdout/stderr line matches
  // `ready`; returns the match's first group (e.g. a port), or "" on failure
  // with the collected output in `error`.
  std::string Start(const std::string& path, const std::vector<std::string>& args,
                    const std::string& ready, std::chrono::milliseconds timeout,
                    std::string* error);
  // Sends `signal` (SIGTERM by default; SIGKILL for a crash), waits for the
  // exit; returns the exit status (or -signal).
  int Stop(int signal = SIGTERM);
  // Waits until `needle` has appeared `count` times in the output; false if
  // the timeout passes first (the output so far stays readable).
  bool WaitForOutputCount(const std::string& needle, int count, std::chrono::milliseconds timeout);
  int CountInOutput(const std::string& needle);
  // For a child that ends by itself (a CLI run): waits up to `timeout` for it
  // to exit, without signalling it. Returns the exit status (or -signal), or
  // kStillRunning (the child is then stopped as usual by Stop/destructor).
  static constexpr int kStillRunning = -1000;
  int WaitForExit(std::chrono::milliseconds timeout);
  std::string Output();
  // The child's pid while it runs, else -1 (benchmarks read /proc/<pid>).
  pid_t pid() const { return pid_; }

 private:
  // Reader thread: appends output and looks for the ready pattern.
  void ReadOutput(int fd);

  // Opens the pair the child writes into: {read end, child's end}.
  bool OpenOutputChannel(int fds[2], std::string* error);

  pid_t pid_ = -1;
  unsigned short terminal_columns_ = 0;  // 0: a pipe
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
