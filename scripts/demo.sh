#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a stream in the browser:
# installs packages, builds, starts local-director and the agent with a test
# pattern published as feed "demo", and prints the viewer URL. Ctrl-C stops.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh

PORT="${DEMO_PORT:-8080}"
GRPC="${DEMO_GRPC:-127.0.0.1:50051}"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

build/bin/local-director --listen "127.0.0.1:${PORT}" --agent-grpc "$GRPC" &
pids+=($!)
build/bin/gstwebrtc-agent --grpc-listen "$GRPC" \
  --director-url "ws://127.0.0.1:${PORT}/feeds/" --config configs/demo.json &
pids+=($!)

echo
echo "  Viewer:  http://127.0.0.1:${PORT}/?feed=demo"
echo "  Control: build/bin/streamctl --server ${GRPC} list"
echo "           build/bin/streamctl --server ${GRPC} set demo --size 640x360 --framerate 15"
echo "  Ctrl-C to stop."
echo
wait -n "${pids[@]}"
