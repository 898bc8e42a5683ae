// Benchmark (issue 13, transfer learning): is fine-tuning a shipped model worth it for a property it was not trained
// on, with few labelled crystals? Target: Fermi energy (efermi_eV) of mp-cgcnn-25k. Source: the shipped
// single-task formation-energy model (member 0). For each training-set size, the same run (epochs, learning rate,
// schedule, seed) from a random initialisation, fine-tuned from the source, and fine-tuned with frozen convolutions;
// test MAE on the common test split.
//
// Split: the project's splitIndices over mp-cgcnn-25k (seed 0, 60/20/20), the split every shipped model was trained
// with, so the source model never saw a validation or test crystal. Training sets: the first N crystals of the
// training part (nested); validation: the first --val crystals of the validation part (best epoch); test: the first
// --test crystals of the test part (all 5,142 by default).
//
// Usage: nice -n 10 node bench/finetune.mjs [--sizes 250,1000,4000] [--epochs 30] [--val 1000] [--test 5142]
//          [--from cgcnn-formation-energy-mp25k] [--runs scratch,finetune,frozen] [--data DIR] [--cache DIR]
// Runs the TypeScript sources through jiti (no build needed); graphs are cached under --cache.
import { createJiti } from 'jiti';
import os from 'node:os';
import path from 'node:path';

const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const sizes = opt('sizes', '250,1000,4000').split(',').map(Number);
const epochs = Number(opt('epochs', '30'));
const nVal = Number(opt('val', '1000'));
const nTest = Number(opt('test', '5142'));
const fromName = opt('from', 'cgcnn-formation-energy-mp25k');
const runs = opt('runs', 'scratch,finetune,frozen').split(',');
const data = path.resolve(opt('data', path.join('..', 'shared', 'datasets', 'mp-cgcnn-25k')));
const cacheDir = path.resolve(opt('cache', path.join(os.tmpdir(), 'mtcgcnn-bench-finetune-cache')));
const TASK = 'efermi_eV';

const jiti = createJiti(import.meta.url);
const src = (p) => jiti.import(path.resolve('src-main/core', p));
const { initBackend } = await src('compute/backend.ts');
const { scanDataset } = await src('dataset/index.ts');
const { featurizeDataset } = await src('featurize/featurize-dataset.ts');
const { DEFAULT_GRAPH_SETTINGS } = await src('graph/crystal-graph.ts');
const { ElementFeatureTable } = await src('features/element-features.ts');
const { splitIndices } = await src('metrics/split.ts');
const { loadBundle } = await src('model/bundle.ts');
const { resolveModel } = await src('models/catalogue.ts');
const { trainModel } = await src('train/trainer.ts');
const { transferSourceFromBundle, transferredArchitecture } = await src('train/transfer.ts');

const backend = await initBackend();
const scan = await scanDataset(data);
const col = scan.tasks.findIndex((t) => t.name === TASK);
if (col < 0) throw new Error(`${data} has no ${TASK} column`);
const split = splitIndices(scan.entries.length, { seed: 0 });
const maxSize = Math.max(...sizes);
if (maxSize > split.train.length) throw new Error(`at most ${split.train.length} training crystals`);
const chosen = [...split.train.slice(0, maxSize), ...split.val.slice(0, nVal), ...split.test.slice(0, nTest)];
const entries = chosen.map((i) => scan.entries[i]);
const t0 = performance.now();
const feat = await featurizeDataset(entries.map((e) => ({ id: e.id, file: e.file })), { settings: DEFAULT_GRAPH_SETTINGS, cacheDir });
if (feat.errors.length) throw new Error(`unreadable: ${feat.errors.slice(0, 3).map((e) => e.id).join(', ')}`);
console.log(`${entries.length} crystals featurized in ${((performance.now() - t0) / 1000).toFixed(0)} s (cache ${cacheDir})`);
const graphs = feat.graphs;
const targets = [Float64Array.from(entries, (e) => e.labels[col])];
const range = (a, b) => Int32Array.from({ length: b - a }, (_, k) => a + k);
const valIdx = range(maxSize, maxSize + nVal);
const testIdx = range(maxSize + nVal, entries.length);

const resolved = resolveModel(fromName);
const bundle = loadBundle(resolved.dir);
const source = transferSourceFromBundle({ ...bundle, members: [bundle.members[0]] }, resolved.name);
const table = ElementFeatureTable.fromCgcnnJson(bundle.json.elementFeatures.table, 'source model');
const task = { name: TASK, unit: scan.tasks[col].unit };
console.log(`backend ${backend.description}; ${epochs} epochs per run; validation ${valIdx.length}, test ${testIdx.length} crystals; ` +
  `source ${resolved.name} (member 0); load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ${os.cpus()[0]?.model ?? ''}`);

const results = [];
for (const n of sizes) {
  const row = { n };
  for (const kind of runs) {
    const start = performance.now();
    const transfer = kind === 'scratch' ? undefined : { source, freezeConvs: kind === 'frozen' };
    const result = await trainModel(
      {
        epochs, seed: 0, members: 1,
        split: { train: range(0, n), val: valIdx, test: testIdx },
        model: transferredArchitecture(source),
        ...(transfer ? { transfer } : {}),
      },
      { graphs, targets, tasks: [task], elementTable: table, graphSettings: DEFAULT_GRAPH_SETTINGS, datasetName: 'mp-cgcnn-25k' },
    );
    const mae = result.testMetrics.tasks[TASK].mae;
    row[kind] = mae;
    console.log(`N=${n} ${kind}: test MAE ${mae.toFixed(3)} eV (best epoch ${result.members[0].bestEpoch}/${epochs}; ${((performance.now() - start) / 1000).toFixed(0)} s)`);
  }
  results.push(row);
}

const names = { scratch: 'from scratch', finetune: 'fine-tuned', frozen: 'fine-tuned, convolutions frozen' };
console.log(`\n| training crystals | ${runs.map((r) => `${names[r]} (eV)`).join(' | ')} |`);
console.log(`|---|${runs.map(() => '---').join('|')}|`);
for (const r of results) console.log(`| ${r.n.toLocaleString('en-US')} | ${runs.map((k) => r[k].toFixed(3)).join(' | ')} |`);
