/**
 * End-to-end training check on a CGCNN-layout dataset folder (CIFs + id_prop.csv with a header row).
 *
 *   npx jiti bench/train-real.ts [--data DIR] [--limit N] [--epochs E] [--batch B] [--lr LR] [--seed S]
 *                                [--weighting fixed|uncertainty|gradnorm] [--out BUNDLE_DIR] [--graphs CACHE.bin]
 *
 * Graphs are built with the project's CIF reader and neighbour search (cached to --graphs when given),
 * then trainModel runs on the wasm backend and the bundle is written and re-loaded with Predictor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../src-main/core/compute/backend';
import { readStructureFileSync } from '../src-main/core/io';
import { buildCrystalGraph } from '../src-main/core/graph/build-graph';
import { DEFAULT_GRAPH_SETTINGS, type CrystalGraph } from '../src-main/core/graph/crystal-graph';
import { decodeGraphs, encodeGraphs } from '../src-main/core/graph/graph-codec';
import { ElementFeatureTable } from '../src-main/core/element-features/element-features';
import { inferUnit } from '../src-shared/task-kind';
import { trainModel } from '../src-main/core/train/trainer';
import { saveBundle } from '../src-main/core/model/bundle';
import { Predictor } from '../src-main/core/model/predictor';
import type { LossWeightingSpec } from '../src-main/core/train/loss';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const dir = arg('data', path.join('..', 'shared', 'datasets', 'mt-cgcnn-sample'));
  const limit = Number(arg('limit', '0'));
  const epochs = Number(arg('epochs', '5'));
  const cache = arg('graphs', '');
  const info = await initBackend();
  console.log(`backend: ${info.description}`);
  const lines = fs.readFileSync(path.join(dir, 'id_prop.csv'), 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  let rows = lines.slice(1).map((l) => l.split(','));
  if (limit > 0) rows = rows.slice(0, limit);
  const taskNames = header.slice(1);
  let graphs: CrystalGraph[];
  const t0 = performance.now();
  if (cache && fs.existsSync(cache)) {
    graphs = decodeGraphs(new Uint8Array(fs.readFileSync(cache)));
    if (graphs.length !== rows.length) throw new Error(`graph cache has ${graphs.length} graphs, need ${rows.length}`);
  } else {
    graphs = rows.map((r) => {
      const s = readStructureFileSync(path.join(dir, `${r[0]}.cif`))[0].structure;
      return buildCrystalGraph(r[0], s, DEFAULT_GRAPH_SETTINGS);
    });
    if (cache) fs.writeFileSync(cache, encodeGraphs(graphs));
  }
  const tg = (performance.now() - t0) / 1000;
  console.log(`${graphs.length} graphs in ${tg.toFixed(1)} s (${(graphs.length / tg).toFixed(0)}/s); mean atoms ${(graphs.reduce((a, g) => a + g.numAtoms, 0) / graphs.length).toFixed(1)}`);
  const atomInit = path.join(dir, 'atom_init.json');
  const table = fs.existsSync(atomInit) ? ElementFeatureTable.loadFile(atomInit) : ElementFeatureTable.builtin();
  const data = {
    graphs,
    targets: taskNames.map((_, t) => Float64Array.from(rows, (r) => (r[t + 1] === '' ? NaN : Number(r[t + 1])))),
    tasks: taskNames.map((name) => ({ name, unit: inferUnit(name) })),
    elementTable: table,
    graphSettings: DEFAULT_GRAPH_SETTINGS,
    datasetName: path.basename(dir),
  };
  const weighting = arg('weighting', 'fixed') as LossWeightingSpec['kind'];
  const result = await trainModel(
    {
      epochs,
      batchSize: Number(arg('batch', '128')),
      learningRate: Number(arg('lr', '0.003')),
      seed: Number(arg('seed', '0')),
      lossWeighting: { kind: weighting } as LossWeightingSpec,
    },
    data,
    { onLog: (m) => console.log(m) },
  );
  console.log(JSON.stringify(result.testMetrics, null, 1));
  const out = arg('out', '');
  if (out) {
    saveBundle(out, result, data);
    const p = await Predictor.load(out);
    const test = Array.from(result.split.test, (i) => graphs[i]);
    const tp = performance.now();
    const pred = p.predict(test);
    const dt = (performance.now() - tp) / 1000;
    const maxDiff = Math.max(...pred.mean.map((col, t) => Math.max(...Array.from(col, (v, k) => Math.abs(v - result.testPredictions[t][k])))));
    console.log(`bundle ${out}: predictor reproduces test predictions (max diff ${maxDiff.toExponential(2)}); ${(test.length / dt).toFixed(0)} crystals/s inference`);
    p.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
