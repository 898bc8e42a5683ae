import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/core/compute/backend';
import { batchTargets, defaultEdgeBudget, planBatches } from '../../src-main/core/train/collate';
import { LossWeighter, maskCounts, maskedTaskMse } from '../../src-main/core/train/loss';
import { learningRateAt } from '../../src-main/core/train/schedule';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src-main/core/train/checkpoint';
import { Adam } from '../../src-main/core/train/optimizer';
import { setAdamKernelEnabled } from '../../src-main/core/compute/adam-kernel';
import { registerKernelFixes } from '../../src-main/core/compute/kernel-overrides';
import '@tensorflow/tfjs-backend-cpu';
import { epochSeed } from '../../src-main/core/train/trainer';
import { createRng } from '../../src-main/core/seeded-random';

describe('training parts', () => {
  beforeAll(async () => {
    await initBackend({ force: 'wasm', skipNative: true });
  });

  it('plans batches under an edge budget without dropping crystals', () => {
    const sizes = [10, 20, 5, 200, 7, 7, 7, 30];
    const graphs = sizes.map((n) => ({ numAtoms: n, maxNeighbors: 12 }));
    const order = [3, 0, 1, 2, 4, 5, 6, 7];
    const batches = planBatches(graphs, order, { edgeBudget: 40 * 12, maxCrystals: 3 });
    expect(batches.flatMap((b) => Array.from(b))).toEqual(order);
    expect(Array.from(batches[0])).toEqual([3]); // over budget alone
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(3);
      const edges = Array.from(b).reduce((a, i) => a + sizes[i] * 12, 0);
      if (b.length > 1) expect(edges).toBeLessThanOrEqual(40 * 12);
    }
    expect(defaultEdgeBudget('fused')).toBeGreaterThan(100_000);
    expect(defaultEdgeBudget('reference')).toBeGreaterThanOrEqual(46_080);
    expect(defaultEdgeBudget('reference') * 53 * 1024).toBeLessThan(4 * 1024 ** 3);
  });

  it('masks missing labels in targets and the per-task MSE', () => {
    const t0 = Float64Array.from([1, NaN, 3]);
    const t1 = Float64Array.from([NaN, 2, 4]);
    const { values, mask } = batchTargets([2, 0, 1], [t0, t1]);
    expect(Array.from(values)).toEqual([3, 4, 1, 0, 0, 2]);
    expect(Array.from(mask)).toEqual([1, 1, 1, 0, 0, 1]);
    const mc = maskCounts(mask, 2);
    expect(Array.from(mc.counts)).toEqual([2, 2]);
    const pred = tf.tensor2d([[2, 4], [1, 100], [100, 0]]);
    const l = maskedTaskMse(pred, tf.tensor2d(values, [3, 2]), tf.tensor2d(mask, [3, 2]), tf.tensor1d(mc.inv)).dataSync();
    expect(l[0]).toBeCloseTo((1 + 0) / 2, 6);
    expect(l[1]).toBeCloseTo((0 + 4) / 2, 6);
  });

  it('loss weighting: fixed, uncertainty and GradNorm', () => {
    const fixed = new LossWeighter({ kind: 'fixed', weights: [3, 1] }, 2);
    expect(fixed.currentWeights()).toEqual([0.75, 0.25]);
    expect(fixed.total(tf.tensor1d([1, 2]), tf.tensor1d([1, 1])).dataSync()[0]).toBeCloseTo(1.25, 6);
    expect(() => new LossWeighter({ kind: 'fixed', weights: [1] }, 2)).toThrow();
    const unc = new LossWeighter({ kind: 'uncertainty' }, 2);
    expect(unc.trainableVariables().size).toBe(1);
    expect(unc.total(tf.tensor1d([1, 2]), tf.tensor1d([1, 1])).dataSync()[0]).toBeCloseTo(1.5, 6);
    expect(unc.currentWeights()).toEqual([0.5, 0.5]);
    const gn = new LossWeighter({ kind: 'gradnorm', alpha: 1, learningRate: 0.1 }, 2);
    gn.gradNormUpdate([1, 1], [1, 1], [1, 1]);
    expect(gn.currentWeights()[0]).toBeCloseTo(0.5, 9);
    // Task 1 trains slower (its loss ratio stays high) -> its weight goes up.
    gn.gradNormUpdate([0.2, 1], [1, 1], [1, 1]);
    const w = gn.currentWeights();
    expect(w[1]).toBeGreaterThan(w[0]);
    expect(w[0] + w[1]).toBeCloseTo(1, 9);
    const st = gn.getState();
    const gn2 = new LossWeighter({ kind: 'gradnorm', alpha: 1, learningRate: 0.1 }, 2);
    gn2.setState(JSON.parse(JSON.stringify(st)));
    expect(gn2.currentWeights()).toEqual(w);
  });

  it('GradNorm measures ||dL_t/dh_t|| through each head, 0 for a task without labels', () => {
    // Head t: p = 2 h; L_t = sum_b m (p - y)^2 / count  ->  dL/dh_b = 4 m (2 h_b - y_b) / count.
    const h = [1, -0.5, 2];
    const y = [[0.5, 0], [1, 0], [3, 0]];
    const m = [[1, 0], [1, 0], [0, 0]];
    const mc = maskCounts(Float32Array.from(m.flat()), 2);
    const gn = new LossWeighter({ kind: 'gradnorm' }, 2);
    expect(gn.needsSharedRepresentation).toBe(true);
    expect(new LossWeighter({ kind: 'fixed' }, 2).needsSharedRepresentation).toBe(false);
    const shared = [tf.tensor2d(h, [3, 1]), tf.tensor2d(h, [3, 1])];
    const norms = gn.taskGradientNorms(shared, (x) => tf.mul(x, 2), tf.tensor2d(y.flat(), [3, 2]), tf.tensor2d(m.flat(), [3, 2]), mc);
    const g = h.map((hb, b) => (4 * m[b][0] * (2 * hb - y[b][0])) / 2);
    expect(norms[0]).toBeCloseTo(Math.hypot(...g), 5);
    expect(norms[1]).toBe(0);
    // afterStep without norms (fixed, uncertainty) leaves the weights alone.
    gn.afterStep([1, 1], undefined, [1, 1]);
    expect(gn.currentWeights()).toEqual([0.5, 0.5]);
  });

  it('learning-rate schedules', () => {
    expect(learningRateAt(0.1, { kind: 'constant' }, 5, 0, 10, 10)).toBe(0.1);
    expect(learningRateAt(0.1, { kind: 'step', milestones: [2, 4] }, 1, 0, 10, 10)).toBeCloseTo(0.1);
    expect(learningRateAt(0.1, { kind: 'step', milestones: [2, 4] }, 4, 0, 10, 10)).toBeCloseTo(0.001);
    const c = (e: number, s: number) => learningRateAt(1, { kind: 'cosine', warmupEpochs: 1, minFactor: 0.1 }, e, s, 10, 5);
    expect(c(0, 0)).toBeCloseTo(0.1);
    expect(c(1, 0)).toBeCloseTo(1);
    expect(c(3, 0)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5)));
    expect(c(4, 9)).toBeGreaterThan(0.1);
  });

  it('Adam state round-trips', () => {
    const p = new Map([['w', tf.variable(tf.tensor1d([1, 2, 3]))]]);
    const a = new Adam({ weightDecay: 0.01 });
    a.apply(p, { w: tf.tensor1d([0.1, -0.2, 0.3]) }, 0.01);
    const st = a.getState();
    expect(st.step).toBe(1);
    const b = new Adam({ weightDecay: 0.01 });
    b.setState(st);
    const q = new Map([['w', tf.variable(p.get('w')!.clone())]]);
    a.apply(p, { w: tf.tensor1d([0.5, 0.5, 0.5]) }, 0.01);
    b.apply(q, { w: tf.tensor1d([0.5, 0.5, 0.5]) }, 0.01);
    expect(Array.from(q.get('w')!.dataSync())).toEqual(Array.from(p.get('w')!.dataSync()));
  });

  it('the one-kernel Adam step gives bit for bit the parameters and moments of the tfjs-op step (wasm and cpu)', async () => {
    registerKernelFixes('cpu');
    // Gradients of very different magnitudes (incl. 0 and denormal-range values), AdamW decay with an exempt
    // parameter, a per-parameter learning-rate factor, and a parameter without a gradient in one of the steps.
    const rng = createRng(11);
    const rand = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
    const shapes: Record<string, number[]> = { a: [7, 5], b: [13], 'loss.s': [3], c: [4, 4] };
    const init = Object.fromEntries(Object.keys(shapes).map((k) => [k, rand(shapes[k].reduce((x, y) => x * y, 1), 1)]));
    const gradSteps = [1e-3, 1, 1e-30, 40].map((scale, s) =>
      Object.fromEntries(Object.keys(shapes).map((k) => [k, s === 2 && k === 'c' ? null : rand(init[k].length, scale)])));
    gradSteps[1].b!.fill(0);
    const run = (fused: boolean): Float32Array[] => {
      setAdamKernelEnabled(fused);
      const params = new Map(Object.keys(shapes).map((k) => [k, tf.variable(tf.tensor(init[k], shapes[k]))]));
      const opt = new Adam({ weightDecay: 0.03 });
      for (const g of gradSteps) {
        const grads: Record<string, tf.Tensor | null> = Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v ? tf.tensor(v, shapes[k]) : null]));
        opt.apply(params, grads, 0.003, (name) => name.startsWith('loss.'), (name) => (name === 'a' ? 0.3 : 1));
        Object.values(grads).forEach((t) => t?.dispose());
      }
      const st = opt.getState();
      const out = [...[...params.values()].map((p) => p.dataSync().slice() as Float32Array), ...st.m.map((r) => r.data), ...st.v.map((r) => r.data)];
      params.forEach((p) => p.dispose());
      opt.dispose();
      return out;
    };
    try {
      for (const be of ['wasm', 'cpu']) {
        await tf.setBackend(be);
        const ops = run(false);
        const fused = run(true);
        expect(fused.map((a) => Array.from(a))).toEqual(ops.map((a) => Array.from(a)));
        expect(Array.from(fused[0])).not.toEqual(Array.from(init.a));
      }
    } finally {
      setAdamKernelEnabled(true);
      await tf.setBackend('wasm');
    }
  });

  it('checkpoints encode, decode and are written atomically', () => {
    const ck = {
      meta: { epoch: 3, note: 'x', nan: null },
      groups: { params: [{ name: 'a', shape: [2, 2], data: Float32Array.from([1, 2, 3, Math.PI]) }], adam_m: [], best: [{ name: 'b', shape: [1], data: Float32Array.from([-0]) }] },
    };
    const back = decodeCheckpoint<typeof ck.meta>(encodeCheckpoint(ck));
    expect(back.meta).toEqual(ck.meta);
    expect(Array.from(back.groups.params[0].data)).toEqual(Array.from(ck.groups.params[0].data));
    expect(back.groups.adam_m).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));
    const file = path.join(dir, 'run.ckpt');
    saveCheckpoint(file, ck);
    saveCheckpoint(file, { ...ck, meta: { ...ck.meta, epoch: 4 } });
    expect(loadCheckpoint<typeof ck.meta>(file).meta.epoch).toBe(4);
    expect(fs.readdirSync(dir).sort()).toEqual(['run.ckpt', 'run.ckpt.prev']); // two generations, no temporary file left
    fs.writeFileSync(file, encodeCheckpoint(ck).subarray(0, 60));
    expect(() => loadCheckpoint(file)).toThrow();
    fs.rmSync(dir, { recursive: true });
  });

  it('epoch seeds differ per epoch and per seed', () => {
    const s = new Set([0, 1, 2, 3].flatMap((e) => [epochSeed(0, e), epochSeed(1, e)]));
    expect(s.size).toBe(8);
  });
});
