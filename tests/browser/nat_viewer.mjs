// A Chromium viewer as a process: opens the director's viewer page on one
// feed and prints what it sees as JSON lines, in tests/helpers/test_viewer's
// format ({"event":"playing"}, {"event":"first_frame","play_ms":N},
// {"event":"sample","frames":N,"width":W,"height":H,"t_ms":T,"rtp_payload_bytes":B,
// "max_gap_ms":G,"freeze_count":F,"total_freezes_ms":Z,"fps":R}, {"event":"done"}),
// so a C++ network test can
// run a real browser inside a network namespace (nat_traversal_test.cc,
// bottleneck_chromium_test.cc) exactly as it runs test_viewer. max_gap_ms is
// the longest time, since the last sample, that the decoded-frame count stood
// still, at the page's stats resolution (500 ms): freeze_count, Chromium's own
// count, is the finer measure.
// The page takes its ICE servers from the director (/api/ice-servers).
//
// With --latency 1 (an agent running --latency-probe) every painted frame's
// stamp is read (latency_stamp.js, requestVideoFrameCallback) and each sample
// carries "latencies_ms": capture -> expected on screen for the frames painted
// since the last sample, and "stamped"/"unreadable" counts: test_viewer's
// field, measured at the screen instead of at the decoder.
//
// node nat_viewer.mjs --director HOST:PORT --feed NAME [--seconds N] [--report_ms N]
//                     [--latency 1]
import { fileURLToPath } from 'node:url';
import { launchChromium } from './harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
  if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
  return pairs;
}, []));
const director = args.director ?? '127.0.0.1:8080';
const feed = args.feed ?? '';
const seconds = Number(args.seconds ?? 20);
const reportMs = Number(args.report_ms ?? 500);
const latency = args.latency === '1';
const emit = (event) => console.log(JSON.stringify(event));

const browser = await launchChromium();
const start = Date.now();
// Ends the run whatever happens, so a stuck page never outlives the test.
const deadline = setTimeout(async () => {
  emit({ event: 'done' });
  await browser.close();
  process.exit(0);
}, seconds * 1000);

// Runs in the page: follows the playing <video>'s painted frames, keeping
// each readable stamp's delay for the next sample. Idempotent; false until
// the video exists.
function followStamps() {
  if (window.gwaStamps) return true;
  const video = document.querySelector('video');
  if (!video) return false;
  const readStamp = window.gwaLatencyStamp.reader(video);
  const stamps = { latencies: [], unreadable: 0 };
  window.gwaStamps = stamps;
  const onFrame = (now, md) => {
    const stamp = readStamp();
    if (stamp === null) {
      stamps.unreadable++;
    } else {
      stamps.latencies.push(Math.round(window.gwaLatencyStamp.sinceMs(stamp, md.expectedDisplayTime)));
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  return true;
}

// Runs in the page: the stamps read since the last call.
function takeStamps() {
  const stamps = window.gwaStamps;
  if (!stamps) return { latencies: [], unreadable: 0 };
  const taken = { latencies: stamps.latencies, unreadable: stamps.unreadable };
  stamps.latencies = [];
  stamps.unreadable = 0;
  return taken;
}

try {
  if (latency) {
    await browser.context.addInitScript({
      path: fileURLToPath(new URL('./latency_stamp.js', import.meta.url)),
    });
  }
  const page = await browser.context.newPage();
  await page.goto(`http://${director}/?feed=${encodeURIComponent(feed)}`);
  emit({ event: 'playing' });
  let firstFrameSeen = false;
  let lastFrames = 0;
  let lastAdvance = Date.now();
  const report = setInterval(async () => {
    const v = await page.evaluate(() => ({ ...window.gwaViewer })).catch(() => null);
    if (!v) return;
    if (!firstFrameSeen && v.firstFrameMs !== null && v.firstFrameMs !== undefined) {
      firstFrameSeen = true;
      emit({ event: 'first_frame', play_ms: v.firstFrameMs });
    }
    const now = Date.now();
    const frames = v.framesDecoded ?? 0;
    // A window in which no frame was decoded reports how long the count has
    // stood still; one in which frames came reports 0.
    let maxGap = 0;
    if (frames > lastFrames) {
      lastFrames = frames;
      lastAdvance = now;
    } else if (firstFrameSeen) {
      maxGap = now - lastAdvance;
    }
    const sample = {
      event: 'sample', frames, width: v.frameWidth ?? 0,
      height: v.frameHeight ?? 0, t_ms: now - start, state: v.state, error: v.error,
      rtp_payload_bytes: v.bytesReceived ?? 0, max_gap_ms: maxGap,
      freeze_count: v.freezeCount ?? 0, total_freezes_ms: v.totalFreezesMs ?? 0, fps: v.fps ?? 0,
    };
    if (latency && await page.evaluate(followStamps).catch(() => false)) {
      const stamps = await page.evaluate(takeStamps).catch(() => null);
      if (stamps) {
        sample.latencies_ms = stamps.latencies;
        sample.stamped = stamps.latencies.length;
        sample.unreadable = stamps.unreadable;
      }
    }
    emit(sample);
  }, reportMs);
  deadline.unref?.();
  process.on('SIGTERM', async () => {
    clearInterval(report);
    await browser.close();
    process.exit(0);
  });
} catch (e) {
  emit({ event: 'error', message: String(e) });
  clearTimeout(deadline);
  await browser.close();
  process.exit(1);
}
