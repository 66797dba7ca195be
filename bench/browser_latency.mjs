// Glass-to-glass latency into Chromium (BENCHMARKS.md section 5): the agent
// runs with --latency-probe, which stamps the wall clock into the top-left
// 256x48 of every picture before the encoder (src/engine/latency_probe.h);
// the director's own viewer page plays the feed and, for every frame the
// page paints (requestVideoFrameCallback), this script's code in the page
// draws the stamp area of that frame to a canvas, decodes the stamp, checks
// its CRC and subtracts it from the wall-clock time at which the frame is
// expected on screen. Same machine, same clock (CLOCK_REALTIME: g_get_real_time
// in the agent, performance.timeOrigin + performance.now() in the page, which
// is checked against Date.now()).
//
// Chromium must paint <video> for requestVideoFrameCallback to fire. With a
// DISPLAY (xvfb-run -a node bench/browser_latency.mjs, as scripts/bench.sh
// does) Chromium runs headed, through its normal X11 output path; without
// one it runs headless, which Chromium 156 with playwright-core 1.64 paints
// too (new headless mode). The mode is printed with the figures; if no frame
// is ever painted the run fails rather than report nothing.
//
// Usage: node bench/browser_latency.mjs [frames=630] [maxSeconds=35]
//   per configuration: measure until `frames` painted frames were examined or
//   maxSeconds passed, after 3 s of warm-up. Configurations: 640x360@30 and
//   1280x720@30, H264 and VP8, 2000 kbps, test://ball.
// Env: GWA_BIN_DIR (default build/bin), CHROMIUM (default /usr/bin/chromium),
//      GWA_HEADLESS=1 forces headless even with a DISPLAY.
import { fileURLToPath } from 'node:url';
import {
  fmt, importHarness, pct, printMachine, printTable,
} from './bench_util.mjs';

const {
  BIN, launchChromium, startStack, streamctl, waitUntil,
} = await importHarness();

const FRAMES = Number(process.argv[2] ?? 630);
const MAX_SECONDS = Number(process.argv[3] ?? 35);
const WARMUP_MS = 3000;
const headless = !process.env.DISPLAY || process.env.GWA_HEADLESS === '1';
const mode = headless ? 'headless' : `headed on display ${process.env.DISPLAY}`;

const configs = [];
for (const codec of ['H264', 'VP8']) {
  for (const [width, height] of [[640, 360], [1280, 720]]) {
    configs.push({
      id: `lat_${codec.toLowerCase()}_${height}`, codec, width, height,
    });
  }
}
const stack = await startStack({
  streams: configs.map((c) => ({
    stream_id: c.id,
    source_uri: 'test://ball',
    codec: c.codec,
    quality: {
      width: c.width, height: c.height, framerate: 30, bitrate_kbps: 2000,
    },
    ahoy: { feed_name: c.id },
  })),
  agentArgs: ['--latency-probe'],
  logLevel: 'warn',
});
const browser = await launchChromium({ headless });
const page = await browser.context.newPage();
page.on('pageerror', (e) => console.error('page error:', e.message));
// The page's RTCPeerConnections, for getStats() from the measurement code.
await browser.context.addInitScript({
  path: fileURLToPath(new URL('../tests/browser/latency_stamp.js', import.meta.url)),
});
await browser.context.addInitScript({
  path: fileURLToPath(new URL('../tests/browser/record_peers.js', import.meta.url)),
});
await page.goto(`http://127.0.0.1:${stack.webPort}/`);
await waitUntil('every latency feed listed', () => page.evaluate((ids) => window.gwaViewer.connected
  && ids.every((id) => window.gwaViewer.feeds.some((f) => f.name === id)),
configs.map((c) => c.id)), 15000);

