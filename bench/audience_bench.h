// gwa_bench audience: one feed watched by 1, 2, 4, 8 viewers, with an encoder
// per viewer and with one shared encoder (issue 14). See BENCHMARKS.md.
#pragma once

#include <string>

#include "bench_util.h"

namespace bench {

int RunAudience(const Args& args, const std::string& bin_dir);

}  // namespace bench
