#!/usr/bin/env node
/**
 * Screening throughput against the number of worker threads: `mtcgcnn screen --workers K` (each worker reads,
 * featurizes and predicts its chunks with its own copy of the model) for K = 1, 2, 4, 8 up to the machine's logical
 * cores, plus K = 0 (everything on the main thread), on real CIFs with the shipped default model. Files/s is end to
 * end (process start to exit: startup, one model load per worker, reading, graphs, prediction, CSV); the speed-up and
 * the efficiency (speed-up / K) are against K = 1. The runs take turns (K = 0, 1, 2, ... then again) `--repeat` times
 * and the best of each K is reported, so a burst of other work on a shared machine does not favour one K.
 *
 *   npm run build && node bench/screen-scaling.mjs [--dir CIF_DIR] [--files 5000] [--model DIR] [--workers 0,1,2,4,8]
 *                                                   [--repeat 2] [--json]
 *
 * --dir defaults to ../shared/datasets/mp-cgcnn-25k; the first --files of its structure files (sorted) are linked into a
 * temporary folder. --model defaults to the shipped default model (resources/models).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL, SHARED_DATASETS, machine, parseScreenSummary, readArgs, requireBuiltCli, runCli } from './screen-run.mjs';

function parseArgs(argv) {
  const cores = os.cpus().length;
  const opts = {
    dir: path.join(SHARED_DATASETS, 'mp-cgcnn-25k'),
    files: 5000,
    model: DEFAULT_MODEL,
    workers: [0, ...[1, 2, 4, 8].filter((k) => k <= cores)],
    repeat: 2,
    json: false,
  };
  readArgs(argv, 'node bench/screen-scaling.mjs [--dir CIF_DIR] [--files 5000] [--model DIR] [--workers 0,1,2,4,8] [--repeat 2] [--json]', (a, next) => {
    if (a === '--dir') opts.dir = path.resolve(next());
    else if (a === '--files') opts.files = Number(next());
    else if (a === '--model') opts.model = path.resolve(next());
    else if (a === '--workers') opts.workers = next().split(',').map(Number);
    else if (a === '--repeat') opts.repeat = Number(next());
    else if (a === '--json') opts.json = true;
    else return false;
    return true;
  });
  if (!Number.isInteger(opts.files) || opts.files < 1) throw new Error('--files must be a positive integer');
  if (opts.workers.some((k) => !Number.isInteger(k) || k < 0)) throw new Error('--workers takes non-negative integers, e.g. 0,1,2,4');
  return opts;
}

/** The first `n` CIFs of `dir` (sorted), as symbolic links in a new folder under `work`. */
function sampleFolder(dir, n, work) {
  const names = fs.readdirSync(dir).filter((f) => f.endsWith('.cif')).sort().slice(0, n);
  if (names.length < n) throw new Error(`${dir} has only ${names.length} CIFs, ${n} asked for`);
  const out = path.join(work, 'cifs');
  fs.mkdirSync(out);
  for (const f of names) fs.symlinkSync(path.join(dir, f), path.join(out, f));
  return out;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  requireBuiltCli();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-screen-scaling-'));
  const env = { ...process.env, MTCGCNN_HOME: path.join(work, 'home'), NO_COLOR: '1' };
  try {
    const input = sampleFolder(opts.dir, opts.files, work);
    const at = machine();
    process.stderr.write(`${opts.files} CIFs of ${opts.dir}; ${at.cpus} logical CPUs (${at.cpu}); workers ${opts.workers.join(', ')}; ${opts.repeat} round(s)\n`);
    const best = new Map();
    for (let round = 0; round < opts.repeat; round++) {
      for (const k of opts.workers) {
        const out = path.join(work, `k${k}.csv`);
        const run = await runCli(['screen', input, '--model', opts.model, '--out', out, '--force', '--workers', String(k)], { env, work });
        if (run.code !== 0 && run.code !== 3) throw new Error(`--workers ${k}: mtcgcnn screen exited with ${run.code}: ${run.stderr.trim().split('\n').pop()}`);
        const summary = parseScreenSummary(run.stdout);
        const r = {
          workers: k,
          where: summary?.where ?? '?',
          wallSeconds: Number(run.seconds.toFixed(2)),
          filesPerSecond: Number((opts.files / run.seconds).toFixed(1)),
          cpuSeconds: run.usage ? Number(((run.usage.userCPUTime + run.usage.systemCPUTime) / 1e6).toFixed(2)) : null,
          peakRssMiB: run.usage ? Math.round(run.usage.maxRSS / 1024) : null,
          loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
        };
        process.stderr.write(`  round ${round + 1}, --workers ${k}: ${r.filesPerSecond} files/s, ${r.wallSeconds} s, CPU ${r.cpuSeconds} s, peak RSS ${r.peakRssMiB} MiB, load ${r.loadAverage1m}\n`);
        if (!best.has(k) || best.get(k).filesPerSecond < r.filesPerSecond) best.set(k, r);
        // Same rows whatever K: compare with K = the first one.
        const ref = path.join(work, `k${opts.workers[0]}.csv`);
        if (out !== ref && fs.readFileSync(out, 'utf8') !== fs.readFileSync(ref, 'utf8')) throw new Error(`--workers ${k} wrote other rows than --workers ${opts.workers[0]}`);
      }
    }
    const one = best.get(1)?.filesPerSecond;
    const rows = opts.workers.map((k) => {
      const r = best.get(k);
      const speedup = one && k > 0 ? r.filesPerSecond / one : null;
      return { ...r, speedupOverOne: speedup === null ? null : Number(speedup.toFixed(2)), efficiency: speedup === null ? null : Number((speedup / k).toFixed(2)) };
    });
    const result = { files: opts.files, dir: opts.dir, model: opts.model, machine: { ...at, loadAverageAtEnd: machine().loadAverage }, rows };
    if (opts.json) console.log(JSON.stringify(result));
    else {
      console.log(`screening ${opts.files} CIFs (${opts.dir}) with ${path.basename(opts.model)}; best of ${opts.repeat} round(s)`);
      console.log(`machine: ${at.cpus} logical CPUs (${at.cpu}), Node ${at.node}, load average at start ${at.loadAverage.join(' ')}, at end ${result.machine.loadAverageAtEnd.join(' ')}`);
      console.log('| --workers | files/s | speed-up over 1 | efficiency | CPU s | peak RSS MiB | where |');
      console.log('|---|---|---|---|---|---|---|');
      for (const r of rows) {
        console.log(`| ${r.workers} | ${r.filesPerSecond} | ${r.speedupOverOne ?? '-'} | ${r.efficiency ?? '-'} | ${r.cpuSeconds} | ${r.peakRssMiB} | ${r.where} |`);
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench/screen-scaling: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
