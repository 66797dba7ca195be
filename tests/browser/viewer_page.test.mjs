// The viewer page as a user drives it: live feed list, several feeds side by
// side in tiles over one /viewer WebSocket, per-tile numbers and one-minute
// charts, real pixels on screen. Real local-director + gstwebrtc-agent +
// headless Debian Chromium; streamctl changes the agent's streams.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assert, launchChromium, runTests, startStack, streamctl, waitUntil,
} from './harness.mjs';

const quality = { width: 640, height: 360, framerate: 30, bitrate_kbps: 1000 };
const stream = (id, pattern) => ({
  stream_id: id, source_uri: `test://${pattern}`, codec: 'H264', quality, ahoy: { feed_name: id },
});
// "c" is never played: it only has to come and go in the list.
const stack = await startStack({
  streams: [stream('a', 'smpte'), stream('b', 'circular'), stream('c', 'ball')],
  directorWatchesAgent: true,
});
const {
  agent, director, config, webPort, directorUrl, grpc,
} = stack;
const browser = await launchChromium();
const page = await browser.context.newPage();
await page.setViewportSize({ width: 1400, height: 1100 });
const sockets = [];
page.on('websocket', (ws) => sockets.push(ws.url()));

const getStream = async (id) => (await streamctl(grpc, 'get', id))[0];
const tiles = () => page.evaluate(() => JSON.parse(JSON.stringify(window.gwaTiles)));
const listed = () => page.evaluate(() =>
  [...document.querySelectorAll('#feeds li')].map((li) => li.dataset.feed));
const framesOf = async (feed) => (await tiles())[feed]?.framesDecoded ?? -1;
// Waits until `feed` decodes `more` frames beyond now, in its tile.
const keepsDecoding = async (feed, more, timeoutMs) => {
  const f0 = await framesOf(feed);
  assert(f0 > 0, `${feed} has decoded frames (${f0})`);
  await page.waitForFunction(([f, n]) => window.gwaTiles[f]?.framesDecoded > n,
    [feed, f0 + more], { timeout: timeoutMs });
};

