// A director the test scripts frame by frame: accepts agent links on
// /feeds/<name>, answers `register`, and lets the test send anything (valid
// or hostile) and wait for what the agent answers. One asio thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace testing_support {

class ScriptedDirector {
 public:
  ScriptedDirector();
  ~ScriptedDirector();

  // Listens on 127.0.0.1:0; returns the port.
  int Listen();
  // Sends one text frame to the most recent agent connection.
  void Send(const std::string& text);
  // Waits for an agent frame (the `payload` of a `message` envelope, or the
  // frame itself) satisfying `match`; frames seen before are searched too.
  std::optional<nlohmann::json> WaitFor(const std::function<bool(const nlohmann::json&)>& match,
                                        std::chrono::milliseconds timeout);
  // Waits for the answer (`<type>` payload) to the request with `uuid`.
  std::optional<nlohmann::json> WaitForResponse(const std::string& type, const std::string& uuid,
                                                std::chrono::milliseconds timeout);
  // Agent `register` frames received so far (one per connection).
  int registrations();
  bool WaitForRegistrations(int count, std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace testing_support
