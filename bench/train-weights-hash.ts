/**
 * Fingerprint of a short real training run through trainModel: the sha256 of every member's final parameters (incl.
 * BN running statistics) and of the per-epoch losses. A change meant to be a pure speed-up (kernels, optimizer,
 * batch assembly, data-parallel K = 1) must print the same hashes before and after.
 *
 *   nice -n 5 npx jiti bench/train-weights-hash.ts [--data DIR] [--limit 400] [--epochs 2]
 *
 * Two runs: the defaults (fixed weights, MSE, no weight decay) and uncertainty weighting + AdamW weight decay +
 * Huber loss (the optimizer's no-decay and per-parameter paths).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { initBackend } from '../src-main/core/compute/backend';
import { readStructureFileSync } from '../src-main/core/io';
import { buildCrystalGraph } from '../src-main/core/graph/build-graph';
import { DEFAULT_GRAPH_SETTINGS } from '../src-main/core/graph/crystal-graph';
import { ElementFeatureTable } from '../src-main/core/element-features/element-features';
import { inferUnit } from '../src-shared/task-kind';
import { trainModel } from '../src-main/core/train/trainer';
import type { TrainOptions } from '../src-main/core/train/types';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const dir = arg('data', path.join('..', 'shared', 'datasets', 'mp-cgcnn-25k'));
  const limit = Number(arg('limit', '400'));
  const epochs = Number(arg('epochs', '2'));
  const info = await initBackend({ force: 'wasm', skipNative: true });
  const lines = fs.readFileSync(path.join(dir, 'id_prop.csv'), 'utf8').trim().split(/\r?\n/);
  const taskNames = lines[0].split(',').slice(1);
  const rows = lines.slice(1, 1 + limit).map((l) => l.split(','));
  const data = {
    graphs: rows.map((r) => buildCrystalGraph(r[0], readStructureFileSync(path.join(dir, `${r[0]}.cif`))[0].structure, DEFAULT_GRAPH_SETTINGS)),
    targets: taskNames.map((_, t) => Float64Array.from(rows, (r) => (r[t + 1] === '' ? NaN : Number(r[t + 1])))),
    tasks: taskNames.map((name) => ({ name, unit: inferUnit(name) })),
    elementTable: ElementFeatureTable.loadFile(path.join(dir, 'atom_init.json')),
    graphSettings: DEFAULT_GRAPH_SETTINGS,
    datasetName: path.basename(dir),
  };
  const runs: Array<[string, TrainOptions]> = [
    ['defaults', { epochs, batchSize: 64, seed: 3 }],
    ['uncertainty+wd+huber', { epochs, batchSize: 64, seed: 4, weightDecay: 1e-4, loss: 'huber', lossWeighting: { kind: 'uncertainty' } }],
  ];
  console.log(`backend ${info.description}; ${data.graphs.length} crystals of ${path.basename(dir)}, ${epochs} epochs`);
  for (const [label, opts] of runs) {
    const t0 = performance.now();
    const res = await trainModel(opts, data);
    const h = crypto.createHash('sha256');
    for (const m of res.members) {
      for (const r of m.params) h.update(r.name).update(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
      h.update(JSON.stringify(m.history.map((e) => [e.trainLoss, e.valMae])));
    }
    console.log(`${label.padEnd(22)} ${h.digest('hex').slice(0, 16)}  (${((performance.now() - t0) / 1000).toFixed(1)} s, val MAE ${res.members[0].bestValAverageMae?.toFixed(4)})`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
