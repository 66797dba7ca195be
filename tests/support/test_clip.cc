#include "test_clip.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

namespace testing_support {

std::string WriteTestClip(const std::string& name) {
  gst_init(nullptr, nullptr);
  const std::string path = ::testing::TempDir() + "/" + name;
  GError* error = nullptr;
  GstElement* writer = gst_parse_launch(
      ("videotestsrc num-buffers=30 pattern=ball ! video/x-raw,width=320,height=240,"
       "framerate=30/1 ! vp8enc deadline=1 ! webmmux ! filesink location=" +
       path)
          .c_str(),
      &error);
  if (error) {
    ADD_FAILURE() << "cannot build the clip writer: " << error->message;
    g_error_free(error);
    if (writer) gst_object_unref(writer);
    return "";
  }
  gst_element_set_state(writer, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(writer);
  GstMessage* done = gst_bus_timed_pop_filtered(
      bus, 30 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  const bool written = done && GST_MESSAGE_TYPE(done) == GST_MESSAGE_EOS;
  EXPECT_TRUE(written) << "the clip writer " << (done ? "failed" : "timed out");
  if (done) gst_message_unref(done);
  gst_object_unref(bus);
  gst_element_set_state(writer, GST_STATE_NULL);
  gst_object_unref(writer);
  return written ? path : "";
}

}  // namespace testing_support