const result = await runTests([
  ['feed list shows every registered feed', async () => {
    await page.goto(`http://127.0.0.1:${webPort}/`);
    await page.waitForFunction(() => ['a', 'b', 'c'].every((f) =>
      document.querySelector(`#feeds li[data-feed="${f}"] button.play`)), null, { timeout: 10000 });
    assert(Object.keys(await tiles()).length === 0, 'no tile before any play');
    assert(await page.isVisible('#no-tiles'), 'empty-stage hint shown');
  }],

  ['Play on two feeds: two tiles side by side, both decoding at 640x360', async () => {
    await page.click('#feeds li[data-feed="a"] button.play');
    await page.click('#feeds li[data-feed="b"] button.play');
    await page.waitForFunction(() => ['a', 'b'].every((f) =>
      window.gwaTiles[f]?.state === 'playing' && window.gwaTiles[f].framesDecoded > 30),
    null, { timeout: 20000 });
    const t = await tiles();
    for (const f of ['a', 'b']) {
      assert(t[f].frameWidth === 640 && t[f].frameHeight === 360,
        `${f}: ${t[f].frameWidth}x${t[f].frameHeight}`);
      assert(t[f].negotiations === 1, `${f}: negotiations ${t[f].negotiations}`);
      assert(t[f].firstFrameMs > 0, `${f}: first frame ${t[f].firstFrameMs}`);
    }
    const viewerSockets = sockets.filter((u) => u.endsWith('/viewer'));
    assert(viewerSockets.length === 1, `one /viewer WebSocket carries both (${viewerSockets})`);
    for (const f of ['a', 'b']) {
      const s = await getStream(f);
      assert(s.state === 'STREAMING', `agent stream ${f}: ${s.state}`);
    }
    const boxes = await page.$$eval('.tile', (els) => els.map((e) => {
      const r = e.getBoundingClientRect();
      return { feed: e.dataset.feed, x: r.x, y: r.y, w: r.width };
    }));
    assert(boxes.length === 2, `${boxes.length} tiles`);
    assert(boxes[0].y === boxes[1].y && boxes[0].x + boxes[0].w <= boxes[1].x,
      `tiles side by side: ${JSON.stringify(boxes)}`);
    const badges = await page.$$eval('#feeds li .badge', (els) =>
      els.map((e) => `${e.closest('li').dataset.feed}:${e.textContent}`));
    assert(badges.includes('a:watching') && badges.includes('b:watching')
      && badges.includes('c:idle'), `badges ${badges}`);
  }],

  ['each tile charts bitrate, fps, RTT, loss and jitter once a second', async () => {
    await page.waitForFunction(() => ['a', 'b'].every((f) => {
      const p = window.gwaTiles[f]?.chartPoints;
      return p && p.bitrate >= 4 && p.fps >= 4 && p.loss >= 4 && p.jitter >= 4 && p.rtt >= 1;
    }), null, { timeout: 15000 });
    const t = await tiles();
    for (const f of ['a', 'b']) {
      assert(t[f].bitrateKbps > 100, `${f}: bitrate ${t[f].bitrateKbps} kbps`);
      assert(t[f].fps >= 10, `${f}: fps ${t[f].fps}`);
      assert(typeof t[f].rttMs === 'number' && t[f].rttMs >= 0, `${f}: rtt ${t[f].rttMs}`);
      assert(t[f].chartDraws >= 4, `${f}: charts drawn ${t[f].chartDraws} times`);
    }
    // The bitrate and fps strips have ink where the last seconds are drawn:
    // the right-most 15 % of the canvas, gridline row left out (the scale
    // label is top left), is blank until points are plotted there.
    const inked = await page.$$eval('.tile .chart canvas', (canvases) => canvases.map((c) => {
      const x0 = Math.floor(c.width * 0.85);
      const d = c.getContext('2d').getImageData(x0, 0, c.width - x0, c.height).data;
      const mid = Math.round(c.height / 2);
      let n = 0;
      for (let i = 3; i < d.length; i += 4) {
        const row = Math.floor((i >> 2) / (c.width - x0));
        if (Math.abs(row - mid) > 1 && d[i] > 0) n++;
      }
      return { feed: c.closest('.tile').dataset.feed, chart: c.parentNode.dataset.chart, n };
    }));
    assert(inked.length === 10, `${inked.length} chart canvases`);
    for (const x of inked.filter((i) => i.chart === 'bitrate' || i.chart === 'fps')) {
      assert(x.n > 50, `${x.feed}/${x.chart}: ${x.n} painted pixels`);
    }
  }],

  ['the bitrate strip charts the agent\'s estimate for this viewer next to the received rate',
    async () => {
      await page.waitForFunction(() => ['a', 'b'].every((f) =>
        window.gwaTiles[f]?.chartPoints.estimate >= 3), null, { timeout: 20000 });
      const t = await tiles();
      for (const f of ['a', 'b']) {
        assert(t[f].session, `${f}: the director's answer named the session (${t[f].session})`);
        assert(t[f].estimateKbps > 0 && t[f].targetKbps > 0,
          `${f}: estimate ${t[f].estimateKbps} kbps, target ${t[f].targetKbps} kbps`);
        // The same figures the agent gives its operators, for the same viewer.
        const s = await getStream(f);
        const v = (s.viewers ?? []).find((x) => x.sessionId === t[f].session);
        assert(v, `${f}: agent lists session ${t[f].session}: ${JSON.stringify(s.viewers)}`);
      }
      const label = await page.$eval('.tile[data-feed="a"] .chart[data-chart="bitrate"] .v',
        (e) => e.textContent);
      assert(/ \/ est \d+/.test(label), `bitrate label shows the estimate: "${label}"`);
      const r = await page.evaluate(async (q) => {
        const res = await fetch(`/api/congestion?${q}`);
        return { status: res.status, body: await res.json() };
      }, new URLSearchParams({ feed: 'a', session: t.a.session }).toString());
      assert(r.status === 200 && r.body.feed === 'a' && r.body.session === t.a.session
        && r.body.estimateKbps > 0, `/api/congestion: ${JSON.stringify(r)}`);
      const none = await page.evaluate(async () =>
        (await fetch('/api/congestion?feed=a&session=nobody')).status);
      assert(none === 404, `an unknown session: ${none}`);
    }],

  ['video shows real pixels, in the elements and in a screenshot', async () => {
    const videos = await page.$$eval('.tile video', (els) => els.map((v) => {
      const c = document.createElement('canvas');
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      const g = c.getContext('2d');
      g.drawImage(v, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let bright = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2] > 16) bright++;
      }
      return { feed: v.closest('.tile').dataset.feed, w: c.width, h: c.height,
        bright: bright / Math.max(1, c.width * c.height) };
    }));
    assert(videos.length === 2, `${videos.length} videos`);
    for (const v of videos) {
      assert(v.w === 640 && v.h === 360, `${v.feed}: video ${v.w}x${v.h}`);
      assert(v.bright > 0.1, `${v.feed}: ${(v.bright * 100).toFixed(1)} % non-black pixels`);
    }
    // The screenshot itself: decode it in the page and look inside each video's box.
    const png = await page.screenshot();
    const shot = process.env.GWA_SCREENSHOT ?? join(config.dir, 'viewer-page.png');
    writeFileSync(shot, png);
    console.log(`screenshot: ${shot}`);
    const onScreen = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      return [...document.querySelectorAll('.tile video')].map((v) => {
        const r = v.getBoundingClientRect();
        const d = g.getImageData(Math.round(r.x), Math.round(r.y), Math.round(r.width),
          Math.round(r.height)).data;
        let bright = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2] > 16) bright++;
        }
        return { feed: v.closest('.tile').dataset.feed, bright: bright / (d.length / 4) };
      });
    }, png.toString('base64'));
    for (const v of onScreen) {
      assert(v.bright > 0.1, `${v.feed} on screen: ${(v.bright * 100).toFixed(1)} % non-black`);
    }
  }],

  ['stopping one tile leaves the other playing', async () => {
    await page.click('.tile[data-feed="a"] button.stop');
    await page.waitForFunction(() => !window.gwaTiles.a && !document.querySelector('.tile[data-feed="a"]'),
      null, { timeout: 2000 });
    await waitUntil('agent stream a back to WAITING_FOR_VIEWER, pipeline freed', async () => {
      const s = await getStream('a');
      return s.state === 'WAITING_FOR_VIEWER' && !s.pipelineRunning;
    }, 5000);
    await keepsDecoding('b', 45, 5000);
    const b = await getStream('b');
    assert(b.state === 'STREAMING' && b.viewerSessions === 1, `b: ${b.state}, ${b.viewerSessions}`);
    await page.waitForSelector('#feeds li[data-feed="a"] button.play', { timeout: 2000 });
  }],

  ['a feed stopped on the agent leaves the list live; started again, it comes back', async () => {
    await streamctl(grpc, 'stop', 'c');
    await page.waitForFunction(() => !document.querySelector('#feeds li[data-feed="c"]'),
      null, { timeout: 5000 });
    let ids = await listed();
    assert(ids.includes('a') && ids.includes('b'), `still listed: ${ids}`);
    await streamctl(grpc, 'start', 'c', 'test://ball', '--feed', 'c', '--director', directorUrl,
      '--size', '640x360');
    await page.waitForSelector('#feeds li[data-feed="c"] button.play', { timeout: 5000 });
    ids = await listed();
    assert(ids.length === 3, `listed: ${ids}`);
    await keepsDecoding('b', 15, 3000);
  }],

  ['gwaPlay / gwaViewer / gwaStop still describe one feed among several tiles', async () => {
    const snap = await page.evaluate(() => window.gwaPlay('a'));
    assert(snap.feed === 'a' && snap.state === 'playing', `snapshot ${snap.feed} ${snap.state}`);
    await page.waitForFunction(() => window.gwaViewer.feed === 'a'
      && window.gwaViewer.framesDecoded > 10 && window.gwaViewer.frameWidth === 640,
    null, { timeout: 5000 });
    assert(Object.keys(await tiles()).sort().join() === 'a,b', 'tiles a and b');
    await page.evaluate(() => window.gwaStop());
    const v = await page.evaluate(() => ({ ...window.gwaViewer }));
    assert(v.state === 'idle' && v.feed === 'a', `after gwaStop: ${v.feed} ${v.state}`);
    await keepsDecoding('b', 15, 3000);
  }],

  ['a feed held by this page can be joined from another page (several viewers per feed)', async () => {
    const other = await browser.context.newPage();
    try {
      await other.goto(`http://127.0.0.1:${webPort}/`);
      await other.waitForSelector('#feeds li[data-feed="b"] .badge.playing', { timeout: 5000 });
      assert(!(await other.isDisabled('#feeds li[data-feed="b"] button')), 'Play enabled on b');
      const snap = await other.evaluate(() => window.gwaPlay('b', 20000));
      assert(snap.state === 'playing', `other page: ${snap.state}`);
      await waitUntil('agent stream b has 2 viewers',
        async () => ((await getStream('b')).viewers ?? []).length === 2, 5000);
    } finally {
      await other.close();
    }
    await keepsDecoding('b', 15, 3000);
  }],

  ['a watched feed whose agent stream stops: its tile says so, the list drops it', async () => {
    await page.click('#feeds li[data-feed="c"] button.play');
    await page.waitForFunction(() => window.gwaTiles.c?.framesDecoded > 5, null, { timeout: 15000 });
    await streamctl(grpc, 'stop', 'c');
    await page.waitForFunction(() => window.gwaTiles.c?.state === 'error'
      && !document.querySelector('#feeds li[data-feed="c"]'), null, { timeout: 5000 });
    const c = (await tiles()).c;
    assert(c.error === 'agent disconnected', `tile c: ${c.error}`);
    assert(await page.isVisible('.tile[data-feed="c"] button.retry'), 'Retry offered');
    await page.click('.tile[data-feed="c"] button.stop');
    await page.waitForFunction(() => !window.gwaTiles.c, null, { timeout: 2000 });
    await keepsDecoding('b', 15, 3000);
  }],

  ['closing the page ends every session it held', async () => {
    await page.evaluate(() => window.gwaPlay('a'));
    await page.close();
    for (const f of ['a', 'b']) {
      await waitUntil(`agent stream ${f} WAITING_FOR_VIEWER`, async () => {
        const s = await getStream(f);
        return s.state === 'WAITING_FOR_VIEWER' && !s.pipelineRunning;
      }, 5000);
    }
  }],
]);

await browser.close();
// On failure keep the config directory: the screenshot is in it.
await stack.stop({ keepConfig: result.failed > 0 });
if (result.failed) {
  console.log('--- process logs ---');
  console.log([...director.child.log, ...agent.child.log].slice(-200).join('\n'));
}
console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed ? 1 : 0);
