"""A small Python client for gstwebrtc-agent's StreamControl API.

Uses Debian's python3-grpcio; the stubs (streamcontrol_pb2*.py) are generated
from proto/ at build time into build/gen/python (CMake target python_stubs),
so they always match the server. Run as a script for a demo:

    PYTHONPATH=build/gen/python /usr/bin/python3 clients/python/streamcontrol_client.py \
        --server 127.0.0.1:50051 --stream py-demo
"""
import argparse
import sys

import grpc

from streamcontrol.v1 import streamcontrol_pb2 as pb
from streamcontrol.v1 import streamcontrol_pb2_grpc as pb_grpc


class StreamControlClient:
    """Thin wrapper: one method per RPC, errors surface as grpc.RpcError."""

    def __init__(self, server, token=None, timeout_s=10.0):
        self._channel = grpc.insecure_channel(server)
        self._stub = pb_grpc.StreamControlStub(self._channel)
        self._metadata = [("authorization", f"Bearer {token}")] if token else None
        self._timeout = timeout_s

    def close(self):
        self._channel.close()

    def start(self, stream_id, source_uri, director_url="", feed_name="", **quality):
        request = pb.StartRequest(stream_id=stream_id, source_uri=source_uri,
                                  quality=pb.Quality(**quality))
        request.ahoy.director_url = director_url
        request.ahoy.feed_name = feed_name
        return self._stub.Start(request, timeout=self._timeout, metadata=self._metadata)

    def set_quality(self, stream_id, **quality):
        request = pb.SetQualityRequest(stream_id=stream_id, quality=pb.Quality(**quality))
        return self._stub.SetQuality(request, timeout=self._timeout, metadata=self._metadata)

    def get(self, stream_id):
        return self._stub.GetStream(pb.GetStreamRequest(stream_id=stream_id),
                                    timeout=self._timeout, metadata=self._metadata)

    def list(self):
        return self._stub.ListStreams(pb.ListStreamsRequest(), timeout=self._timeout,
                                      metadata=self._metadata).streams

    def stop(self, stream_id):
        return self._stub.Stop(pb.StopRequest(stream_id=stream_id), timeout=self._timeout,
                               metadata=self._metadata)

    def watch(self, stream_id="", interval_ms=1000, count=None, timeout_s=None):
        """Yields StreamStats; stops after `count` messages (None: forever)."""
        call = self._stub.WatchStats(
            pb.WatchStatsRequest(stream_id=stream_id, interval_ms=interval_ms),
            timeout=timeout_s, metadata=self._metadata)
        try:
            for n, sample in enumerate(call, start=1):
                yield sample
                if count is not None and n >= count:
                    break
        finally:
            call.cancel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--stream", default="py-demo")
    parser.add_argument("--source", default="test://smpte")
    parser.add_argument("--director", default="", help="Ahoy base URL (agent default if empty)")
    args = parser.parse_args()

    client = StreamControlClient(args.server)
    stream = client.start(args.stream, args.source, director_url=args.director,
                          width=640, height=360, framerate=30)
    print(f"started {stream.stream_id}: {pb.StreamState.Name(stream.state)}")
    stream = client.set_quality(args.stream, bitrate_kbps=800)
    print(f"bitrate now {stream.quality.bitrate_kbps} kbps")
    for sample in client.watch(args.stream, interval_ms=500, count=3):
        print(f"{sample.stream_id} {pb.StreamState.Name(sample.state)} "
              f"{sample.send_bitrate_kbps:.0f} kbps {sample.encode_fps:.1f} fps")
    client.stop(args.stream)
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
