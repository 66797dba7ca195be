// gwa_bench longrun: one stream watched continuously for hours while
// WatchStats subscribers come and go, watching the agent's RSS, fds,
// threads and live GStreamer elements, the viewer's frame gaps and the
// subscribers' sample gaps (issue 15, "no growth, no stall").
#pragma once

#include <string>

#include "bench_util.h"

namespace bench {

int RunLongrun(const Args& args, const std::string& bin_dir);

}  // namespace bench
