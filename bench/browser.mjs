// Browser-side benchmarks (BENCHMARKS.md): real local-director + agent +
// headless Debian Chromium on the director's viewer page.
//   1. play -> first decoded frame (gwaPlay -> gwaViewer.firstFrameMs):
//      the first play after the agent started, then N stop/play cycles.
//   2. SetQuality (resolution) -> the page decodes a frame of the new size,
//      alternating 640x360 / 1280x720.
//   3. SetQuality (bitrate) -> the received rate crosses halfway to the new
//      target, alternating 800 / 2000 kbps.
// Glass-to-glass in Chromium: bench/browser_latency.mjs.
// Usage: node bench/browser.mjs [plays=20] [resizes=10] [bitrate-changes=6]
// Env: GWA_BIN_DIR (default build/bin), CHROMIUM (default /usr/bin/chromium),
// GWA_AGENT_ARGS (extra agent flags, space-separated).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  fmt, importHarness, median, pct, printMachine, printTable,
} from './bench_util.mjs';

const {
  BIN, launchChromium, startStack, streamctl, waitUntil,
} = await importHarness();

const PLAYS = Number(process.argv[2] ?? 20);
const RESIZES = Number(process.argv[3] ?? 10);
const BITRATE_CHANGES = Number(process.argv[4] ?? 6);
const machine = (title) => printMachine(BIN, title, 'headless');

const stack = await startStack({
  streams: [{
    stream_id: 'demo', source_uri: 'test://smpte', codec: 'H264',
    quality: { width: 1280, height: 720, framerate: 30, bitrate_kbps: 2000 },
    ahoy: { feed_name: 'demo' },
  }],
  logLevel: 'warn',
  // The agent's play-step lines (engine/play_steps.h) are at debug level.
  // GWA_AGENT_ARGS: extra agent flags for an experiment (e.g. --pacing-factor 0).
  agentArgs: ['--log-level', 'debug', ...(process.env.GWA_AGENT_ARGS ?? '').split(' ').filter(Boolean)],
});
const { webPort, grpc } = stack;
const browser = await launchChromium();
const page = await browser.context.newPage();
page.on('pageerror', (e) => console.error('page error:', e.message));

const getStream = async () => (await streamctl(grpc, 'get', 'demo'))[0];
const waitIdle = () => waitUntil('stream idle with no pipeline', async () => {
  const s = await getStream();
  return s.state === 'WAITING_FOR_VIEWER' && !s.pipelineRunning;
}, 10000);

// Keep a handle on the page's RTCPeerConnections: decoded frames and their
// size are read from getStats, as the page itself does, so these figures do
// not depend on painting (see browser_latency.mjs for painted frames).
// Each peer also keeps the page-side steps of its play (performance.now()
// when each happened), for the breakdown of the time to first frame.
await browser.context.addInitScript({
  path: fileURLToPath(new URL('../tests/browser/record_peers.js', import.meta.url)),
});
await browser.context.addInitScript(() => {
  const Recorded = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Recorded {
    constructor(...args) {
      super(...args);
      const steps = {};
      this.gwaSteps = steps;
      const stamp = (name) => { if (!(name in steps)) steps[name] = performance.now(); };
      stamp('peer_created');
      this.addEventListener('icegatheringstatechange', () => {
        if (this.iceGatheringState === 'complete') stamp('page_gathering_done');
      });
      this.addEventListener('icecandidate', (e) => {
        if (!e.candidate) return;
        stamp('page_first_candidate');
        if (e.candidate.protocol === 'tcp') stamp('page_first_tcp_candidate');
      });
      this.addEventListener('iceconnectionstatechange', () => {
        if (['connected', 'completed'].includes(this.iceConnectionState)) stamp('page_ice_connected');
      });
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') stamp('page_dtls_connected');
      });
    }

    async createOffer(...args) {
      const offer = await super.createOffer(...args);
      this.gwaSteps.offer_created ??= performance.now();
      return offer;
    }

    async setRemoteDescription(...args) {
      this.gwaSteps.answer_received ??= performance.now();
      return super.setRemoteDescription(...args);
    }
  };
  // The page's fetch of the director's ICE servers, before each peer.
  const fetchOriginal = window.fetch;
  window.fetch = async (...args) => {
    const ice = String(args[0]).includes('/api/ice-servers');
    const start = performance.now();
    const response = await fetchOriginal(...args);
    if (ice) window.gwaIceFetch = { start, done: performance.now() };
    return response;
  };
  // The page's play command (offer inside) leaving for the director.
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function sendStamped(data) {
    if (typeof data === 'string' && data.startsWith('{"play"')) {
      const pc = window.gwaPeers[window.gwaPeers.length - 1];
      if (pc) pc.gwaSteps.offer_sent ??= performance.now();
    }
    return send.call(this, data);
  };
});
await page.goto(`http://127.0.0.1:${webPort}/`);
await waitUntil('feed demo listed in the page', () => page.evaluate(() => window.gwaViewer.connected
  && window.gwaViewer.feeds.some((f) => f.name === 'demo' && f.state === 'idle')), 15000);
