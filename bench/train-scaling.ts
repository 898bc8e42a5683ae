/**
 * Training throughput and accuracy against the number of training threads K (mtcgcnn train --workers K), on real
 * data through the product's trainer and its bundled workers (run `npm run build` first).
 *
 *   npx jiti bench/train-scaling.ts [--data ../shared/datasets/mp-cgcnn-25k] [--crystals 4000] [--epochs 2]
 *                                   [--workers 1,2,4,8] [--members 1] [--seeds 0] [--tasks formation_energy_per_atom_eV]
 *                                   [--loss l1] [--card resources/models/mtcgcnn-e4-mp25k] [--json FILE]
 *
 * For each K: training crystals/s (the trainer's own rate over the training steps of each epoch, validation not
 * included; the median over epochs), speed-up and efficiency (speed-up / K) against K = 1, and the validation MAE
 * after the last epoch (mean over --seeds). Prints the machine's logical and physical cores and CPU model first: on a
 * machine with fewer cores than K the threads share cores and no speed-up can show.
 * With --crystals 0 the whole dataset is used (60/20/20 split, seed 0, as the shipped models).
 * --card MODEL: also the time each K would take to train that model's recipe (its card: epochs x members x training
 * crystals at the measured rate; validation passes not included), next to the time the card records.
 */
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../src-main/core/compute/backend';
import { DEFAULT_GRAPH_SETTINGS } from '../src-main/core/graph/crystal-graph';
import { ElementFeatureTable } from '../src-main/core/element-features';
import { buildTrainingTasks, loadLabelledDataset } from '../src-main/core/featurize/labelled-dataset';
import { physicalCoreCount } from '../src-main/core/train/data-parallel';
import { trainModel } from '../src-main/core/train/trainer';
import type { TrainingData } from '../src-main/core/train/types';
import type { LossKindName } from '../src-shared/training-settings';
import { graphCacheDir } from '../src-main/core/studio-home';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const dir = path.resolve(arg('data', path.join('..', 'shared', 'datasets', 'mp-cgcnn-25k')));
  const crystals = Number(arg('crystals', '4000'));
  const epochs = Number(arg('epochs', '2'));
  const ks = arg('workers', '1,2,4,8').split(',').map(Number);
  const members = Number(arg('members', '1'));
  const seeds = arg('seeds', '0').split(',').map(Number);
  const tasks = arg('tasks', 'formation_energy_per_atom_eV').split(',');
  const loss = arg('loss', 'l1') as LossKindName;
  const out = path.resolve('out', 'main');
  const workerScripts = { gradient: path.join(out, 'gradient-worker.js'), member: path.join(out, 'train-worker.js') };
  for (const f of Object.values(workerScripts)) if (!fs.existsSync(f)) throw new Error(`${f} is missing: run npm run build first`);

  const backend = await initBackend({ force: 'wasm', skipNative: true, log: () => undefined });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`machine: ${os.cpus().length} logical CPUs, ${physicalCoreCount()} physical cores, ${cpu}; ${os.totalmem() / 2 ** 30 | 0} GiB; ` +
    `node ${process.versions.node}; backend ${backend.description} (${backend.kernels})`);

  const ds = await loadLabelledDataset(dir, { settings: DEFAULT_GRAPH_SETTINGS, cacheDir: graphCacheDir() });
  const built = buildTrainingTasks(ds.scan, ds.labels, { tasks });
  const n = crystals > 0 ? Math.min(crystals, ds.graphs.length) : ds.graphs.length;
  const data: TrainingData = {
    graphs: ds.graphs.slice(0, n), targets: built.targets.map((c) => c.slice(0, n)), tasks: built.tasks,
    elementTable: ElementFeatureTable.builtin(), graphSettings: DEFAULT_GRAPH_SETTINGS, datasetName: path.basename(dir),
  };
  console.log(`data: ${n} crystals of ${path.basename(dir)}, tasks ${tasks.join(', ')}, loss ${loss}, ${epochs} epoch(s), ` +
    `${members} member(s), seeds ${seeds.join(', ')}`);

  const rows: { K: number; crystalsPerSecond: number; valMae: number; seconds: number }[] = [];
  for (const K of ks) {
    const rates: number[] = [];
    const maes: number[] = [];
    let seconds = 0;
    for (const seed of seeds) {
      let last = 0;
      const r = await trainModel(
        { epochs, seed, split: { seed }, members, loss, workers: K, workerScripts },
        data,
        {
          onProgress: (p) => {
            if (p.phase === 'train') last = p.crystalsPerSecond;
            else rates.push(last);
          },
        },
      );
      seconds += r.durationSeconds;
      maes.push(r.members.reduce((a, m) => a + m.history[m.history.length - 1].valAverageMae!, 0) / r.members.length);
    }
    const row = { K, crystalsPerSecond: median(rates), valMae: maes.reduce((a, b) => a + b, 0) / maes.length, seconds };
    rows.push(row);
    console.log(`K=${K}: ${row.crystalsPerSecond.toFixed(0)} crystals/s (median over epochs), validation MAE ${row.valMae.toFixed(4)} ` +
      `(mean of ${maes.map((m) => m.toFixed(4)).join(', ')}), ${seconds.toFixed(1)} s in all`);
  }
  const base = rows.find((r) => r.K === 1)?.crystalsPerSecond;
  console.log('\n| K | crystals/s | speed-up | efficiency (speed-up / K) | validation MAE | wall time (s) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const up = base ? r.crystalsPerSecond / base : NaN;
    console.log(`| ${r.K} | ${r.crystalsPerSecond.toFixed(0)} | ${up.toFixed(2)} | ${(up / r.K).toFixed(2)} | ${r.valMae.toFixed(4)} | ${r.seconds.toFixed(0)} |`);
  }
  const cardDir = arg('card', '');
  if (cardDir) {
    const card = JSON.parse(fs.readFileSync(path.join(cardDir, 'model.json'), 'utf8')).trainingCard;
    const epochsRun: number[] = Array.isArray(card.epochs.run) ? card.epochs.run : [card.epochs.run];
    const work = epochsRun.reduce((a, e) => a + e, 0) * card.split.train;
    console.log(`\ntime to train ${path.basename(cardDir)} (${epochsRun.join(' + ')} epochs x ${card.split.train} crystals; ` +
      `the card records ${(card.durationSeconds / 60).toFixed(0)} min on ${card.backend.name}, ${card.options.workers ?? 1} thread(s)):`);
    for (const r of rows) console.log(`  K=${r.K}: ${(work / r.crystalsPerSecond / 60).toFixed(0)} min of training steps`);
  }
  const json = arg('json', '');
  if (json) fs.writeFileSync(json, JSON.stringify({ machine: { logical: os.cpus().length, physical: physicalCoreCount(), cpu }, crystals: n, epochs, members, seeds, rows }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
