// Debian's libspdlog is not instrumented. It builds its logger registry on
// first use behind a function-local static whose fast path (an acquire load
// inside the library) TSan cannot see, so a first log call made by two
// threads at once is reported as a race on the default logger. The agent
// sets up logging in main() before any thread (agent/log_setup.cc); this does
// the same for the TSan tests, at static initialisation on the main thread.
#include "spdlog/spdlog.h"

namespace {
[[maybe_unused]] const bool kLoggerReady = (spdlog::default_logger_raw() != nullptr);
}  // namespace
