import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { bundleWorker } from '../bundle-worker';
import { initBackend } from '../../src-main/core/compute/backend';
import { DEFAULT_GRAPH_SETTINGS } from '../../src-main/core/graph/crystal-graph';
import { makeModelConfig, DEFAULT_MODEL_CONFIG } from '../../src-main/core/model/config';
import { BatchBuilder, BondBasis } from '../../src-main/core/model/batch';
import { ParamStore } from '../../src-main/core/model/params';
import { combineBnStats, sliceGradients, splitBatch } from '../../src-main/core/train/slice-gradients';
import { defaultTrainingWorkers } from '../../src-main/core/train/data-parallel';
import { trainModel } from '../../src-main/core/train/trainer';
import { runTrainingInWorker } from '../../src-main/core/train/worker-client';
import type { TrainOptions, TrainResult, TrainingData } from '../../src-main/core/train/types';
import { syntheticGraphs, syntheticTrainingData } from '../fixtures/synthetic-training';

// The gradient worker and the training worker bundled as the app build bundles them, each into its own folder
// inside the repository (so node_modules resolves as it does for out/main).
const cache = path.resolve(__dirname, '../../node_modules/.cache/mtcgcnn-test/data-parallel');
let gradientWorker = '';
let trainWorker = '';

function data(n = 60): TrainingData {
  return syntheticTrainingData(n, { seed: 21, minAtoms: 2, maxAtoms: 8, maxNeighbors: 12, missing: 0.1, targetSeed: 5 });
}

const small: TrainOptions = {
  model: { convDim: 8, numConv: 2, hiddenDim: 16 },
  epochs: 4,
  batchSize: 16,
  learningRate: 0.01,
  seed: 3,
  split: { seed: 2 },
};

const weightsOf = (r: TrainResult): Float32Array[] => r.members.flatMap((m) => m.params.map((p) => p.data));
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mtc-dp-'));

describe('data-parallel training: the pieces', () => {
  beforeAll(async () => {
    await initBackend({ force: 'wasm', skipNative: true });
  });

  it('cuts a batch into contiguous, non-empty slices of about equal atom counts', () => {
    const graphs = syntheticGraphs(40, { seed: 5, minAtoms: 1, maxAtoms: 12 });
    const idx = Int32Array.from([...Array(40).keys()].reverse());
    for (const k of [1, 2, 3, 4, 8]) {
      const slices = splitBatch(graphs, idx, k);
      expect(slices).toHaveLength(k);
      expect(slices.flatMap((s) => Array.from(s))).toEqual(Array.from(idx));
      const atoms = slices.map((s) => Array.from(s).reduce((a, i) => a + graphs[i].numAtoms, 0));
      const total = atoms.reduce((a, b) => a + b, 0);
      // no slice is off its share by more than one crystal's atoms (at most 12)
      for (const a of atoms) expect(Math.abs(a - total / k)).toBeLessThanOrEqual(12);
    }
    // more slices than crystals: one crystal each
    expect(splitBatch(graphs, idx.subarray(0, 3), 8).map((s) => s.length)).toEqual([1, 1, 1]);
  });

  it('combines the slices\' batch-norm statistics into exactly those of the whole batch', () => {
    const rows = [5, 9, 2];
    let seed = 1;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 4 - 1;
    const parts = rows.map((n) => Array.from({ length: n }, () => [rnd(), rnd() * 3 + 2]));
    const stat = (xs: number[][]) => {
      const mean = [0, 1].map((c) => xs.reduce((a, x) => a + x[c], 0) / xs.length);
      const variance = [0, 1].map((c) => xs.reduce((a, x) => a + (x[c] - mean[c]) ** 2, 0) / xs.length);
      return { name: 'conv0.bn1', mean: Float32Array.from(mean), variance: Float32Array.from(variance), count: xs.length };
    };
    const [combined] = combineBnStats(parts.map((p) => [stat(p)]));
    const whole = stat(parts.flat());
    expect(combined.count).toBe(16);
    for (let c = 0; c < 2; c++) {
      expect(combined.mean[c]).toBeCloseTo(whole.mean[c], 6);
      expect(combined.variance[c]).toBeCloseTo(whole.variance[c], 5);
    }
  });

  it('the slices\' gradients add up to the whole batch\'s gradient when each slice has the batch\'s statistics', () => {
    // Batch [a, b, c, a, b, c] cut in two gives [a, b, c] twice: each half has the statistics of the whole, so the
    // only difference between one thread and two is the summation.
    const d = data(12);
    const config = makeModelConfig({ ...DEFAULT_MODEL_CONFIG, convDim: 8, numConv: 2, hiddenDim: 16, atomFeatureDim: 92, bondFeatureDim: BondBasis.fromSettings(DEFAULT_GRAPH_SETTINGS).dimension, tasks: [...d.tasks] });
    const store = ParamStore.init(config, 9);
    const table = tf.tensor2d(d.elementTable.matrix(), [d.elementTable.matrix().length / 92, 92]);
    const normTargets = d.targets.map((c) => Float64Array.from(c));
    const model = {
      config, table, fused: true, loss: 'l1' as const, classFlags: undefined, normTargets, graphs: d.graphs,
      builder: new BatchBuilder(BondBasis.fromSettings(DEFAULT_GRAPH_SETTINGS), DEFAULT_GRAPH_SETTINGS.maxNeighbors),
    };
    const half = Int32Array.from([0, 1, 2]);
    const whole = Int32Array.from([0, 1, 2, 0, 1, 2]);
    const labelled = (t: number) => Array.from(whole).filter((i) => Number.isFinite(normTargets[t][i])).length;
    const inv = Float32Array.from([0, 1], (t) => (labelled(t) > 0 ? 1 / labelled(t) : 0));
    const vars = [...store.trainable.values()];
    const req = { inv, weights: [0.3, 0.7], softPenalty: false };
    const one = sliceGradients(model, store, vars, { ...req, idx: whole });
    const a = sliceGradients(model, store, vars, { ...req, idx: half });
    const b = sliceGradients(model, store, vars, { ...req, idx: half });
    let maxAbs = 0;
    let maxErr = 0;
    one.grads.forEach((g, j) => g.forEach((x, i) => {
      maxAbs = Math.max(maxAbs, Math.abs(x));
      maxErr = Math.max(maxErr, Math.abs(a.grads[j][i] + b.grads[j][i] - x));
    }));
    expect(maxAbs).toBeGreaterThan(0);
    expect(maxErr).toBeLessThan(1e-5 * maxAbs);
    one.taskLoss.forEach((l, t) => expect(a.taskLoss[t] + b.taskLoss[t]).toBeCloseTo(l, 5));
    table.dispose();
    store.dispose();
  });

  it('defaults to the physical cores minus one, at most 7 and at least 1', () => {
    expect(defaultTrainingWorkers(1)).toBe(1);
    expect(defaultTrainingWorkers(2)).toBe(1);
    expect(defaultTrainingWorkers(4)).toBe(3);
    expect(defaultTrainingWorkers(32)).toBe(7);
  });
});

