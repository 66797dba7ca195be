// Several viewers of one feed from the viewer page (issue 14): ?tiles=2 opens
// the same feed in two tiles, each its own Ahoy v1.1 session at the agent;
// "+ tile" adds a third; a second page joins too; closing one tile leaves the
// others decoding. Real local-director + gstwebrtc-agent + headless Debian
// Chromium; the agent's own count (streamctl get) is the judge.
import {
  assert, launchChromium, runTests, startStack, streamctl, waitUntil,
} from './harness.mjs';

const quality = { width: 320, height: 180, framerate: 30, bitrate_kbps: 400 };
const stack = await startStack({
  streams: [{
    stream_id: 'cam', source_uri: 'test://ball', codec: 'H264', quality, ahoy: { feed_name: 'cam' },
  }],
});
const { agent, director, webPort, grpc } = stack;
const browser = await launchChromium();
const page = await browser.context.newPage();

const getStream = async () => (await streamctl(grpc, 'get', 'cam'))[0];
const viewerIds = async () => ((await getStream()).viewers ?? []).map((v) => v.sessionId).sort();
const tiles = (p = page) => p.evaluate(() => JSON.parse(JSON.stringify(window.gwaTiles)));
// Waits until every tile named decodes `more` frames beyond now.
const keepDecoding = async (p, keys, more, timeoutMs) => {
  const now = await tiles(p);
  for (const k of keys) assert(now[k]?.framesDecoded > 0, `${k} has decoded frames`);
  await p.waitForFunction(([ks, base, n]) => ks.every((k) =>
    window.gwaTiles[k]?.framesDecoded > base[k] + n),
  [keys, Object.fromEntries(keys.map((k) => [k, now[k].framesDecoded])), more],
  { timeout: timeoutMs });
};
const waitViewers = (n) => waitUntil(`the agent has ${n} viewers of cam`,
  async () => (await viewerIds()).length === n, 10000);

const result = await runTests([
  ['?feed=cam&tiles=2: two tiles of one feed, both decoding, two sessions at the agent', async () => {
    await page.goto(`http://127.0.0.1:${webPort}/?feed=cam&tiles=2`);
    await page.waitForFunction(() => ['cam', 'cam#2'].every((k) =>
      window.gwaTiles[k]?.state === 'playing' && window.gwaTiles[k].framesDecoded > 30),
    null, { timeout: 30000 });
    const t = await tiles();
    for (const k of ['cam', 'cam#2']) {
      assert(t[k].frameWidth === 320 && t[k].frameHeight === 180,
        `${k}: ${t[k].frameWidth}x${t[k].frameHeight}`);
    }
    await waitViewers(2);
    const s = await getStream();
    assert(s.state === 'STREAMING', `agent stream: ${s.state}`);
    const ids = s.viewers.map((v) => v.sessionId);
    assert(ids.every((id) => id.length > 0) && new Set(ids).size === 2,
      `two distinct sessionIds: ${ids}`);
    assert(await page.$$eval('.tile[data-feed="cam"]', (els) => els.length) === 2, 'two tiles');
  }],

  ['"+ tile" adds a third viewer; the first two keep decoding', async () => {
    await page.click('#feeds li[data-feed="cam"] button.add-tile');
    await page.waitForFunction(() => window.gwaTiles['cam#3']?.framesDecoded > 15,
      null, { timeout: 20000 });
    await waitViewers(3);
    await keepDecoding(page, ['cam', 'cam#2', 'cam#3'], 15, 5000);
  }],

  ['a second page joins the same feed: its badge counts the viewers, Play is enabled', async () => {
    const other = await browser.context.newPage();
    try {
      await other.goto(`http://127.0.0.1:${webPort}/`);
      await other.waitForSelector('#feeds li[data-feed="cam"] .badge.playing', { timeout: 5000 });
      const badge = await other.textContent('#feeds li[data-feed="cam"] .badge');
      assert(badge === '3 watching', `other page's badge: ${badge}`);
      assert(!(await other.isDisabled('#feeds li[data-feed="cam"] button.play')), 'Play enabled');
      const snap = await other.evaluate(() => window.gwaPlay('cam', 20000));
      assert(snap.state === 'playing', `other page: ${snap.state}`);
      await other.waitForFunction(() => window.gwaTiles.cam?.frameWidth === 320, null,
        { timeout: 5000 });
      await waitViewers(4);
      await keepDecoding(page, ['cam', 'cam#2', 'cam#3'], 15, 5000);
    } finally {
      await other.close();
    }
    await waitViewers(3);
  }],

  ['closing one tile ends its session only', async () => {
    const before = await viewerIds();
    await page.click('.tile[data-tile="2"] button.stop');
    await page.waitForFunction(() => !window.gwaTiles['cam#2'], null, { timeout: 3000 });
    await waitViewers(2);
    const after = await viewerIds();
    assert(after.every((id) => before.includes(id)), `the others stay: ${before} -> ${after}`);
    await keepDecoding(page, ['cam', 'cam#3'], 15, 5000);
  }],

  ['closing the page ends every session it held', async () => {
    await page.close();
    await waitUntil('agent stream cam WAITING_FOR_VIEWER', async () => {
      const s = await getStream();
      return s.state === 'WAITING_FOR_VIEWER' && !s.pipelineRunning && !(s.viewers ?? []).length;
    }, 10000);
  }],
]);

await browser.close();
await stack.stop();
if (result.failed) {
  console.log('--- process logs ---');
  console.log([...director.child.log, ...agent.child.log].slice(-200).join('\n'));
}
console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed ? 1 : 0);
