// When the viewer page's offer leaves, and what the agent says about a play
// (issue 16, time to first frame). Real local-director + gstwebrtc-agent (at
// debug level, for its play-step lines) + headless Debian Chromium.
//  - Without ICE servers the page sends its offer once its host candidates are
//    known, not after Chromium's whole gathering; the offer carries them and
//    the play decodes.
//  - With a STUN server (a tiny one here, on loopback) the page still waits
//    for gathering to complete: server-reflexive candidates are what a viewer
//    behind a NAT needs, and the protocol has no trickle.
//  - The agent's play-step lines (src/engine/play_steps.h) name every step
//    of a play, in causal order.
// No timing is asserted.
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import {
  assert, launchChromium, runTests, startStack, streamctl, waitUntil,
} from './harness.mjs';

// A STUN binding responder (RFC 5389: XOR-MAPPED-ADDRESS only), enough for
// Chromium to finish gathering a server-reflexive candidate.
const MAGIC = 0x2112a442;
const stun = createSocket('udp4');
let bindingRequests = 0;
stun.on('message', (msg, from) => {
  if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001 || msg.readUInt32BE(4) !== MAGIC) return;
  bindingRequests++;
  const attr = Buffer.alloc(12);
  attr.writeUInt16BE(0x0020, 0);
  attr.writeUInt16BE(8, 2);
  attr.writeUInt8(0x01, 5);
  attr.writeUInt16BE(from.port ^ (MAGIC >>> 16), 6);
  const ip = from.address.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
  attr.writeUInt32BE((ip ^ MAGIC) >>> 0, 8);
  const head = Buffer.alloc(20);
  head.writeUInt16BE(0x0101, 0);
  head.writeUInt16BE(attr.length, 2);
  head.writeUInt32BE(MAGIC, 4);
  msg.copy(head, 8, 8, 20);
  stun.send(Buffer.concat([head, attr]), from.port, from.address);
});
await new Promise((r) => stun.bind(0, '127.0.0.1', r));
const stunPort = stun.address().port;

const stack = await startStack({
  streams: [{
    stream_id: 'demo', source_uri: 'test://smpte', codec: 'H264',
    quality: { width: 640, height: 360, framerate: 30, bitrate_kbps: 1000 },
    ahoy: { feed_name: 'demo' },
  }],
  agentArgs: ['--log-level', 'debug'],
});
const { agent, director, webPort, grpc } = stack;
const browser = await launchChromium();
const page = await browser.context.newPage();
// What the page's {"play"} command carried, and the gathering state then.
await browser.context.addInitScript({
  path: fileURLToPath(new URL('./record_peers.js', import.meta.url)),
});
await browser.context.addInitScript(() => {
  window.gwaOffersSent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function recorded(data) {
    if (typeof data === 'string' && data.startsWith('{"play"')) {
      const pc = window.gwaPeers[window.gwaPeers.length - 1];
      window.gwaOffersSent.push({ sdp: JSON.parse(data).play.sdp, gathering: pc.iceGatheringState });
    }
    return send.call(this, data);
  };
});
let iceServers = [];
await page.route('**/api/ice-servers', (route) => route.fulfill({
  contentType: 'application/json', body: JSON.stringify(iceServers),
}));

const getStream = async () => (await streamctl(grpc, 'get', 'demo'))[0];
const lastOffer = () => page.evaluate(() => window.gwaOffersSent[window.gwaOffersSent.length - 1]);
const playAndStop = async () => {
  await page.evaluate(() => window.gwaPlay('demo', 20000));
  const offer = await lastOffer();
  await page.evaluate(() => window.gwaStop());
  await waitUntil('stream idle', async () => (await getStream()).state === 'WAITING_FOR_VIEWER',
    10000);
  return offer;
};

// The page fetches the director's ICE servers ahead (when it connects): a
// new list is seen on a fresh page.
const openPage = async () => {
  await page.goto(`http://127.0.0.1:${webPort}/`);
  await waitUntil('feed listed', () => page.evaluate(() => window.gwaViewer.connected
    && window.gwaViewer.feeds.some((f) => f.name === 'demo' && f.state === 'idle')), 15000);
};

const result = await runTests([
  ['without ICE servers the offer carries the host candidates and plays', async () => {
    await openPage();
    const offer = await playAndStop();
    assert(/a=candidate:.* typ host/.test(offer.sdp), 'offer carries a host candidate');
    // Informational: "gathering" when the offer left before Chromium's later
    // allocation steps finished (the point of the change).
    console.log(`info: gathering state when the offer left: ${offer.gathering}`);
  }],

  ['the agent logs every step of the play, in causal order', async () => {
    const from = agent.child.log.length;
    await playAndStop();
    const steps = {};
    for (const line of agent.child.log.slice(from)) {
      const m = line.match(/play-step (\S+) (\S+) ([\d.]+)/);
      if (m && !(m[2] in steps)) steps[m[2]] = Number(m[3]);
    }
    // Each step causes the next (DTLS needs the page to hold the answer).
    const chain = ['stream_start_request', 'sdp_request', 'offer_on_engine', 'source_running',
      'session_built', 'remote_offer_set', 'answer_created', 'gathering_done', 'sdp_response',
      'dtls_connected'];
    for (const s of [...chain, 'ice_connected', 'first_srtp']) {
      assert(s in steps, `step ${s} logged (${JSON.stringify(steps)})`);
    }
    for (let i = 1; i < chain.length; i++) {
      assert(steps[chain[i - 1]] <= steps[chain[i]], `${chain[i - 1]} before ${chain[i]}`);
    }
    // ice_connected and first_srtp stay out of the chain: libnice may see a
    // pair succeed before the answer is handed over (the page answers checks
    // without it), and webrtcbin reports its connection state from its own
    // task queue, which may lag the first packet.
  }],

  ['with a STUN server the offer waits for gathering to complete', async () => {
    iceServers = [{ urls: [`stun:127.0.0.1:${stunPort}`] }];
    await openPage();
    const offer = await playAndStop();
    assert(bindingRequests > 0, 'the page asked the STUN server');
    assert(offer.gathering === 'complete', `gathering ${offer.gathering} when the offer left`);
    assert(/ typ host/.test(offer.sdp), 'offer carries a host candidate');
  }],
]);

await browser.close();
await stack.stop();
stun.close();
if (result.failed) {
  console.log('--- process logs ---');
  console.log([...director.child.log, ...agent.child.log].slice(-200).join('\n'));
}
console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed ? 1 : 0);
