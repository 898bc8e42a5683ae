import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/core/compute/backend';
import { setSimdKernelsEnabled, simdKernelsActive } from '../../src-main/core/compute/fused-kernels';
import { BOND_PROJECT, EDGE_GROUPED } from '../../src-main/core/compute/grouped-kernels';
import { featurizeFile } from '../../src-main/core/featurize/featurize-chunk';
import { type CrystalGraph, DEFAULT_GRAPH_SETTINGS as DEFAULT_SETTINGS } from '../../src-main/core/graph/crystal-graph';
import { BatchBuilder, BondBasis, batchToTensors, disposeBatchTensors } from '../../src-main/core/model/batch';
import { makeModelConfig } from '../../src-main/core/model/config';
import { ColourRefiner, GroupedBatchBuilder } from '../../src-main/core/model/grouped-batch';
import { GroupedEnsemble, disposeGroupedTensors, groupedBatchToTensors } from '../../src-main/core/model/grouped-inference';
import { FoldedNetwork } from '../../src-main/core/model/network';
import { ParamStore } from '../../src-main/core/model/params';
import { Predictor, type PredictionResult } from '../../src-main/core/model/predictor';
import { createRng } from '../../src-main/core/seeded-random';
import { syntheticElementTable, syntheticGraphs } from '../fixtures/synthetic-training';
import { MP_SMALL_DIR } from '../shared-data';

const SHIPPED = path.resolve(__dirname, '..', '..', 'resources', 'models', 'mtcgcnn-e4-mp25k');

function sampleGraphs(): CrystalGraph[] {
  const graphs: CrystalGraph[] = [];
  const names = fs.readdirSync(MP_SMALL_DIR).filter((n) => n.endsWith('.cif')).sort();
  expect(names.length).toBeGreaterThan(30);
  for (const name of names) {
    const f = featurizeFile({ path: path.join(MP_SMALL_DIR, name), relPath: name } as never, DEFAULT_SETTINGS, {}, graphs);
    expect(f.entries.every((e) => e.error === undefined)).toBe(true);
  }
  return graphs;
}

function maxAbsDiff(a: PredictionResult, b: PredictionResult): { mean: number; std: number } {
  let mean = 0;
  let std = 0;
  a.mean.forEach((col, t) => col.forEach((x, i) => (mean = Math.max(mean, Math.abs(x - b.mean[t][i])))));
  a.std?.forEach((col, t) => col.forEach((x, i) => (std = Math.max(std, Math.abs(x - b.std![t][i])))));
  return { mean, std };
}

