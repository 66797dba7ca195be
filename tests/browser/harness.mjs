// Starts real processes (local-director, gstwebrtc-agent), drives streamctl,
// and launches Debian's Chromium (headless unless asked) through
// playwright-core. Shared by the browser tests and bench/*.mjs.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BIN = process.env.GWA_BIN_DIR ?? join(process.cwd(), '../../build/bin');

const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

// Spawns a process and resolves with the first stdout match of `ready`.
export function startProcess(name, args, ready, env = {}) {
  const child = spawn(join(BIN, name), args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.log = [];
  const record = (d) => {
    for (const line of d.toString().split('\n')) if (line) child.log.push(`[${name}] ${line}`);
  };
  child.stderr.on('data', record);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready in 30 s`)), 30000);
    child.stdout.on('data', (d) => {
      record(d);
      const m = d.toString().match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${child.log.join('\n')}`));
    });
  });
}

export function stopProcess(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.removeAllListeners('exit');
    child.on('exit', (code, signal) => resolve(code ?? signal));
    child.kill('SIGTERM');
  });
}

export function streamctl(server, ...args) {
  return new Promise((resolve, reject) => {
    execFile(join(BIN, 'streamctl'), ['--server', server, '--json', ...args],
      { timeout: 20000 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`streamctl ${args.join(' ')}: ${stderr || err.message}`));
        resolve(stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)));
      });
  });
}

export function tempConfig(streams) {
  const dir = mkdtempSync(join(tmpdir(), 'gwa-e2e-'));
  const path = join(dir, 'agent.json');
  writeFileSync(path, JSON.stringify({ streams }));
  return { path, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// A local-director on a free port and an agent registered with it, started
// with `streams` (agent config entries) and any extra agent flags; resolves
// once both are listening. stop() ends both and removes the config directory
// (stop({ keepConfig: true }) keeps it, e.g. for a screenshot saved there).
// A loopback TCP port nobody listens on now (the kernel's pick).
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// With `directorWatchesAgent`, the director follows the agent's WatchStats
// (--agent-grpc) so its page charts the agent's estimate per viewer; the
// agent's gRPC port is then picked here, since the director starts first.
export async function startStack({
  streams, agentArgs = [], agentEnv = {}, logLevel, directorWatchesAgent = false,
} = {}) {
  const level = logLevel ? ['--log-level', logLevel] : [];
  const grpcListen = directorWatchesAgent ? `127.0.0.1:${await freePort()}` : '127.0.0.1:0';
  const watch = directorWatchesAgent ? ['--agent-grpc', grpcListen] : [];
  const director = await startProcess('local-director',
    ['--listen', '127.0.0.1:0', ...watch, ...level],
    /listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  const webPort = director.match[1];
  const config = tempConfig(streams);
  let agent;
  try {
    agent = await startProcess('gstwebrtc-agent', [
      '--grpc-listen', grpcListen, '--director-url', `ws://127.0.0.1:${webPort}/feeds/`,
      '--config', config.path, ...level, ...agentArgs,
    ], /gRPC on port (\d+)/, agentEnv);
  } catch (e) {
    await stopProcess(director.child);
    config.cleanup();
    throw e;
  }
  return {
    director,
    agent,
    config,
    webPort,
    directorUrl: `ws://127.0.0.1:${webPort}/feeds/`,
    grpc: `127.0.0.1:${agent.match[1]}`,
    stop: async ({ keepConfig = false } = {}) => {
      await stopProcess(agent.child);
      await stopProcess(director.child);
      if (!keepConfig) config.cleanup();
    },
  };
}

// headless: false needs a display (DISPLAY, e.g. under xvfb-run); the
// latency benchmark uses it to read frames as Chromium paints them.
export async function launchChromium({ headless = true } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'gwa-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// Polls `fn` (async) until it returns a truthy value or the timeout passes.
// Polling a browser page is the only way to observe it from outside.
export async function waitUntil(what, fn, timeoutMs) {
  const start = Date.now();
  let last;
  while (Date.now() - start < timeoutMs) {
    last = await fn();
    if (last) return { value: last, ms: Date.now() - start };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// Minimal runner that prints the closing line CI reads.
export async function runTests(tests) {
  let passed = 0;
  let failed = 0;
  for (const [name, fn] of tests) {
    const start = Date.now();
    try {
      await fn();
      passed++;
      console.log(`ok   ${name} (${Date.now() - start} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e.stack ?? e}`);
    }
  }
  return { passed, failed };
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}
