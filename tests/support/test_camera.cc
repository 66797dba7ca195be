#include "test_camera.h"

#include <gtest/gtest.h>

namespace testing_support {

std::string StartTestCamera(ChildProcess* camera, const std::string& port,
                            const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"--port", port};
  args.insert(args.end(), flags.begin(), flags.end());
  std::string error;
  std::string bound = camera->Start(std::string(GWA_BIN_DIR) + "/test_rtsp_server", args,
                                    R"(RTSP on port (\d+))", std::chrono::seconds(10), &error);
  EXPECT_FALSE(bound.empty()) << "test camera: " << error;
  return bound;
}

}  // namespace testing_support