describe('grouped (symmetry-reduced) inference', () => {
  let graphs: CrystalGraph[];

  beforeAll(async () => {
    await initBackend({ force: 'wasm', skipNative: true });
    graphs = sampleGraphs();
  });

  afterAll(() => setSimdKernelsEnabled(true));

  it('symmetry classes never mix elements and the grouped batch keeps every atom and neighbour slot', () => {
    const refiner = new ColourRefiner();
    let atoms = 0;
    let classes = 0;
    for (const g of graphs) {
      const { classOf, count } = refiner.classes(g, 3);
      const zOf = new Map<number, number>();
      for (let i = 0; i < g.numAtoms; i++) {
        expect(classOf[i]).toBeLessThan(count);
        const z = zOf.get(classOf[i]);
        if (z === undefined) zOf.set(classOf[i], g.atomicNumbers[i]);
        else expect(z).toBe(g.atomicNumbers[i]);
      }
      expect(zOf.size).toBe(count);
      atoms += g.numAtoms;
      classes += count;
    }
    // Real crystals are symmetric: far fewer classes than atoms.
    expect(classes).toBeLessThan(atoms / 1.5);
    const b = new GroupedBatchBuilder(BondBasis.fromSettings(DEFAULT_SETTINGS), 12, 3).build(graphs);
    expect(b.numAtoms).toBe(atoms);
    expect(b.numRows).toBe(classes);
    const perCrystal = new Float64Array(graphs.length);
    for (let r = 0; r < b.numRows; r++) {
      perCrystal[b.rowCrystal[r]] += b.rowWeight[r];
      let slots = 0;
      for (let e = b.edgeStart[r]; e < b.edgeStart[r + 1]; e++) {
        slots += b.edgeWeight[e];
        expect(b.rowCrystal[b.edgeNbr[e]]).toBe(b.rowCrystal[r]);
        expect(b.edgeBond[e]).toBeLessThan(b.numBonds);
      }
      expect(slots).toBe(12);
    }
    graphs.forEach((g, i) => expect(perCrystal[i]).toBe(g.numAtoms));
    expect(b.numEdges).toBeLessThan(classes * 12);
    // The sparse Gaussian rows equal the full expansion (BatchBuilder) of the same distances.
    const full = new BatchBuilder(BondBasis.fromSettings(DEFAULT_SETTINGS), 12).build(graphs);
    const rows = new Set<string>();
    for (let u = 0; u < full.numBonds; u++) rows.add(Array.from(full.bondFeatures.subarray(u * 41, (u + 1) * 41)).join(','));
    let unknownRows = 0;
    let badSpans = 0;
    for (let u = 0; u < b.numBonds; u++) {
      const row = b.bondFeatures.subarray(u * 41, (u + 1) * 41);
      if (!rows.has(Array.from(row).join(','))) unknownRows++;
      const lo = b.bondSpan[2 * u];
      const hi = lo + b.bondSpan[2 * u + 1];
      row.forEach((x, k) => {
        if ((x !== 0) !== (k >= lo && k < hi)) badSpans++;
      });
    }
    expect(unknownRows).toBe(0);
    expect(badSpans).toBe(0);
  });

  it('the shipped ensemble predicts the sample crystals as the per-member Predictor does (mean and std within 1e-4)', async () => {
    const grouped = await Predictor.load(SHIPPED);
    const perMember = await Predictor.load(SHIPPED, { engine: 'per-member' });
    expect(grouped.engine).toBe('grouped');
    expect(perMember.engine).toBe('per-member');
    expect(grouped.members).toBe(3);
    const ref = perMember.predict(graphs);
    const tensors = tf.memory().numTensors;
    const out = grouped.predict(graphs);
    expect(tf.memory().numTensors).toBe(tensors);
    const d = maxAbsDiff(out, ref);
    expect(d.mean).toBeLessThanOrEqual(1e-4);
    expect(d.std).toBeLessThanOrEqual(1e-4);
    // Small batches (edge budget) and the JS kernels (no SIMD) give the same.
    const small = await Predictor.load(SHIPPED, { edgeBudget: 500 });
    expect(maxAbsDiff(small.predict(graphs), ref).mean).toBeLessThanOrEqual(1e-4);
    setSimdKernelsEnabled(false);
    try {
      const js = maxAbsDiff(grouped.predict(graphs), ref);
      expect(js.mean).toBeLessThanOrEqual(1e-4);
      expect(js.std).toBeLessThanOrEqual(1e-4);
    } finally {
      setSimdKernelsEnabled(true);
    }
    for (const p of [grouped, perMember, small]) p.dispose();
  });

  it('SIMD kernels equal the JS kernels, far into the tails of the activations', () => {
    expect(simdKernelsActive()).toBe(true);
    const rng = createRng(99);
    const F = 8;
    const C = 2 * F;
    const K = 40;
    const U = 30;
    const G = 41;
    const rand = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => (2 * rng() - 1) * scale);
    // Pre-activations spread over [-120, 120]: beyond the +-86 clamps of the exponentials.
    const a = tf.tensor2d(rand(K * 2 * C, 60), [K, 2 * C]);
    const gauss = new Float32Array(U * G);
    const span = new Int32Array(2 * U);
    for (let u = 0; u < U; u++) {
      const lo = Math.floor(rng() * 30);
      const n = Math.floor(rng() * 12);
      for (let k = lo; k < lo + n; k++) gauss[u * G + k] = rng();
      span[2 * u] = lo;
      span[2 * u + 1] = n;
    }
    const start = new Int32Array(K + 1);
    const nbr: number[] = [];
    const bond: number[] = [];
    const weight: number[] = [];
    for (let i = 0; i < K; i++) {
      const groups = i % 7; // includes rows without any edge group
      for (let g = 0; g < groups; g++) {
        nbr.push(Math.floor(rng() * K));
        bond.push(Math.floor(rng() * U));
        weight.push(1 + Math.floor(rng() * 4));
      }
      start[i + 1] = nbr.length;
    }
    const inputs = {
      gauss: tf.tensor2d(gauss, [U, G]), span: tf.tensor1d(span, 'int32'), w: tf.tensor2d(rand(G * C, 3), [G, C]), bias: tf.tensor1d(rand(C, 1)),
    };
    const v = tf.tensor2d(rand(K * F, 30), [K, F]);
    const scale = tf.tensor1d(rand(F, 2));
    const shift = tf.tensor1d(rand(F, 2));
    const run = (): { p: Float32Array; out: Float32Array } => {
      const p = tf.engine().runKernel(BOND_PROJECT, inputs) as tf.Tensor2D;
      const out = tf.engine().runKernel(EDGE_GROUPED, {
        a, p, start: tf.tensor1d(start, 'int32'), nbr: tf.tensor1d(nbr, 'int32'), bond: tf.tensor1d(bond, 'int32'),
        weight: tf.tensor1d(weight, 'float32'), v, scale, shift,
      }) as tf.Tensor2D;
      return { p: p.dataSync() as Float32Array, out: out.dataSync() as Float32Array };
    };
    const simd = run();
    setSimdKernelsEnabled(false);
    let js: { p: Float32Array; out: Float32Array };
    try {
      js = run();
    } finally {
      setSimdKernelsEnabled(true);
    }
    // float32 (SIMD) and float64-then-rounded (JS) arithmetic: differences of a few float32 ulps of the terms
    const rel = (x: Float32Array, y: Float32Array): number => {
      let m = 0;
      x.forEach((z, i) => (m = Math.max(m, Math.abs(z - y[i]) / Math.max(1, Math.abs(y[i])))));
      return m;
    };
    expect(rel(simd.p, js.p)).toBeLessThan(1e-6);
    expect(rel(simd.out, js.out)).toBeLessThan(1e-6);
    expect(simd.out.every(Number.isFinite)).toBe(true);
  });

  const archs = [
    { name: 'hard sharing, 3 convolutions', cfg: { convDim: 8, hiddenDim: 12, numConv: 3 } },
    { name: 'soft sharing, shared layer, 2 head layers', cfg: { convDim: 8, hiddenDim: 12, numConv: 2, sharing: 'soft' as const, sharedHidden: 1, headHidden: 2 } },
    { name: 'convDim not a multiple of 4 (JS kernels)', cfg: { convDim: 6, hiddenDim: 8, numConv: 2 } },
    { name: 'no convolution', cfg: { convDim: 8, hiddenDim: 8, numConv: 0 } },
  ];
  for (const { name, cfg } of archs) {
    it(`grouped forward equals the folded network on the full graph (${name})`, () => {
      const tasks = [{ name: 'a', unit: '' }, { name: 'b', unit: 'eV' }];
      const config = makeModelConfig({ tasks, ...cfg });
      const table = tf.tensor2d(syntheticElementTable(92), [119, 92]);
      const nets = [3, 4].map((seed) => {
        const store = ParamStore.init(config, seed);
        // Non-trivial running statistics so that the folding matters.
        const rng = createRng(seed + 10);
        for (const [n, v] of store.state) {
          const vals = Float32Array.from({ length: v.size }, () => (n.endsWith('.var') ? 0.5 + rng() : rng() - 0.5));
          v.assign(tf.tensor(vals, v.shape));
        }
        const net = FoldedNetwork.fromStore(config, store, table);
        store.dispose();
        return net;
      });
      const M = 12;
      const mixed = [...syntheticGraphs(5, { seed: 7, minAtoms: 1, maxAtoms: 9, maxNeighbors: M }), ...graphs.slice(0, 20)];
      const basis = BondBasis.fromSettings(DEFAULT_SETTINGS);
      const bt = batchToTensors(new BatchBuilder(basis, M).build(mixed));
      const ensemble = new GroupedEnsemble(nets);
      for (const group of [true, false]) {
        const gt = groupedBatchToTensors(new GroupedBatchBuilder(basis, M, config.numConv, group).build(mixed));
        const out = ensemble.forward(gt);
        const got = out.arraySync() as number[][];
        nets.forEach((net, k) => {
          const ref = tf.tidy(() => net.forward(bt, false)).arraySync() as number[][];
          ref.forEach((row, i) => row.forEach((y, t) => expect(Math.abs(got[i][k * tasks.length + t] - y)).toBeLessThan(2e-5 * Math.max(1, Math.abs(y)))));
        });
        out.dispose();
        disposeGroupedTensors(gt);
      }
      ensemble.dispose();
      nets.forEach((n) => n.dispose());
      disposeBatchTensors(bt);
      table.dispose();
    });
  }
});
