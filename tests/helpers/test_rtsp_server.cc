// A stand-in RTSP camera for the integration tests: serves a live H264 test
// pattern at rtsp://127.0.0.1:PORT/cam and prints "RTSP on port N" when it
// listens. Killing the process is the camera dying; starting it again with
// --port N is the camera coming back.
//
//   test_rtsp_server [--port N] [--tcp-only] [--codec h264|h265] [--size WxH]
//                    [--bitrate K]
//     --port N     0 or absent: any free port
//     --codec      what the camera encodes (default h264)
//     --size       picture size (default 320x240), 30 fps
//     --bitrate K  H264 kbit/s (default x264enc's 2048)
//     --udp-blackhole  accept UDP transport but never send a UDP packet, as
//                  when a firewall on the way drops UDP silently (TCP
//                  interleaved still works)
//     --tcp-only   offer RTP only interleaved over the RTSP connection: a
//                  client asking for UDP gets 461 Unsupported Transport
//     --max-clients N  drop connections beyond the Nth, as a camera that
//                  serves one client at a time does
// Every connection is printed: "client N connected".
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// Drops everything the camera's UDP senders get: RTP and RTCP alike.
void BlackholeUdpSink(GstBin*, GstElement* element, gpointer) {
  if (std::strcmp(G_OBJECT_TYPE_NAME(element), "GstMultiUDPSink") != 0) return;
  GstPad* sink = gst_element_get_static_pad(element, "sink");
  gst_pad_add_probe(
      sink,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      [](GstPad*, GstPadProbeInfo*, gpointer) { return GST_PAD_PROBE_DROP; }, nullptr, nullptr);
  gst_object_unref(sink);
}

// The UDP senders are made while the media prepares, inside its pipeline.
void OnMediaConfigure(GstRTSPMediaFactory*, GstRTSPMedia* media, gpointer) {
  GstElement* element = gst_rtsp_media_get_element(media);
  GstObject* pipeline = gst_object_get_parent(GST_OBJECT(element));
  if (pipeline) {
    g_signal_connect(pipeline, "element-added", G_CALLBACK(BlackholeUdpSink), nullptr);
    g_signal_connect(pipeline, "deep-element-added",
                     G_CALLBACK(+[](GstBin* bin, GstBin*, GstElement* element, gpointer data) {
                       BlackholeUdpSink(bin, element, data);
                     }),
                     nullptr);
    gst_object_unref(pipeline);
  }
  gst_object_unref(element);
}

// Counts connections; closes those beyond the limit (0: no limit).
void OnClientConnected(GstRTSPServer*, GstRTSPClient* client, gpointer data) {
  static int connected = 0;
  const int limit = *static_cast<int*>(data);
  ++connected;
  const bool refused = limit > 0 && connected > limit;
  std::printf("client %d connected%s\n", connected,
              refused ? " (refused: over --max-clients)" : "");
  std::fflush(stdout);
  if (refused) gst_rtsp_client_close(client);
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  std::string port = "0";
  bool tcp_only = false;
  bool udp_blackhole = false;
  std::string codec = "h264";
  std::string width = "320", height = "240";
  int max_clients = 0;
  std::string bitrate;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = argv[++i];
    if (std::strcmp(argv[i], "--tcp-only") == 0) tcp_only = true;
    if (std::strcmp(argv[i], "--udp-blackhole") == 0) udp_blackhole = true;
    if (std::strcmp(argv[i], "--codec") == 0 && i + 1 < argc) codec = argv[++i];
    if (std::strcmp(argv[i], "--max-clients") == 0 && i + 1 < argc) {
      max_clients = std::atoi(argv[++i]);
    }
    if (std::strcmp(argv[i], "--bitrate") == 0 && i + 1 < argc) {
      bitrate = " bitrate=" + std::to_string(std::atoi(argv[++i]));
    }
    if (std::strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
      const std::string size = argv[++i];
      const size_t x = size.find('x');
      if (x != std::string::npos) {
        width = size.substr(0, x);
        height = size.substr(x + 1);
      }
    }
  }
  // Short GOP: a (re)connecting client decodes within half a second.
  const std::string encode =
      codec == "h265"
          ? "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=15"
            " option-string=\"repeat-headers=1\" ! rtph265pay name=pay0 pt=96 config-interval=-1"
          : "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15" + bitrate +
                " ! rtph264pay name=pay0 pt=96 config-interval=-1";
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  GstRTSPServer* server = gst_rtsp_server_new();
  g_object_set(server, "address", "127.0.0.1", "service", port.c_str(), nullptr);
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  const std::string launch =
      "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=" + width +
      ",height=" + height + ",framerate=30/1 ! " + encode + " )";
  gst_rtsp_media_factory_set_launch(factory, launch.c_str());
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  if (tcp_only) gst_rtsp_media_factory_set_protocols(factory, GST_RTSP_LOWER_TRANS_TCP);
  if (udp_blackhole) {
    g_signal_connect(factory, "media-configure", G_CALLBACK(OnMediaConfigure), nullptr);
  }
  gst_rtsp_mount_points_add_factory(mounts, "/cam", factory);
  // Every client is announced ("client 1 connected"), so tests can count the
  // camera's connections; past --max-clients one is dropped at once, like a
  // camera that serves a single client.
  g_signal_connect(server, "client-connected", G_CALLBACK(OnClientConnected), &max_clients);
  g_object_unref(mounts);
  if (gst_rtsp_server_attach(server, nullptr) == 0) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%s\n", port.c_str());
    return 1;
  }
  std::printf("RTSP on port %d\n", gst_rtsp_server_get_bound_port(server));
  std::fflush(stdout);
  g_main_loop_run(loop);
  return 0;
}
