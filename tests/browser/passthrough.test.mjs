// RTSP pass-through into a real browser: the test camera (gst-rtsp-server,
// H264 1280x720@30, keyframe every 15 frames) is forwarded by the agent
// without re-encoding, and Debian's Chromium decodes it on the director's
// viewer page. Proves the answer webrtcbin writes for a camera's own H264 is
// one a browser accepts, and that what only an encoder could change is
// refused over gRPC.
import { readFileSync } from 'node:fs';
import {
  assert, launchChromium, runTests, startProcess, startStack, stopProcess, streamctl,
} from './harness.mjs';

// CPU seconds the process has used (utime + stime from /proc, in clock ticks
// of 10 ms on Linux).
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const camera = await startProcess('test_rtsp_server', ['--port', '0', '--size', '1280x720'], /RTSP on port (\d+)/);
const stack = await startStack({
  streams: [{
    stream_id: 'cam', source_uri: `rtsp://127.0.0.1:${camera.match[1]}/cam`, codec: 'H264',
    source_options: { passthrough: true },
    ahoy: { feed_name: 'cam' },
  }, {
    // The same camera decoded, scaled and re-encoded at the same size: the
    // CPU figure to compare with.
    stream_id: 'cam-reencode', source_uri: `rtsp://127.0.0.1:${camera.match[1]}/cam`,
    codec: 'H264', quality: { width: 1280, height: 720, framerate: 30, bitrate_kbps: 2000 },
    ahoy: { feed_name: 'cam-reencode' },
  }],
});
const { webPort, grpc } = stack;
const browser = await launchChromium();
const page = await browser.context.newPage();
const figures = {};
const viewer = () => page.evaluate(() => ({ ...window.gwaViewer }));
const getStream = async () => (await streamctl(grpc, 'get', 'cam'))[0];
// Decoded fps in the page and the agent's CPU (% of one core) over 3 s.
const measure = async () => {
  const f0 = (await viewer()).framesDecoded;
  const c0 = cpuSeconds(stack.agent.child.pid);
  await page.waitForTimeout(3000);
  return {
    fps: ((await viewer()).framesDecoded - f0) / 3,
    cpu: Math.round(((cpuSeconds(stack.agent.child.pid) - c0) / 3) * 1000) / 10,
  };
};

const result = await runTests([
  ['the stream says it passes the camera through', async () => {
    const s = await getStream();
    assert(s.encoder === 'passthrough', `encoder ${s.encoder}`);
    assert(s.sourceOptions?.passthrough === true, `options ${JSON.stringify(s.sourceOptions)}`);
    assert(s.quality.width === undefined && s.quality.bitrateKbps === undefined,
      `quality holds only what applies: ${JSON.stringify(s.quality)}`);
  }],

  ['Chromium plays the camera\'s own picture at its own rate', async () => {
    const start = Date.now();
    await page.goto(`http://127.0.0.1:${webPort}/?feed=cam`);
    await page.waitForFunction(() => window.gwaViewer?.framesDecoded > 0, null, { timeout: 15000 });
    figures.pageLoadToFirstFrameMs = Date.now() - start;
    figures.playToFirstFrameMs = (await viewer()).firstFrameMs;
    const v = await viewer();
    assert(v.frameWidth === 1280 && v.frameHeight === 720, `size ${v.frameWidth}x${v.frameHeight}`);
    const { fps, cpu } = await measure();
    figures.fps = fps;
    figures.agentCpuPercentPassthrough = cpu;
    assert(fps >= 24 && fps <= 36, `fps ${fps} should be the camera's 30`);
  }],

  ['what an encoder would do is FAILED_PRECONDITION; the MTU changes live', async () => {
    try {
      await streamctl(grpc, 'set', 'cam', '--bitrate_kbps', '500');
      throw new Error('set --bitrate_kbps succeeded');
    } catch (e) {
      assert(e.message.includes('FAILED_PRECONDITION') && e.message.includes('pass-through'),
        e.message);
    }
    const [s] = await streamctl(grpc, 'set', 'cam', '--mtu', '900');
    assert(s.quality.mtu === 900, `mtu ${s.quality.mtu}`);
    const f0 = (await viewer()).framesDecoded;
    await page.waitForFunction((n) => window.gwaViewer.framesDecoded > n + 30, f0,
      { timeout: 5000 });
  }],

  ['the same camera re-encoded costs the agent more CPU (figure)', async () => {
    await page.evaluate(() => window.gwaStop());
    await page.evaluate(() => window.gwaPlay('cam-reencode'));
    await page.waitForFunction(() => window.gwaViewer.framesDecoded > 30, null,
      { timeout: 15000 });
    const { fps, cpu } = await measure();
    figures.agentCpuPercentReencode = cpu;
    assert(fps >= 24, `re-encoded fps ${fps}`);
  }],
]);

console.log('figures:', JSON.stringify(figures));
await browser.close();
await stack.stop();
await stopProcess(camera.child);
if (result.failed) {
  console.log('--- process logs ---');
  console.log([...stack.director.child.log, ...stack.agent.child.log].slice(-200).join('\n'));
}
console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed ? 1 : 0);
