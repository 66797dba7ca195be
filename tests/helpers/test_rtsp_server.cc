// A stand-in RTSP camera for the integration tests: serves a live H264 test
// pattern at rtsp://127.0.0.1:PORT/cam and prints "RTSP on port N" when it
// listens. Killing the process is the camera dying; starting it again with
// --port N is the camera coming back.
//
//   test_rtsp_server [--port N] [--tcp-only]
//     --port N     0 or absent: any free port
//     --tcp-only   offer RTP only interleaved over the RTSP connection: a
//                  client asking for UDP gets 461 Unsupported Transport
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  std::string port = "0";
  bool tcp_only = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = argv[++i];
    if (std::strcmp(argv[i], "--tcp-only") == 0) tcp_only = true;
  }
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  GstRTSPServer* server = gst_rtsp_server_new();
  g_object_set(server, "address", "127.0.0.1", "service", port.c_str(), nullptr);
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  // Short GOP: a (re)connecting client decodes within half a second.
  gst_rtsp_media_factory_set_launch(
      factory,
      "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1"
      " ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15"
      " ! rtph264pay name=pay0 pt=96 config-interval=-1 )");
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  if (tcp_only) gst_rtsp_media_factory_set_protocols(factory, GST_RTSP_LOWER_TRANS_TCP);
  gst_rtsp_mount_points_add_factory(mounts, "/cam", factory);
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
