#include "engine/peer_rtcp_watch.h"

namespace engine {
namespace {

using Stamp = std::shared_ptr<std::atomic<int64_t>>;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::Status PeerRtcpWatch::Attach(GstElement* webrtcbin) {
  // webrtcbin names its internal rtpbin "rtpbin" (gstwebrtcbin.c).
  GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(webrtcbin), "rtpbin");
  if (rtpbin == nullptr) return absl::InternalError("webrtcbin has no rtpbin");
  g_signal_connect_data(
      rtpbin, "on-ssrc-active", G_CALLBACK(+[](GstElement*, guint, guint, gpointer data) {
        static_cast<Stamp*>(data)->get()->store(NowNs(), std::memory_order_relaxed);
      }),
      new Stamp(last_ns_), [](gpointer data, GClosure*) { delete static_cast<Stamp*>(data); },
      GConnectFlags(0));
  gst_object_unref(rtpbin);
  return absl::OkStatus();
}

std::optional<std::chrono::steady_clock::time_point> PeerRtcpWatch::last() const {
  const int64_t ns = last_ns_->load(std::memory_order_relaxed);
  if (ns == 0) return std::nullopt;
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace engine