describe('data-parallel training with gradient workers', () => {
  beforeAll(async () => {
    await initBackend({ force: 'wasm', skipNative: true });
    gradientWorker = await bundleWorker(path.resolve(__dirname, '../../src-main/core/train/gradient-worker.ts'), path.join(cache, 'gradient'));
    trainWorker = await bundleWorker(path.resolve(__dirname, '../../src-main/core/train/train-worker.ts'), path.join(cache, 'train'));
  }, 120_000);

  it('K = 2 is deterministic, learns as K = 1 does, and reports its threads', async () => {
    const d = data();
    const logs: string[] = [];
    const k2 = { ...small, workers: 2, workerScripts: { gradient: gradientWorker } };
    const a = await trainModel(k2, d, { onLog: (m) => logs.push(m) });
    const b = await trainModel(k2, d);
    const one = await trainModel(small, d);
    expect(logs.some((m) => m.includes('data-parallel training: 2 threads'))).toBe(true);
    expect(a.trainOptions.workers).toBe(2);
    expect(weightsOf(a)).toEqual(weightsOf(b));
    // not the one-thread path (batch norm works per slice) ...
    expect(weightsOf(a)).not.toEqual(weightsOf(one));
    // ... but the same learning: training loss falls and the validation MAE ends near K = 1's
    const h2 = a.members[0].history;
    const h1 = one.members[0].history;
    expect(h2[3].trainTotal).toBeLessThan(h2[0].trainTotal);
    const v1 = h1[3].valAverageMae!;
    const v2 = h2[3].valAverageMae!;
    expect(Math.abs(v2 - v1) / v1).toBeLessThan(0.5);
  }, 120_000);

  it('equals K = 1 up to rounding when every slice has the batch\'s statistics (identical crystals, uncertainty weighting)', async () => {
    // All crystals the same structure (different targets): every slice's batch-norm statistics are the batch's, so
    // K = 3 differs from one thread only in how the gradients are summed.
    const base = data(40);
    const g = base.graphs[0];
    const same: TrainingData = { ...base, graphs: base.graphs.map((_, i) => ({ ...g, id: `c${i}` })) };
    const opts: TrainOptions = { ...small, epochs: 2, lossWeighting: { kind: 'uncertainty' }, lrSchedule: { kind: 'constant' } };
    const one = await trainModel(opts, same);
    const three = await trainModel({ ...opts, workers: 3, workerScripts: { gradient: gradientWorker } }, same);
    const w1 = weightsOf(one);
    const w3 = weightsOf(three);
    let maxErr = 0;
    let maxAbs = 0;
    w1.forEach((arr, j) => arr.forEach((x, i) => {
      maxAbs = Math.max(maxAbs, Math.abs(x));
      maxErr = Math.max(maxErr, Math.abs(x - w3[j][i]));
    }));
    expect(maxErr).toBeLessThan(1e-4 * maxAbs);
    one.members[0].lossWeighting.logVariances!.forEach((s, t) => expect(three.members[0].lossWeighting.logVariances![t]).toBeCloseTo(s, 4));
  }, 120_000);

  it('resumes a K = 2 run from its checkpoint to the same result as an uninterrupted one (ensemble, uncertainty weighting)', async () => {
    const d = data();
    const opts: TrainOptions = { ...small, members: 2, lossWeighting: { kind: 'uncertainty' }, workers: 2, workerScripts: { gradient: gradientWorker } };
    const full = await trainModel({ ...opts, checkpointPath: path.join(tmp(), 'c.bin') }, d);
    const ck = path.join(tmp(), 'c.bin');
    await expect(trainModel({ ...opts, checkpointPath: ck, stopAfterEpochs: 2 }, d)).rejects.toMatchObject({ name: 'AbortError' });
    const resumed = await trainModel({ ...opts, checkpointPath: ck }, d);
    expect(weightsOf(resumed)).toEqual(weightsOf(full));
    expect(resumed.members[1].lossWeighting.logVariances).toEqual(full.members[1].lossWeighting.logVariances);
    // the learned log variances moved: their gradient came from the summed task losses
    expect(full.members[0].lossWeighting.logVariances!.some((s) => s !== 0)).toBe(true);
  }, 120_000);

  it('trains with GradNorm and soft sharing across 3 threads', async () => {
    const d = data();
    const r = await trainModel({ ...small, epochs: 2, workers: 3, workerScripts: { gradient: gradientWorker }, lossWeighting: { kind: 'gradnorm' }, model: { ...small.model, sharing: 'soft' } }, d);
    const w = r.members[0].lossWeighting.weights;
    expect(w.every((x) => Number.isFinite(x) && x > 0)).toBe(true);
    expect(w[0]).not.toBe(0.5);
  }, 120_000);

  it('runs inside the app\'s training worker and cancels between steps', async () => {
    const ac = new AbortController();
    const d = data();
    const done = await runTrainingInWorker(trainWorker, { ...small, epochs: 2, workers: 2, workerScripts: { gradient: gradientWorker } }, d, {}, { backend: 'wasm' });
    expect(done.trainOptions.workers).toBe(2);
    const p = runTrainingInWorker(trainWorker, { ...small, epochs: 50, batchSize: 4, workers: 2, workerScripts: { gradient: gradientWorker }, signal: ac.signal }, d,
      { onProgress: (e) => { if (e.step >= 2) ac.abort(); } }, { backend: 'wasm', progressIntervalMs: 0 });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  }, 120_000);

  it('trains ensemble members at the same time, each in its own thread, with the results of one after the other', async () => {
    const d = data();
    const ens: TrainOptions = { ...small, members: 3, epochs: 3 };
    const logs: string[] = [];
    const sequential = await trainModel(ens, d);
    const concurrent = await trainModel({ ...ens, workers: 2, workerScripts: { gradient: gradientWorker, member: trainWorker } }, d, { onLog: (m) => logs.push(m) });
    expect(logs.some((m) => m.includes('ensemble: 2 members at a time'))).toBe(true);
    expect(weightsOf(concurrent)).toEqual(weightsOf(sequential));
    expect(concurrent.members.map((m) => m.seed)).toEqual(sequential.members.map((m) => m.seed));
    expect(concurrent.testMetrics).toEqual(sequential.testMetrics);
    // 4 threads for 2 members: 2 at a time with 2 data-parallel threads each = each member with K = 2 in turn
    const two: TrainOptions = { ...small, members: 2, epochs: 2 };
    const inTurn = await trainModel({ ...two, workers: 2, workerScripts: { gradient: gradientWorker } }, d);
    const atOnce = await trainModel({ ...two, workers: 4, workerScripts: { gradient: gradientWorker, member: trainWorker } }, d);
    expect(weightsOf(atOnce)).toEqual(weightsOf(inTurn));
  }, 180_000);

  it('resumes concurrently trained members from their own checkpoints', async () => {
    const d = data();
    const opts: TrainOptions = { ...small, members: 2, workers: 2, workerScripts: { gradient: gradientWorker, member: trainWorker } };
    const full = await trainModel({ ...opts, checkpointPath: path.join(tmp(), 'c.bin') }, d);
    const ck = path.join(tmp(), 'c.bin');
    await expect(trainModel({ ...opts, checkpointPath: ck, stopAfterEpochs: 2 }, d)).rejects.toMatchObject({ name: 'AbortError' });
    // the first member to reach its stop stops the other, which keeps the checkpoint of its last finished epoch (if any)
    expect(fs.existsSync(`${ck}.m0`) || fs.existsSync(`${ck}.m1`)).toBe(true);
    const resumed = await trainModel({ ...opts, checkpointPath: ck }, d);
    expect(weightsOf(resumed)).toEqual(weightsOf(full));
  }, 180_000);

  it('falls back to one thread, saying why, when the gradient worker is not built', async () => {
    const logs: string[] = [];
    const r = await trainModel({ ...small, epochs: 1, workers: 2, workerScripts: {} }, data(), { onLog: (m) => logs.push(m) });
    // from the TypeScript sources there is no out/main/gradient-worker.js next to the trainer
    expect(logs.some((m) => m.includes('training on one thread'))).toBe(true);
    expect(r.members[0].history).toHaveLength(1);
  }, 60_000);
});
