// Benchmark (issue: training engine): single-task CGCNN on formation energy and on band gap, and MT-CGCNN on
// both (the paper's E1), on mp-cgcnn-25k, split 60/20/20 seed 0, default architecture, with the built CLI.
// Prints the test metrics table, training crystals per second (graphs cached) and peak memory per run.
// Usage: npm run build && node bench/train-e1.mjs [--epochs 30] [--data DIR] [--out DIR] [--only fe,bg,e1]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const epochs = opt('epochs', '30');
const data = path.resolve(opt('data', path.join('..', 'shared', 'datasets', 'mp-cgcnn-25k')));
const out = path.resolve(opt('out', path.join(os.tmpdir(), 'mtcgcnn-bench-e1')));
const only = opt('only', 'fe,bg,e1').split(',');
const FE = 'formation_energy_per_atom_eV';
const BG = 'band_gap_eV';
const runs = [
  { key: 'fe', label: 'CGCNN formation energy', tasks: [FE] },
  { key: 'bg', label: 'CGCNN band gap', tasks: [BG] },
  { key: 'e1', label: 'MT-CGCNN E1 (FE + BG)', tasks: [FE, BG] },
].filter((r) => only.includes(r.key));
const cli = path.resolve('out', 'main', 'cli.js');
mkdirSync(out, { recursive: true });
console.log(`data ${data}; ${epochs} epochs; split 60/20/20 seed 0; results in ${out}; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

const rows = [];
for (const r of runs) {
  const dir = path.join(out, r.key);
  const args = [cli, 'train', data, '--tasks', r.tasks.join(','), '--epochs', epochs, '--seed', '0', '--out', dir, '--quiet'];
  // GNU time reports the peak resident set size of the whole process (main thread + workers + wasm heap).
  const res = spawnSync('/usr/bin/time', ['-f', 'PEAK_RSS_KB %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (res.status !== 0) throw new Error(`${r.label} failed (exit ${res.status}):\n${res.stderr.slice(-2000)}`);
  const peakKb = Number(/PEAK_RSS_KB (\d+)/.exec(res.stderr)?.[1] ?? NaN);
  const model = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const card = model.trainingCard;
  const crystalsPerSecond = (card.split.train * card.epochs.run[0]) / card.durationSeconds;
  rows.push({ ...r, metrics: card.testMetrics, seconds: card.durationSeconds, epochsRun: card.epochs.run[0], bestEpoch: card.epochs.best[0], crystalsPerSecond, peakMiB: peakKb / 1024, backend: card.backend.description, test: card.split.test });
  console.log(`${r.label}: ${card.durationSeconds.toFixed(0)} s, ${crystalsPerSecond.toFixed(0)} crystals/s, peak ${(peakKb / 1024).toFixed(0)} MiB`);
}

const f = (x, d = 3) => (x === null || x === undefined ? '-' : x.toFixed(d));
const lines = [
  `| model | formation energy MAE (eV/atom) | Spearman | band gap MAE (eV) | metal/non-metal AUC | train crystals/s | peak RSS (MiB) | time (s) |`,
  `|---|---|---|---|---|---|---|---|`,
  ...rows.map((r) => {
    const fe = r.metrics.tasks[FE];
    const bg = r.metrics.tasks[BG];
    return `| ${r.label} | ${f(fe?.mae)} | ${f(fe?.spearman ?? bg?.spearman)} | ${f(bg?.mae)} | ${f(bg?.roc_auc)} | ${r.crystalsPerSecond.toFixed(0)} | ${r.peakMiB.toFixed(0)} | ${r.seconds.toFixed(0)} |`;
  }),
];
console.log(`\nTest split (${rows[0]?.test} crystals), ${epochs} epochs, backend ${rows[0]?.backend}:\n` + lines.join('\n'));
writeFileSync(path.join(out, 'results.json'), JSON.stringify(rows, null, 2));