// Runs in the page. Measures one playing feed; resolves with raw numbers.
function measureInPage({
  feed, warmupMs, frames, maxMs,
}) {
  const video = document.querySelector(`.tile[data-feed="${CSS.escape(feed)}"] video`);
  const readStamp = video ? window.gwaLatencyStamp.reader(video) : null;
  const { sinceMs } = window.gwaLatencyStamp;
  const inbound = async () => {
    const pc = window.gwaPeers[window.gwaPeers.length - 1];
    let out = null;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') out = s;
    });
    return out;
  };
  return new Promise((resolve, reject) => {
    const r = {
      callbacks: 0,
      unreadable: 0,
      display: [], // stamp -> expectedDisplayTime
      presentation: [], // stamp -> presentationTime
      received: [], // stamp -> receiveTime (last packet of the frame in)
      clockSkew: [], // Date.now() - (timeOrigin + performance.now())
      presentedFrames: 0,
      sizes: new Set(),
    };
    let first = null;
    let stats0 = null;
    const t0 = performance.now();
    const wall = (t) => performance.timeOrigin + t;
    const onFrame = async (now, md) => {
      const elapsed = performance.now() - t0;
      if (elapsed >= warmupMs) {
        if (first === null) {
          first = md;
          stats0 = inbound();
        }
        r.callbacks++;
        r.presentedFrames = md.presentedFrames - first.presentedFrames + 1;
        r.sizes.add(`${md.width}x${md.height}`);
        const stamp = readStamp();
        if (stamp === null) {
          r.unreadable++;
        } else {
          r.display.push(sinceMs(stamp, md.expectedDisplayTime));
          r.presentation.push(sinceMs(stamp, md.presentationTime));
          if (md.receiveTime !== undefined) r.received.push(sinceMs(stamp, md.receiveTime));
        }
        if (r.callbacks % 30 === 0) r.clockSkew.push(Date.now() - wall(performance.now()));
      }
      if (r.callbacks < frames && elapsed < warmupMs + maxMs) {
        video.requestVideoFrameCallback(onFrame);
        return;
      }
      finish();
    };
    let done = false;
    const finish = async () => {
      if (done) return;
      done = true;
      if (!stats0) {
        reject(new Error(`${feed}: no frame painted (requestVideoFrameCallback never fired)`));
        return;
      }
      const s0 = await stats0;
      const s1 = await inbound();
      r.seconds = (performance.now() - t0 - warmupMs) / 1000;
      r.framesDecoded = s1.framesDecoded - s0.framesDecoded;
      r.framesDropped = (s1.framesDropped ?? 0) - (s0.framesDropped ?? 0);
      // Chromium's jitter buffer: mean time a frame waited in it.
      const emitted = s1.jitterBufferEmittedCount - s0.jitterBufferEmittedCount;
      r.jitterBufferMs = emitted
        ? (1000 * (s1.jitterBufferDelay - s0.jitterBufferDelay)) / emitted : NaN;
      r.sizes = [...r.sizes];
      resolve(r);
    };
    if (!video) {
      reject(new Error(`no video for ${feed}`));
      return;
    }
    video.requestVideoFrameCallback(onFrame);
    // Painting may stop altogether (no display, a stalled stream): end with
    // what there is rather than wait for a callback that never comes.
    setTimeout(finish, warmupMs + maxMs + 2000);
  });
}

const getStream = async (id) => (await streamctl(stack.grpc, 'get', id))[0];
const rows = [];
const notes = [];
for (const c of configs) {
  await page.evaluate((feed) => window.gwaPlay(feed, 20000), c.id);
  // Fails (rejects) when no frame is ever painted: headless Chromium without
  // a display was the case where it never was.
  const r = await page.evaluate(measureInPage, {
    feed: c.id, warmupMs: WARMUP_MS, frames: FRAMES, maxMs: MAX_SECONDS * 1000,
  });
  await page.evaluate((feed) => window.gwaStop(feed), c.id);
  await waitUntil(`${c.id} idle`, async () => !(await getStream(c.id)).pipelineRunning, 10000);
  const read = r.display.length;
  rows.push([
    `${c.width}x${c.height}@30 2000 kbps`, c.codec, r.callbacks,
    `${r.unreadable} (${fmt((100 * r.unreadable) / Math.max(1, r.callbacks), 1)}%)`,
    fmt(pct(r.display, 50)), fmt(pct(r.display, 95)), fmt(pct(r.display, 99)),
    fmt(pct(r.display, 100)), fmt(pct(r.received, 50)), fmt(pct(r.presentation, 50)),
  ]);
  notes.push(`${c.id}: ${read} stamps read over ${fmt(r.seconds, 1)} s; painted `
    + `${r.presentedFrames} (presentedFrames), decoded ${r.framesDecoded}, dropped by Chromium `
    + `${r.framesDropped}; jitter buffer mean ${fmt(r.jitterBufferMs, 1)} ms; `
    + `frame size ${r.sizes.join(',')}; page clock vs Date.now() `
    + `${fmt(pct(r.clockSkew, 0), 1)}..${fmt(pct(r.clockSkew, 100), 1)} ms`
    + `${read < 600 ? ' -- FEWER THAN 600 FRAMES READ' : ''}`);
  console.error(`browser latency: ${c.id} done`);
}

printMachine(BIN, `Glass-to-glass into Chromium: --latency-probe stamp -> frame expected on `
  + `screen (requestVideoFrameCallback), the director's viewer page, test://ball, `
  + `>= ${FRAMES} painted frames per configuration after ${WARMUP_MS / 1000} s warm-up`, mode);
printTable(['stream', 'codec', 'frames examined', 'stamp unreadable', 'p50 ms', 'p95 ms',
  'p99 ms', 'max ms', 'p50 to received', 'p50 to presented'], rows);
console.log('\nframes examined: painted frames whose requestVideoFrameCallback ran (the '
  + 'page may skip callbacks when busy; the notes give every frame painted). '
  + 'p50..max: capture (stamp) -> expectedDisplayTime. "to received": -> last '
  + 'packet of the frame received (rVFC receiveTime); "to presented": -> frame handed to '
  + 'the compositor (presentationTime). Unreadable frames (CRC mismatch) are counted, never '
  + 'averaged in.');
notes.forEach((n) => console.log(`- ${n}`));

await browser.close();
await stack.stop();
process.exit(0);
