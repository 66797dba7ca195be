// gwa_bench soak: thousands of play/stop cycles through the real director
// with a real viewer, with director and camera restarts, watching the
// agent's RSS, fds, threads and live GStreamer elements (issue 15).
#pragma once

#include <string>

#include "bench_util.h"

namespace bench {

int RunSoak(const Args& args, const std::string& bin_dir);

}  // namespace bench
