// Benchmark: `mtcgcnn featurize` on the full mp-cgcnn-25k folder, end to end (parse + neighbours + graph),
// without the graph cache, then again with a warm cache. Prints CIFs/s and peak memory.
// Usage: npm run build && node bench/featurize.mjs [DATASET_DIR] [--threads N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const threadsAt = args.indexOf('--threads');
const extra = threadsAt >= 0 ? ['--threads', args[threadsAt + 1]] : [];
const dataset = args.find((a, i) => !a.startsWith('--') && i !== threadsAt + 1) ?? path.resolve('..', 'shared', 'datasets', 'mp-cgcnn-25k');
const home = mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-bench-'));
const cli = path.resolve('out', 'main', 'cli.js');

function run(label, flags) {
  const r = spawnSync(process.execPath, [cli, 'featurize', dataset, '--json', ...flags, ...extra], {
    env: { ...process.env, MTCGCNN_HOME: home },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) {
    console.error(r.stderr);
    throw new Error(`${label}: exit ${r.status}`);
  }
  const s = JSON.parse(r.stdout);
  console.log(`${label.padEnd(22)} ${String(s.featurized).padStart(6)} crystals  ${s.seconds.toFixed(2).padStart(7)} s  ${String(Math.round(s.cifsPerSecond)).padStart(6)} CIFs/s  peak RSS ${s.peakRssMiB} MiB  (${s.threads} ${s.mode})`);
  return s;
}

console.log(`dataset ${dataset}; ${os.cpus().length} logical CPUs; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
try {
  run('no cache', ['--no-cache']);
  run('cold cache (build)', []);
  run('warm cache (read)', []);
} finally {
  rmSync(home, { recursive: true, force: true });
}
