"""CI check of the Python client against a live agent: Start, SetQuality,
WatchStats (three samples), Stop, and a NOT_FOUND. Started by CTest with the
agent binary and the generated stubs' directory."""
import os
import re
import subprocess
import sys
import unittest

import grpc

sys.path.insert(0, os.environ["GWA_PY_STUBS"])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from streamcontrol.v1 import streamcontrol_pb2 as pb  # noqa: E402
from streamcontrol_client import StreamControlClient  # noqa: E402


class PythonClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        agent = os.path.join(os.environ["GWA_BIN_DIR"], "gstwebrtc-agent")
        cls.agent = subprocess.Popen(
            [agent, "--grpc-listen", "127.0.0.1:0", "--stats-interval-ms", "200",
             "--director-url", "ws://127.0.0.1:9/feeds/"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in cls.agent.stdout:
            match = re.search(r"gRPC on port (\d+)", line)
            if match:
                cls.port = int(match.group(1))
                break
        else:
            raise RuntimeError("agent did not start")
        cls.client = StreamControlClient(f"127.0.0.1:{cls.port}")

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.agent.terminate()
        cls.agent.wait(timeout=10)

    def test_start_set_watch_stop(self):
        stream = self.client.start("py-1", "test://ball", width=640, height=360)
        self.assertEqual(stream.state, pb.WAITING_FOR_VIEWER)
        self.assertEqual(stream.quality.width, 640)

        stream = self.client.set_quality("py-1", bitrate_kbps=750, framerate=15)
        self.assertEqual(stream.quality.bitrate_kbps, 750)
        self.assertEqual(stream.quality.framerate, 15)
        self.assertEqual(stream.quality.width, 640, "unset fields stay")

        samples = list(self.client.watch("py-1", interval_ms=200, count=3, timeout_s=20))
        self.assertEqual(len(samples), 3)
        for sample in samples:
            self.assertEqual(sample.stream_id, "py-1")
            self.assertEqual(sample.quality.bitrate_kbps, 750)
            self.assertGreater(sample.timestamp_unix_ms, 0)

        self.assertIn("py-1", [s.stream_id for s in self.client.list()])
        stopped = self.client.stop("py-1")
        self.assertEqual(stopped.state, pb.STOPPED)

    def test_errors_carry_status_and_reason(self):
        with self.assertRaises(grpc.RpcError) as err:
            self.client.get("does-not-exist")
        self.assertEqual(err.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.client.start("py-2", "test://ball")
        with self.assertRaises(grpc.RpcError) as err:
            self.client.set_quality("py-2", width=99999)
        self.assertEqual(err.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("width", err.exception.details())
        self.client.stop("py-2")


if __name__ == "__main__":
    unittest.main(verbosity=2)
