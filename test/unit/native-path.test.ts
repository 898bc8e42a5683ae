// The native-backend path, proven as far as a machine without libtensorflow allows (issue 18).
//
// Under tfjs-node / tfjs-node-gpu the project's fused kernels do not exist, so the model runs its plain-ops
// ("reference") path, and the gradients are tfjs's own (the @tensorflow/tfjs union package registers them before
// the project's registerGradientsIfMissing runs). This test runs that combination in a worker thread (its own tfjs
// registries) through the real backend chooser with a tfjs-node stand-in whose 'tensorflow' backend has the stock
// cpu kernels (test/native-path/tfjs-node-stand-in.ts), and compares it with the app's default, the fused path on
// wasm with the project's gradients, on the same batch of real crystals (test/fixtures/structures):
//   one training step for two model set-ups: loss, every parameter gradient, every variable after one Adam update
//   and the batch-norm running-statistics update; and the predictions of every shipped model (resources/models).
// Tolerances (float32 on both sides; different summation orders and kernels):
const LOSS_REL_TOL = 1e-5; //      |loss_native - loss_wasm| / |loss_wasm| (and per task)
const GRAD_REL_TOL = 1e-4; //      per variable: max |g_native - g_wasm| / max |g_wasm|
// Every variable after one update. The first Adam step moves a parameter by lr * g / (|g| + eps) (eps = 1e-8), whose
// slope in g is lr * eps / (|g| + eps)^2: where |g| is below eps (float noise of a near-zero gradient), a gradient
// difference far inside GRAD_REL_TOL moves the update by up to lr * |dg| / eps. So, element by element:
//   trainable:  |p_native - p_wasm| <= UPDATE_ABS_TOL + lr * |g_native - g_wasm| * eps / (min(|g_native|, |g_wasm|) + eps)^2
//   batch-norm running statistics: |p_native - p_wasm| <= STATS_REL_TOL * max |p_wasm|
const UPDATE_ABS_TOL = 1e-6;
const STATS_REL_TOL = 1e-5;
const ADAM_EPSILON = 1e-8; // the trainer's Adam default (optimizer.ts)
const PREDICT_ABS_TOL = 1e-4; //   predictions (ensemble mean and std, original units: eV, eV/atom)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { bundleWorker } from '../bundle-worker';
import { initBackend } from '../../src-main/core/compute/backend';
import { GRADIENT_KERNELS, projectGradientsInUse } from '../../src-main/core/compute/gradients';
import { readStructureFileSync } from '../../src-main/core/io';
import { buildCrystalGraph } from '../../src-main/core/graph/build-graph';
import { type CrystalGraph, DEFAULT_GRAPH_SETTINGS, type GraphSettings } from '../../src-main/core/graph/crystal-graph';
import { encodeGraphs } from '../../src-main/core/graph/graph-codec';
import { ElementFeatureTable } from '../../src-main/core/element-features';
import { DEFAULT_MODEL_CONFIG, makeModelConfig } from '../../src-main/core/model/config';
import { ParamStore } from '../../src-main/core/model/params';
import { loadBundle } from '../../src-main/core/model/bundle';
import {
  type InferenceResult, type RecordedCompute, type StepInput, type StepResult,
  autoPath, predictShipped, runSteps, shippedModelNames,
} from '../native-path/one-step';
import type { NativeLikeRequest } from '../native-path/native-like-worker';

const REPO = path.resolve(__dirname, '../..');
const STRUCTURES = path.join(REPO, 'test', 'fixtures', 'structures');
const MODELS = path.join(REPO, 'resources', 'models');
// Every readable structure fixture: 16 crystals, 1 to 10 atoms, 9 space groups (multi-block and extxyz give two).
const FILES = [
  'Ar-fcc.cif', 'CONTCAR.selective', 'CsCl-Pm-3m.cif', 'Fe2O3.vasp', 'NaCl-2frames.extxyz', 'NaCl-Fm-3m.cif',
  'POSCAR.negative-scale', 'POSCAR.vasp4', 'cartesian.cif', 'crlf-tabs.cif', 'multi-block.cif', 'one-atom.cif',
  'quartz-P3221.cif', 'skewed-triclinic.cif',
];
const outDir = path.resolve(REPO, 'node_modules/.cache/mtcgcnn-test/native-path');
const script = path.join(outDir, 'native-like-worker.js');

