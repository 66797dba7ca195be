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
  # WHIP proof against a real SFU (tests/integration/janus_whip_test.cc): Janus
  # VideoRoom; simple-whip-server in front of it is extracted below
  janus
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

# simple-whip-server (Debian's WHIP front end for Janus, tests only) cannot be
# installed: it depends on Debian's nodejs, which conflicts with a NodeSource
# nodejs. Its pure-JavaScript dependency closure is extracted instead into
# $SWS_ROOT and run with the machine's node (NODE_PATH at the extracted
# /usr/share/nodejs; tests/support/janus_server.cc). packages.tsv lists what
# was extracted (scripts/third_party.py reads it). Idempotent: skipped when the
# candidate version is already there.
SWS_ROOT=/opt/gwa/simple-whip-server
SWS_VERSION=$(apt-cache policy simple-whip-server | awk '/Candidate:/ {print $2}')
if ! grep -qsxF "simple-whip-server	${SWS_VERSION}	simple-whip-server" "$SWS_ROOT/packages.tsv"; then
  # Everything it needs that is not installed here, except Debian's node
  # itself and the alternatives apt would not pick (debconf is installed).
  SWS_PACKAGES=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
      --no-breaks --no-replaces --no-enhances simple-whip-server | grep -v '^[ <]' | sort -u |
    while read -r p; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done |
    grep -vxE 'nodejs|libnode[0-9]+|npm|cdebconf|libdebian-installer4|libnewt0.52|libtextwrap1|install-info')
  SWS_TMP=$(mktemp -d)
  (cd "$SWS_TMP" && chmod 755 . && apt-get download -q $SWS_PACKAGES >/dev/null)
  $SUDO rm -rf "$SWS_ROOT.new"
  $SUDO mkdir -p "$SWS_ROOT.new"
  for deb in "$SWS_TMP"/*.deb; do
    $SUDO dpkg-deb -x "$deb" "$SWS_ROOT.new"
    dpkg-deb -f "$deb" Package Version Source |
      awk -F': ' '{v[$1]=$2} END {s=v["Source"]; sub(/ .*/, "", s); if (s == "") s=v["Package"];
                  print v["Package"] "\t" v["Version"] "\t" s}'
  done | sort | $SUDO tee "$SWS_ROOT.new/packages.tsv" >/dev/null
  rm -rf "$SWS_TMP"
  $SUDO rm -rf "$SWS_ROOT"
  $SUDO mv "$SWS_ROOT.new" "$SWS_ROOT"
fi
