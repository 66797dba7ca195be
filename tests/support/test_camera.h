// The stand-in RTSP camera (tests/helpers/test_rtsp_server.cc) as a child
// process: rtsp://127.0.0.1:PORT/cam.
#pragma once

#include <string>
#include <vector>

#include "child_process.h"

namespace testing_support {

// Starts the camera in `camera` on `port` ("0": any free port) with extra
// flags (--tcp-only, --codec h265, --size WxH). Returns the bound port, or ""
// after recording a test failure with the reason.
std::string StartTestCamera(ChildProcess* camera, const std::string& port,
                            const std::vector<std::string>& flags = {});

}  // namespace testing_support