interface NativeLikeReply {
  error?: string;
  backend: { name: string; tfBackend: string; versions: Record<string, string> };
  path: string;
  projectGradients: string[];
  gradientKernelsCovered: string[];
  steps: StepResult[];
  inference: InferenceResult[];
  recorded: RecordedCompute;
}

function readCrystals(settings: GraphSettings): CrystalGraph[] {
  return FILES.flatMap((f) =>
    readStructureFileSync(path.join(STRUCTURES, f), {}).map((s, i) => buildCrystalGraph(`${f}#${i}`, s.structure, settings)),
  );
}

/** Two real per-crystal properties as targets, z-scored: volume per atom (Angstrom^3/atom) and mean Z. */
function targetsFor(files: readonly string[]): { values: Float32Array; mask: Float32Array } {
  const rows = files.flatMap((f) => readStructureFileSync(path.join(STRUCTURES, f), {}).map((s) => s.structure));
  const cols = [
    rows.map((s) => s.lattice.volumeAngstrom3 / s.numSites),
    rows.map((s) => s.atomicNumbers().reduce((a, z) => a + z, 0) / s.numSites),
  ];
  const B = rows.length;
  const values = new Float32Array(B * 2);
  const mask = new Float32Array(B * 2).fill(1);
  cols.forEach((col, t) => {
    const mean = col.reduce((a, b) => a + b, 0) / B;
    const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / B);
    col.forEach((y, i) => {
      values[i * 2 + t] = (y - mean) / sd;
    });
  });
  mask[3 * 2 + 1] = 0; // one missing label, as in a dataset with gaps
  return { values, mask };
}

function stepInput(): StepInput {
  const table = ElementFeatureTable.builtin();
  const tasks = [{ name: 'volume_per_atom_A3', unit: 'Angstrom^3/atom' }, { name: 'mean_Z', unit: '' }];
  const hard = makeModelConfig({ ...DEFAULT_MODEL_CONFIG, tasks });
  const soft = makeModelConfig({
    ...DEFAULT_MODEL_CONFIG, tasks, convDim: 32, numConv: 2, hiddenDim: 48, sharedHidden: 1, headHidden: 2, sharing: 'soft',
    softSharingStrength: 0.01,
  });
  const t = targetsFor(FILES);
  return {
    graphs: encodeGraphs(readCrystals(DEFAULT_GRAPH_SETTINGS)),
    graphSettings: DEFAULT_GRAPH_SETTINGS,
    elementMatrix: table.matrix(),
    elementDimension: table.dimension,
    targets: t.values,
    mask: t.mask,
    cases: [
      { name: 'default architecture, fixed loss weights', config: hard, lossWeighting: { kind: 'fixed' }, weightDecay: 0, learningRate: 3e-3, params: ParamStore.init(hard, 11).toRecords() },
      {
        name: 'soft sharing, shared and hidden head layers, uncertainty weighting, weight decay', config: soft,
        lossWeighting: { kind: 'uncertainty' }, weightDecay: 1e-2, learningRate: 3e-3, params: ParamStore.init(soft, 12).toRecords(),
      },
    ],
  };
}

function inferenceGraphs(): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const m of shippedModelNames(MODELS)) out[m] = encodeGraphs(readCrystals(loadBundle(path.join(MODELS, m)).graphSettings));
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function runNativeLike(req: NativeLikeRequest): Promise<NativeLikeReply> {
  return new Promise((resolve, reject) => {
    const w = new Worker(script, { workerData: req });
    w.once('message', (m: NativeLikeReply) => {
      void w.terminate();
      if (m.error) reject(new Error(`native-like worker: ${m.error}`));
      else resolve(m);
    });
    w.once('error', reject);
  });
}

