// End to end, as a user sees it: local-director + gstwebrtc-agent + headless
// Debian Chromium on the director's viewer page, driven over gRPC by streamctl.
import {
  assert, launchChromium, runTests, startStack, stopProcess, streamctl, waitUntil,
} from './harness.mjs';

const stack = await startStack({
  streams: [{
    stream_id: 'demo', source_uri: 'test://smpte', codec: 'H264',
    quality: { width: 1280, height: 720, framerate: 30, bitrate_kbps: 2000 },
    ahoy: { feed_name: 'demo' },
  }],
  agentEnv: { AHOY_API_KEY: 'e2e-secret-key' },
});
const { agent, director, webPort, grpc } = stack;
const browser = await launchChromium();
const page = await browser.context.newPage();
const figures = {};

const getStream = async () => (await streamctl(grpc, 'get', 'demo'))[0];
const viewer = () => page.evaluate(() => ({ ...window.gwaViewer }));
const feedsApi = async () => (await fetch(`http://127.0.0.1:${webPort}/api/feeds`)).json();

const result = await runTests([
  ['feed registers with the director', async () => {
    await waitUntil('feed demo listed', async () =>
      (await feedsApi()).feeds?.some((f) => f.name === 'demo'), 10000);
    const s = await getStream();
    assert(s.state === 'WAITING_FOR_VIEWER', `state ${s.state}`);
    assert(s.ahoy.state === 'LINK_REGISTERED', `link ${s.ahoy.state}`);
    assert(s.ahoy.apiKeySet === true, 'api key reported as set');
    assert(!JSON.stringify(s).includes('e2e-secret-key'), 'key never echoed');
  }],

  ['viewer page plays the feed at the quality in force', async () => {
    const start = Date.now();
    await page.goto(`http://127.0.0.1:${webPort}/?feed=demo`);
    await page.waitForFunction(() => window.gwaViewer?.framesDecoded > 0, null, { timeout: 15000 });
    figures.pageLoadToFirstFrameMs = Date.now() - start;
    figures.playToFirstFrameMs = (await viewer()).firstFrameMs;
    await page.waitForFunction(() => window.gwaViewer.framesDecoded > 30, null, { timeout: 10000 });
    const v = await viewer();
    const s = await getStream();
    assert(s.state === 'STREAMING', `state ${s.state}`);
    assert(v.frameWidth === s.quality.width && v.frameHeight === s.quality.height,
      `browser ${v.frameWidth}x${v.frameHeight} vs quality ${s.quality.width}x${s.quality.height}`);
    assert(v.frameWidth === 1280 && v.frameHeight === 720, `size ${v.frameWidth}x${v.frameHeight}`);
  }],

  ['WatchStats streams samples with RTT from the browser RTCP', async () => {
    const samples = await streamctl(grpc, 'watch', 'demo', '--interval_ms', '500', '--count', '8');
    assert(samples.length === 8, `got ${samples.length} samples`);
    const streaming = samples.filter((x) => x.state === 'STREAMING' && Number(x.bytesSent) > 0);
    assert(streaming.length >= 4, `streaming samples ${streaming.length}`);
    assert(samples.some((x) => x.roundTripTimeMs !== undefined), 'RTT present in a sample');
    assert(streaming.some((x) => x.sendBitrateKbps > 100), 'bitrate measured');
  }],

  ['SetQuality 640x360@15 reaches the browser without renegotiation', async () => {
    const before = await viewer();
    const start = Date.now();
    const [s] = await streamctl(grpc, 'set', 'demo', '--width', '640', '--height', '360',
      '--framerate', '15');
    assert(s.quality.width === 640 && s.quality.height === 360 && s.quality.framerate === 15,
      `quality in force ${JSON.stringify(s.quality)}`);
    assert(s.quality.bitrateKbps === 2000, 'untouched bitrate stays');
    await page.waitForFunction(() => window.gwaViewer.frameWidth === 640
      && window.gwaViewer.frameHeight === 360, null, { timeout: 2000 });
    figures.setQualityToVisibleMs = Date.now() - start;
    const after = await viewer();
    assert(after.negotiations === before.negotiations, 'no new offer/answer in the page');
    const feed = (await feedsApi()).feeds.find((f) => f.name === 'demo');
    assert(feed.negotiations === 1, `director relayed ${feed.negotiations} sdpRequests`);
    // Framerate follows: sample decoded frames over 2 s.
    const f0 = (await viewer()).framesDecoded;
    await page.waitForTimeout(2000);
    const fps = ((await viewer()).framesDecoded - f0) / 2;
    figures.fpsAfterSetQuality = fps;
    assert(fps >= 10 && fps <= 19, `fps ${fps} should be about 15`);
  }],

  ['bad requests get clear statuses', async () => {
    const expectFail = async (args, code) => {
      try {
        await streamctl(grpc, ...args);
      } catch (e) {
        assert(e.message.includes(code), `${args.join(' ')}: ${e.message}`);
        return;
      }
      throw new Error(`${args.join(' ')} succeeded`);
    };
    await expectFail(['set', 'demo', '--width', '99999'], 'INVALID_ARGUMENT');
    await expectFail(['get', 'nope'], 'NOT_FOUND');
  }],

  ['viewer stop frees the pipeline; play again works', async () => {
    await page.evaluate(() => window.gwaStop());
    const { value: s } = await waitUntil('WAITING_FOR_VIEWER', async () => {
      const x = await getStream();
      return x.state === 'WAITING_FOR_VIEWER' && !x.pipelineRunning ? x : null;
    }, 5000);
    assert(s.viewerSessions === 1, `sessions ${s.viewerSessions}`);
    await page.evaluate(() => window.gwaPlay('demo'));
    await page.waitForFunction(() => window.gwaViewer.framesDecoded > 10
      && window.gwaViewer.frameWidth === 640, null, { timeout: 15000 });
    const again = await getStream();
    assert(again.viewerSessions === 2, `sessions ${again.viewerSessions}`);
    assert(again.pipelineRunning === true, 'pipeline rebuilt');
  }],

  ['SIGTERM shuts the agent down cleanly within 5 s', async () => {
    const start = Date.now();
    const code = await stopProcess(agent.child);
    const ms = Date.now() - start;
    figures.shutdownMs = ms;
    assert(code === 0, `exit code ${code}`);
    assert(ms < 5000, `took ${ms} ms`);
    const logs = agent.child.log.join('\n') + director.child.log.join('\n');
    assert(!logs.includes('e2e-secret-key'), 'API key never logged');
  }],
]);

console.log('figures:', JSON.stringify(figures));
await browser.close();
await stack.stop();
if (result.failed) {
  console.log('--- process logs ---');
  console.log([...director.child.log, ...agent.child.log].slice(-200).join('\n'));
}
console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed ? 1 : 0);
