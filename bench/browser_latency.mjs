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
await browser.context.addInitScript(() => {
  const Original = window.RTCPeerConnection;
  window.gwaPeers = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      window.gwaPeers.push(this);
    }
  };
});
await page.goto(`http://127.0.0.1:${stack.webPort}/`);
await waitUntil('every latency feed listed', () => page.evaluate((ids) => window.gwaViewer.connected
  && ids.every((id) => window.gwaViewer.feeds.some((f) => f.name === id)),
configs.map((c) => c.id)), 15000);

// Runs in the page. Measures one playing feed; resolves with raw numbers.
function measureInPage({
  feed, warmupMs, frames, maxMs,
}) {
  // Layout of src/engine/latency_probe.h: 3 rows of 16 blocks of 16x16.
  const BLOCK = 16;
  const W = 16 * BLOCK;
  const H = 3 * BLOCK;
  // CRC-16/CCITT-FALSE over the stamp's 4 bytes, most significant first
  // (engine::LatencyStampCheck).
  const crc16 = (stamp) => {
    let crc = 0xffff;
    for (let byte = 3; byte >= 0; byte--) {
      crc ^= ((stamp >>> (8 * byte)) & 0xff) << 8;
      for (let bit = 0; bit < 8; bit++) {
        crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
      }
    }
    return crc;
  };
  const video = document.querySelector(`.tile[data-feed="${CSS.escape(feed)}"] video`);
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  // Luma of the centre 8x8 of each block: the edges ring after compression,
  // and the browser has turned limited-range 16/235 into about 0/255.
  const readBits = (px, row) => {
    let bits = 0;
    for (let col = 0; col < 16; col++) {
      let sum = 0;
      for (let y = row * BLOCK + 4; y < row * BLOCK + 12; y++) {
        for (let x = col * BLOCK + 4; x < col * BLOCK + 12; x++) {
          const i = (y * W + x) * 4;
          sum += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
        }
      }
      bits = (bits << 1) | (sum / 64 > 127.5 ? 1 : 0);
    }
    return bits >>> 0;
  };
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
        // The frame being presented, at its decoded size: no scaling.
        ctx.drawImage(video, 0, 0, W, H, 0, 0, W, H);
        const px = ctx.getImageData(0, 0, W, H).data;
        const stamp = ((readBits(px, 0) << 16) | readBits(px, 1)) >>> 0;
        if (readBits(px, 2) !== crc16(stamp)) {
          r.unreadable++;
        } else {
          // Unsigned ms mod 2^32 on both sides: the difference as int32.
          // The stamp is the capture time floored to the ms: up to 1 ms early.
          const since = (t) => {
            const ms = Math.floor(wall(t));
            return ((ms - stamp) | 0) + (wall(t) - ms);
          };
          r.display.push(since(md.expectedDisplayTime));
          r.presentation.push(since(md.presentationTime));
          if (md.receiveTime !== undefined) r.received.push(since(md.receiveTime));
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
