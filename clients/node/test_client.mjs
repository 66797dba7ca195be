// CI check of the Node.js client against a live agent: Start, SetQuality,
// WatchStats (three samples), Stop, and statuses with reasons.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { StreamControlClient, grpc } from './streamcontrol_client.mjs';

let agent;
let client;

before(async () => {
  agent = spawn(join(process.env.GWA_BIN_DIR, 'gstwebrtc-agent'), [
    '--grpc-listen', '127.0.0.1:0', '--stats-interval-ms', '200',
    '--director-url', 'ws://127.0.0.1:9/feeds/',
  ], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise((resolve, reject) => {
    agent.stdout.on('data', (d) => {
      const m = d.toString().match(/gRPC on port (\d+)/);
      if (m) resolve(m[1]);
    });
    agent.on('exit', (code) => reject(new Error(`agent exited with ${code}`)));
  });
  client = new StreamControlClient(`127.0.0.1:${port}`);
});

after(() => {
  client?.close();
  agent?.kill('SIGTERM');
});

test('start, set quality, watch three samples, stop', async () => {
  const started = await client.start('node-1', 'test://ball', { quality: { width: 640, height: 360 } });
  assert.equal(started.state, 'WAITING_FOR_VIEWER');
  assert.equal(started.quality.width, 640);

  const set = await client.setQuality('node-1', { bitrateKbps: 750, framerate: 15 });
  assert.equal(set.quality.bitrateKbps, 750);
  assert.equal(set.quality.framerate, 15);
  assert.equal(set.quality.width, 640, 'unset fields stay');

  const samples = await client.watch('node-1', { intervalMs: 200, count: 3 });
  assert.equal(samples.length, 3);
  for (const s of samples) {
    assert.equal(s.streamId, 'node-1');
    assert.equal(s.quality.bitrateKbps, 750);
    assert.ok(Number(s.timestampUnixMs) > 0);
  }
  assert.ok((await client.list()).some((s) => s.streamId === 'node-1'));
  assert.equal((await client.stop('node-1')).state, 'STOPPED');
});

test('errors carry the status code and the reason', async () => {
  await assert.rejects(client.get('does-not-exist'), (e) => e.code === grpc.status.NOT_FOUND);
  await client.start('node-2', 'test://ball');
  await assert.rejects(client.setQuality('node-2', { width: 99999 }),
    (e) => e.code === grpc.status.INVALID_ARGUMENT && e.details.includes('width'));
  await assert.rejects(client.start('node-2', 'test://ball'),
    (e) => e.code === grpc.status.ALREADY_EXISTS);
  await client.stop('node-2');
});
