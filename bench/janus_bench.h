// gwa_bench janus: WHIP publish -> first frame decoded at a Janus VideoRoom
// subscriber (issue 14), against Debian's Janus behind simple-whip-server
// (tests/support/janus_server.h). See BENCHMARKS.md, "Audiences".
#pragma once

#include <string>

#include "bench_util.h"

namespace bench {

int RunJanus(const Args& args, const std::string& bin_dir);

}  // namespace bench
