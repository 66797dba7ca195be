// Helpers shared by the Node benchmarks (bench/*.mjs): percentiles, Markdown
// tables and the machine header every table is printed under, like
// gwa_bench's (bench/bench_util.h).
import {execFileSync} from 'node:child_process';
import {cpus, loadavg, release} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

// The browser tests' harness (tests/browser/harness.mjs), with GWA_BIN_DIR
// defaulting to this checkout's build/bin: the harness reads it when it is
// imported, so it is set first.
export async function importHarness() {
  process.env.GWA_BIN_DIR ??= join(dirname(fileURLToPath(import.meta.url)), '../build/bin');
  return import('../tests/browser/harness.mjs');
}

// Nearest rank, p in 0..100 (as gwa_bench's Percentile).
export const pct = (values, p) => {
  if (!values.length) return NaN;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length))) - 1];
};
export const median = (values) => {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
};
export const fmt = (x, d = 0) =>
    (x === undefined || x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(d));

export function printTable(headers, rows) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`);
  rows.forEach((r) => console.log(line(r)));
}

export function chromiumVersion() {
  return execFileSync(
             process.env.CHROMIUM ?? '/usr/bin/chromium', ['--version'],
             {stdio: ['ignore', 'pipe', 'ignore']})
      .toString()
      .trim();
}

// `browserMode`: how Chromium ran ("headless", "headed under Xvfb :99").
export function printMachine(bin, title, browserMode) {
  const gst = execFileSync('gst-launch-1.0', ['--version']).toString().split('\n')[1];
  const grpc = execFileSync(join(bin, 'gwa_bench'), ['version']).toString().trim();
  console.log(`\n### ${title}\n`);
  console.log(
      `machine: ${cpus()[0].model}, ${cpus().length} cores, Linux ${release()}; ` +
      `${gst}, ${grpc}, ${chromiumVersion()} (${browserMode})`);
  console.log(
      `when: ${new Date().toISOString()}; load average (1/5/15 min): ` +
      `${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
}