await waitIdle();

// ---- 1. time to first frame ---------------------------------------------------
// Returns the page's own figure (gwaViewer.firstFrameMs: getStats polled
// every 40 ms) and a finer one: framesDecoded > 0 seen by polling the page's
// RTCPeerConnection every 5 ms from the same start.
const agentLog = stack.agent.child.log;
const playOnce = () => page.evaluate(async () => {
  const t0 = performance.now();
  // The wall clock at t0: the agent stamps its steps on the same clock.
  const wallT0 = Date.now() - (performance.now() - t0);
  let fine = null;
  let done = false;
  const poll = async () => {
    while (!done && fine === null) {
      const pc = window.gwaPeers[window.gwaPeers.length - 1];
      if (pc && pc.signalingState !== 'closed') {
        const report = await pc.getStats();
        report.forEach((x) => {
          if (x.type === 'inbound-rtp' && x.kind === 'video' && x.framesDecoded > 0
            && fine === null) fine = performance.now() - t0;
        });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const polling = poll();
  const snap = await window.gwaPlay('demo', 20000);
  const limit = performance.now() + 2000;
  while (fine === null && performance.now() < limit) await new Promise((r) => setTimeout(r, 5));
  done = true;
  await polling;
  const pc = window.gwaPeers[window.gwaPeers.length - 1];
  const steps = { gwaPlay: 0 };
  const ice = window.gwaIceFetch;
  if (ice && ice.start >= t0) {
    steps.ice_servers_fetch_start = ice.start - t0;
    steps.ice_servers_fetched = ice.done - t0;
  }
  Object.entries(pc.gwaSteps).forEach(([k, v]) => { steps[k] = v - t0; });
  if (fine !== null) steps.page_first_frame_decoded = fine;
  return {
    page: snap.firstFrameMs, fine: fine === null ? NaN : Math.round(fine), steps, wallT0,
  };
});
// The agent's steps of this play (engine/play_steps.h: debug lines
// "play-step <session> <step> <wall ms>"), in ms since gwaPlay.
const play = async () => {
  const from = agentLog.length;
  const r = await playOnce();
  for (const line of agentLog.slice(from)) {
    const m = line.match(/play-step (\S+) (\S+) ([\d.]+)/);
    if (m && !(`agent_${m[2]}` in r.steps)) r.steps[`agent_${m[2]}`] = Number(m[3]) - r.wallT0;
  }
  return r;
};
const stop = async () => {
  await page.evaluate(() => window.gwaStop());
  await waitIdle();
  await page.waitForTimeout(300);
};
const cold = await play();
await page.waitForTimeout(1000);
await stop();
const warm = [];
const warmFine = [];
const warmSteps = [];
for (let i = 0; i < PLAYS; i++) {
  const r = await play();
  warm.push(r.page);
  warmFine.push(r.fine);
  warmSteps.push(r.steps);
  await page.waitForTimeout(500);
  await stop();
}

// ---- 2. resolution change visible in the browser ------------------------------
const setq = spawn(join(BIN, 'gwa_bench'), ['setq', '--server', grpc, '--stream', 'demo'],
  { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: setq.stdout })[Symbol.asyncIterator]();
const nextLine = async () => (await lines.next()).value;
await nextLine(); // "ready"

await page.evaluate(() => window.gwaPlay('demo', 20000));
await page.waitForTimeout(1500);
// Offset between the page's clock (timeOrigin + now) and this machine's wall clock.
const before = Date.now();
const pageNow = await page.evaluate(() => performance.timeOrigin + performance.now());
const clockOffset = pageNow - (before + Date.now()) / 2;

const rpcMs = [];
const visibleMs = [];
const sizes = [[640, 360], [1280, 720]];
for (let i = 0; i < RESIZES; i++) {
  const [w, h] = sizes[i % 2];
  // Armed before the RPC: resolves with the page time at which getStats
  // (polled every 10 ms) first reports a decoded frame of w x h.
  await page.evaluate(([tw, th]) => {
    const pc = window.gwaPeers[window.gwaPeers.length - 1];
    window.gwaResized = new Promise((resolve) => {
      const poll = async () => {
        const report = await pc.getStats();
        let seen = false;
        report.forEach((x) => {
          if (x.type === 'inbound-rtp' && x.kind === 'video' && x.frameWidth === tw
            && x.frameHeight === th) seen = true;
        });
        if (seen) resolve(performance.timeOrigin + performance.now());
        else setTimeout(poll, 10);
      };
      poll();
    });
  }, [w, h]);
  setq.stdin.write(`${w} ${h}\n`);
  const [, t0, t1, ok] = (await nextLine()).split(' ');
  if (ok !== 'ok') throw new Error(`SetQuality ${w}x${h} failed`);
  const seen = await Promise.race([
    page.evaluate(() => window.gwaResized),
    new Promise((r) => setTimeout(() => r(null), 5000)),
  ]);
  if (seen === null) throw new Error(`${w}x${h} not visible within 5 s`);
  rpcMs.push(Number(t1) - Number(t0));
  visibleMs.push(seen - clockOffset - Number(t0));
  await page.waitForTimeout(1500);
}

// ---- 3. bitrate change seen by the browser ------------------------------------
// The page samples inbound-rtp bytesReceived every 50 ms; the received rate is
// taken over the last 500 ms, and a change counts as seen when that rate has
// crossed halfway from the old target to the new one. The 500 ms window is
// part of the figure (a rate needs a window); it is the same for every change.
const RATES = [800, 2000];
const rateMs = [];
const rateNotes = [];
await page.waitForTimeout(3000);
for (let i = 0; i < BITRATE_CHANGES; i++) {
  const to = RATES[i % 2];
  const from = RATES[(i + 1) % 2];
  const mid = (from + to) / 2;
  await page.evaluate(([threshold, rising]) => {
    const pc = window.gwaPeers[window.gwaPeers.length - 1];
    const history = [];
    window.gwaRateSeen = new Promise((resolve) => {
      const poll = async () => {
        const report = await pc.getStats();
        const now = performance.timeOrigin + performance.now();
        report.forEach((x) => {
          if (x.type === 'inbound-rtp' && x.kind === 'video') history.push([now, x.bytesReceived]);
        });
        while (history.length > 1 && now - history[0][0] > 500) history.shift();
        if (history.length > 1) {
          const [t0, b0] = history[0];
          const [t1, b1] = history[history.length - 1];
          const kbps = t1 > t0 ? ((b1 - b0) * 8) / (t1 - t0) : 0;
          if (t1 - t0 >= 450 && (rising ? kbps >= threshold : kbps <= threshold)) {
            resolve([now, kbps]);
            return;
          }
        }
        setTimeout(poll, 50);
      };
      poll();
    });
  }, [mid, to > from]);
  setq.stdin.write(`bitrate ${to}\n`);
  const [, t0, , ok] = (await nextLine()).split(' ');
  if (ok !== 'ok') throw new Error(`SetQuality bitrate ${to} failed`);
  const seen = await Promise.race([
    page.evaluate(() => window.gwaRateSeen),
    new Promise((r) => setTimeout(() => r(null), 8000)),
  ]);
  if (seen === null) {
    rateNotes.push(`${from}->${to}: not seen within 8 s`);
  } else {
    rateMs.push(seen[0] - clockOffset - Number(t0));
    rateNotes.push(`${from}->${to}: ${(seen[0] - clockOffset - Number(t0)).toFixed(0)} ms`);
  }
  await page.waitForTimeout(3000);
}

const negotiations = await page.evaluate(() => window.gwaViewer.negotiations);
setq.stdin.end();

machine(`Time to first frame in headless Chromium (gwaPlay -> first decoded frame), stream 1280x720@30 H264 2000 kbps, ${PLAYS} stop/play cycles on one agent`);
printTable(['plays', 'measured by', 'median ms', 'p90 ms', 'min ms', 'max ms'], [
  ['first play after agent start', 'gwaViewer.firstFrameMs', cold.page, '', '', ''],
  ['first play after agent start', 'getStats every 5 ms', cold.fine, '', '', ''],
  [`next ${PLAYS} plays`, 'gwaViewer.firstFrameMs', fmt(median(warm)), fmt(pct(warm, 90)),
    Math.min(...warm), Math.max(...warm)],
  [`next ${PLAYS} plays`, 'getStats every 5 ms', fmt(median(warmFine)), fmt(pct(warmFine, 90)),
    Math.min(...warmFine), Math.max(...warmFine)],
]);
console.log(`\nall plays, gwaViewer.firstFrameMs: ${warm.join(' ')}`);
console.log(`all plays, 5 ms getStats poll:     ${warmFine.join(' ')}`);

// The breakdown: every step's median time since gwaPlay over the warm plays
// (page steps from performance.now(), agent steps from its log on the same
// wall clock), in the order of those medians; "since previous" is the
// difference of consecutive medians.
const stepNames = [...new Set(warmSteps.flatMap((x) => Object.keys(x)))];
const stepRows = stepNames.map((name) => {
  const v = warmSteps.map((x) => x[name]).filter((x) => x !== undefined);
  return { name, median: median(v), p90: pct(v, 90), seen: v.length };
}).sort((a, b) => a.median - b.median);
console.log(`\nBreakdown of the ${PLAYS} warm plays (ms since gwaPlay; agent_* from the agent's log):\n`);
printTable(['step', 'median ms', 'p90 ms', 'since previous (medians)', 'plays with it'],
  stepRows.map((r, i) => [r.name, fmt(r.median, 1), fmt(r.p90, 1),
    i ? fmt(r.median - stepRows[i - 1].median, 1) : '', `${r.seen}/${PLAYS}`]));
console.log('\ncold play steps (ms since gwaPlay): '
  + Object.entries(cold.steps).sort((a, b) => a[1] - b[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '));

machine(`Resolution change visible in Chromium: SetQuality returned / first decoded frame of the new size (getStats polled every 10 ms), ${RESIZES} changes alternating 640x360 and 1280x720`);
printTable(['what', 'median ms', 'p90 ms', 'min ms', 'max ms'], [
  ['SetQuality RPC returns', fmt(median(rpcMs), 1), fmt(pct(rpcMs, 90), 1),
    fmt(Math.min(...rpcMs), 1), fmt(Math.max(...rpcMs), 1)],
  ['SetQuality sent -> new size decoded', fmt(median(visibleMs)), fmt(pct(visibleMs, 90)),
    fmt(Math.min(...visibleMs)), fmt(Math.max(...visibleMs))],
]);
console.log(`\nall changes (ms): ${visibleMs.map((x) => x.toFixed(0)).join(' ')}; `
  + `negotiations in this play: ${negotiations} (1 = no renegotiation)`);

machine(`Bitrate change seen by Chromium: SetQuality sent -> received rate over the last 500 ms past halfway between old and new target (getStats every 50 ms), 1280x720@30 smpte, ${BITRATE_CHANGES} changes alternating ${RATES[0]} and ${RATES[1]} kbps`);
printTable(['what', 'changes seen', 'median ms', 'p90 ms', 'min ms', 'max ms'], [
  ['SetQuality sent -> rate past halfway', `${rateMs.length} of ${BITRATE_CHANGES}`,
    rateMs.length ? fmt(median(rateMs)) : '-', rateMs.length ? fmt(pct(rateMs, 90)) : '-',
    rateMs.length ? fmt(Math.min(...rateMs)) : '-', rateMs.length ? fmt(Math.max(...rateMs)) : '-'],
]);
console.log(`\nall changes: ${rateNotes.join('; ')}`);

await browser.close();
await stack.stop();
process.exit(0);