let input: StepInput;
let wasmSteps: StepResult[];
let wasmInference: InferenceResult[];
let native: NativeLikeReply;
let bundleDir: string | undefined;
/** Largest differences seen, printed at the end (quoted in docs/training.md). */
const seen: string[] = [];

describe('the native-backend path (tfjs gradients, plain ops) equals the fused wasm path', () => {
  // The plain-ops step of the default architecture on the JavaScript cpu kernels takes ~20 s on an idle core.
  beforeAll(async () => {
    fs.mkdirSync(outDir, { recursive: true });
    // Bundle the worker entry as the app build bundles its workers (CommonJS, packages external).
    await bundleWorker(path.join(REPO, 'test/native-path/native-like-worker.ts'), outDir);
    const info = await initBackend({ force: 'wasm', skipNative: true });
    expect(info.name).toBe('wasm');
    input = stepInput();
    const graphsByModel = inferenceGraphs();
    bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-native-path-'));
    const nativeReply = runNativeLike({ step: input, modelsDir: MODELS, inferenceGraphs: graphsByModel, bundleDir });
    expect(autoPath()).toBe('fused');
    wasmSteps = runSteps(input, true);
    wasmInference = predictShipped(MODELS, graphsByModel);
    native = await nativeReply;
  }, 600_000);

  afterAll(() => {
    if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
    if (seen.length) console.log(`largest differences, native-like vs fused wasm:\n  ${seen.join('\n  ')}`);
  });

  it('the native-like side ran as under tfjs-node: tensorflow backend, plain ops, only tfjs gradients', () => {
    expect(native.backend.name).toBe('tensorflow');
    expect(native.backend.tfBackend).toBe('tensorflow');
    expect(native.path).toBe('reference');
    expect(native.projectGradients).toEqual([]);
    expect(native.gradientKernelsCovered).toEqual([...GRADIENT_KERNELS]);
    // ... and the app's side ran on the project's gradients (tfjs-core's Node build registers none).
    expect(projectGradientsInUse()).toEqual([...GRADIENT_KERNELS]);
  });

  it('a training on the native backend records it: model card (with the tfjs-node version) and run record', () => {
    expect(native.recorded.card.backend.name).toBe('tensorflow');
    expect(native.recorded.card.backend.description).toBe('TensorFlow native (CPU, multi-threaded)');
    expect(native.recorded.card.backend.versions['tfjs-node']).toBe('4.22.0');
    expect(native.recorded.card.computePath).toBe('reference');
    expect(native.recorded.run).toEqual({ backend: { name: 'tensorflow', description: 'TensorFlow native (CPU, multi-threaded)' }, computePath: 'reference' });
  });

  it('one training step: loss, every gradient and every variable after one update agree', () => {
    expect(native.steps.map((s) => s.name)).toEqual(input.cases.map((c) => c.name));
    input.cases.forEach((c, k) => {
      const a = wasmSteps[k];
      const b = native.steps[k];
      const lossRel = Math.abs(a.loss - b.loss) / Math.abs(a.loss);
      expect(lossRel, `${c.name}: loss ${b.loss} vs ${a.loss}`).toBeLessThanOrEqual(LOSS_REL_TOL);
      a.perTask.forEach((l, t) => expect(Math.abs(l - b.perTask[t]) / Math.abs(l), `${c.name}: task ${t} loss`).toBeLessThanOrEqual(LOSS_REL_TOL));
      expect(Object.keys(b.grads).sort()).toEqual(Object.keys(a.grads).sort());
      let worstGrad = { name: '', rel: 0 };
      for (const [name, g] of Object.entries(a.grads)) {
        const scale = maxAbs(g);
        expect(scale, `${c.name}: gradient of ${name} is all zero`).toBeGreaterThan(0);
        const rel = maxAbsDiff(b.grads[name], g) / scale;
        expect(rel, `${c.name}: gradient of ${name}`).toBeLessThanOrEqual(GRAD_REL_TOL);
        if (rel >= worstGrad.rel) worstGrad = { name, rel };
      }
      expect(Object.keys(b.after).sort()).toEqual(Object.keys(a.after).sort());
      /** Largest difference after the update: anywhere, and where |g| >= 1e-6 (Adam's step is well conditioned). */
      const worstUpdate = { name: '', abs: 0, g: 0 };
      const worstWellConditioned = { name: '', abs: 0 };
      const worstStats = { name: '', rel: 0 };
      for (const [name, p] of Object.entries(a.after)) {
        const q = b.after[name];
        expect(q.length, name).toBe(p.length);
        const ga = a.grads[name];
        const gb = b.grads[name];
        if (!ga) {
          const rel = maxAbsDiff(q, p) / maxAbs(p);
          expect(rel, `${c.name}: running statistic ${name} after the update`).toBeLessThanOrEqual(STATS_REL_TOL);
          if (rel >= worstStats.rel) Object.assign(worstStats, { name, rel });
          continue;
        }
        for (let i = 0; i < p.length; i++) {
          const d = Math.abs(q[i] - p[i]);
          const gMin = Math.min(Math.abs(ga[i]), Math.abs(gb[i]));
          const bound = UPDATE_ABS_TOL + (c.learningRate * Math.abs(gb[i] - ga[i]) * ADAM_EPSILON) / (gMin + ADAM_EPSILON) ** 2;
          if (d > bound) expect.fail(`${c.name}: ${name}[${i}] after the update differs by ${d} (bound ${bound}; g ${ga[i]} vs ${gb[i]})`);
          if (d >= worstUpdate.abs) Object.assign(worstUpdate, { name, abs: d, g: ga[i] });
          if (gMin >= 1e-6 && d >= worstWellConditioned.abs) Object.assign(worstWellConditioned, { name, abs: d });
        }
      }
      expect(worstWellConditioned.abs, `${c.name}: ${worstWellConditioned.name}`).toBeLessThanOrEqual(UPDATE_ABS_TOL);
      seen.push(
        `${c.name}: loss rel ${lossRel.toExponential(2)} (${a.loss.toFixed(6)}); ` +
          `gradients ${Object.keys(a.grads).length} variables, worst rel ${worstGrad.rel.toExponential(2)} (${worstGrad.name}); ` +
          `after the update: worst abs ${worstUpdate.abs.toExponential(2)} (${worstUpdate.name}, where g = ${worstUpdate.g.toExponential(1)}), ` +
          `worst abs where |g| >= 1e-6 ${worstWellConditioned.abs.toExponential(2)} (${worstWellConditioned.name}), ` +
          `running statistics worst rel ${worstStats.rel.toExponential(2)} (${worstStats.name})`,
      );
    });
  });

  it('every shipped model predicts the same on both paths (ensemble mean and std)', () => {
    expect(native.inference.map((r) => r.model)).toEqual(shippedModelNames(MODELS));
    expect(native.inference.length).toBeGreaterThan(0);
    wasmInference.forEach((a, k) => {
      const b = native.inference[k];
      expect(a.engine).toBe('grouped');
      expect(b.engine).toBe('per-member');
      let worst = 0;
      a.mean.forEach((col, t) => {
        worst = Math.max(worst, maxAbsDiff(b.mean[t], col));
        if (a.std) worst = Math.max(worst, maxAbsDiff(b.std![t], a.std[t]));
      });
      expect(worst, a.model).toBeLessThanOrEqual(PREDICT_ABS_TOL);
      seen.push(`${a.model}: ${a.mean.length} task(s) x ${a.mean[0].length} crystals, worst abs ${worst.toExponential(2)}`);
    });
  });
});
