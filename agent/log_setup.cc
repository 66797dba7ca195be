#include "log_setup.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace agent {
namespace {

// %j: the message as a JSON string literal (quotes and escapes included);
// log lines carry SDP and error texts with quotes and newlines.
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string quoted =
        nlohmann::json(std::string(msg.payload.data(), msg.payload.size())).dump();
    dest.append(quoted.data(), quoted.data() + quoted.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

absl::Status SetUpLogging(const std::string& level_name, const std::string& format) {
  const auto level = spdlog::level::from_str(level_name);
  if (level == spdlog::level::off && level_name != "off") {
    return absl::InvalidArgumentError("unknown --log-level '" + level_name +
                                      "' (trace, debug, info, warn, error, critical, off)");
  }
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError("unknown --log-format '" + format + "' (text, json)");
  }
  // stderr, so stdout carries only the "ready" line scripts wait for.
  auto logger = spdlog::stderr_logger_mt("gstwebrtc-agent");
  spdlog::set_default_logger(logger);
  if (format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonMessageFlag>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t,"msg":%j})");
    spdlog::set_formatter(std::move(formatter));
  }
  spdlog::set_level(level);
  return absl::OkStatus();
}

}  // namespace agent
