#include "engine/source_check.h"

#include <fcntl.h>
#include <gst/gst.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/gst_ptr.h"
#include "engine/source_options.h"

namespace engine {
namespace {

absl::Status CheckFile(const std::string& uri) {
  GError* error = nullptr;
  GCharPtr path(g_filename_from_uri(uri.c_str(), nullptr, &error));
  if (!path) {
    std::string text = error ? error->message : "not a local file URI";
    g_clear_error(&error);
    return absl::InvalidArgumentError(
        absl::StrCat("source_uri '", Abbreviate(uri), "': ", Abbreviate(text)));
  }
  int fd = open(path.get(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "source_uri: cannot read ", Abbreviate(path.get()), ": ", std::strerror(errno)));
  }
  struct stat info {};
  bool directory = fstat(fd, &info) == 0 && S_ISDIR(info.st_mode);
  close(fd);
  if (directory) {
    return absl::FailedPreconditionError(
        absl::StrCat("source_uri: ", Abbreviate(path.get()), " is a directory, not a file"));
  }
  return absl::OkStatus();
}

// The error v4l2src posted, with the OS reason its debug text carries
// ("system error: No such file or directory").
std::string PoppedError(GstBus* bus) {
  GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  if (!message) return "v4l2src could not open the device";
  GError* error = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_error(message, &error, &debug);
  std::string text = error ? error->message : "v4l2src could not open the device";
  if (debug) {
    if (const char* os = std::strstr(debug, "system error: "))
      absl::StrAppend(&text, " (", os, ")");
  }
  g_clear_error(&error);
  g_free(debug);
  gst_message_unref(message);
  return text;
}

absl::Status CheckV4l2(const std::string& uri) {
  const std::string device = uri.substr(7);
  ElementPtr source(gst_element_factory_make("v4l2src", nullptr));
  if (!source) {
    return absl::FailedPreconditionError(
        "source_uri: v4l2 sources need GStreamer's v4l2src (gstreamer1.0-plugins-good)");
  }
  gst_object_ref_sink(source.get());
  g_object_set(source.get(), "device", device.c_str(), nullptr);
  // A lone element has no bus: give it one to read the error from.
  BusPtr bus(gst_bus_new());
  gst_element_set_bus(source.get(), bus.get());
  // NULL -> READY opens the device and queries its capabilities.
  GstStateChangeReturn ret = gst_element_set_state(source.get(), GST_STATE_READY);
  std::string error = ret == GST_STATE_CHANGE_FAILURE ? PoppedError(bus.get()) : "";
  gst_element_set_state(source.get(), GST_STATE_NULL);
  gst_element_set_bus(source.get(), nullptr);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    return absl::FailedPreconditionError(absl::StrCat(
        "source_uri: cannot open v4l2 device ", Abbreviate(device), ": ", Abbreviate(error, 400)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckSourceAvailable(const std::string& uri) {
  if (absl::StartsWith(uri, "file://")) return CheckFile(uri);
  if (absl::StartsWith(uri, "v4l2://")) return CheckV4l2(uri);
  return absl::OkStatus();
}

}  // namespace engine
