#include "engine/uri_secret.h"

#include <gtest/gtest.h>

namespace engine {
namespace {

TEST(UriSecretTest, MasksThePasswordOnly) {
  EXPECT_EQ(RedactUri("rtsp://admin:hunter2@10.0.0.7:554/live"),
            "rtsp://admin:***@10.0.0.7:554/live");
  EXPECT_EQ(RedactUri("http://u:p%40ss@host/clip.mp4"), "http://u:***@host/clip.mp4");
  // No password, nothing to hide.
  EXPECT_EQ(RedactUri("rtsp://admin@cam/live"), "rtsp://admin@cam/live");
  EXPECT_EQ(RedactUri("rtsp://cam:554/live"), "rtsp://cam:554/live");
  EXPECT_EQ(RedactUri("test://ball"), "test://ball");
  // An '@' in the path is not userinfo.
  EXPECT_EQ(RedactUri("rtsp://cam:554/a@b"), "rtsp://cam:554/a@b");
  // A password holding ':' is masked whole.
  EXPECT_EQ(RedactUri("rtsp://u:a:b@cam/x"), "rtsp://u:***@cam/x");
}

TEST(UriSecretTest, ScrubsTheUriAndThePasswordFromMessages) {
  const std::string uri = "rtsp://admin:p%40ss-word@cam/live";
  EXPECT_EQ(ScrubUriPassword("cannot open " + uri + " (auth p@ss-word refused)", uri),
            "cannot open rtsp://admin:***@cam/live (auth *** refused)");
  EXPECT_EQ(ScrubUriPassword("nothing secret", "rtsp://cam/live"), "nothing secret");
}

// Found by the uri_secret fuzzer: the text quotes the URI and goes on with
// what makes its last bytes the password again ("@cr" + "et").
TEST(UriSecretTest, ScrubsAPasswordThatStraddlesTheEndOfAQuotedUri) {
  const std::string uri = "rtsp://u:cret@cr";
  EXPECT_EQ(ScrubUriPassword("see rtsp://u:cret@cret/live", uri), "see rtsp://u:***@***/live");
}

TEST(UriSecretTest, OverlappingOrAdjacentOccurrencesBecomeOneMask) {
  const std::string uri = "rtsp://u:abab@cam";
  EXPECT_EQ(ScrubUriPassword("x ababab y", uri), "x *** y");
  EXPECT_EQ(ScrubUriPassword("ababababz", uri), "***z");
  EXPECT_EQ(ScrubUriPassword("aba", uri), "aba");
}

}  // namespace
}  // namespace engine
