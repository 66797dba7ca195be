#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, run and test.
# Idempotent: apt-get skips what is already there. Needs root (or sudo).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  # build
  build-essential cmake pkg-config git ca-certificates
  # GStreamer 1.22: core, webrtcbin (bad), x264 (ugly), vpx (good), libnice transport
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-nice
  # gRPC + protobuf + abseil
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  # signaling: websocketpp on standalone asio, TLS
  libwebsocketpp-dev libasio-dev libssl-dev
  # WHIP publishing: libcurl is the HTTP/1.1 client with TLS and Location
  # handling (src/signaling/whip_http.h)
  libcurl4-openssl-dev
  # JSON codec, logging
  nlohmann-json3-dev libspdlog-dev
  # agent config file (YAML)
  libyaml-cpp-dev
  # Prometheus metrics (core library only: metric types and text exposition)
  prometheus-cpp-dev
  # tests (gst-rtsp-server: the stand-in RTSP camera of the source-restart test)
  libgtest-dev libgmock-dev chromium openssl libgstrtspserver-1.0-dev gstreamer1.0-rtsp
  # network tests: namespaces, NAT, rate limits and captures (tests/support/net_lab.h)
  iproute2 iptables tcpdump
  # NAT traversal tests: a real STUN/TURN server (tests/integration/nat_traversal_test.cc)
  coturn
  # example clients: Python stubs generated at build time
  python3-grpcio python3-protobuf
)

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"

# Node.js + npm drive the browser tests (playwright-core). Some machines ship a
# Node.js that bundles npm; only fall back to Debian's packages when absent.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  $SUDO apt-get install -y -q --no-install-recommends nodejs npm
fi
