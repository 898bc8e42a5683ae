import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/core/compute/backend';
import { makeModelConfig } from '../../src-main/core/model/config';
import { ParamStore, paramSpecs } from '../../src-main/core/model/params';
import { BatchBuilder, BondBasis, batchToTensors, disposeBatchTensors } from '../../src-main/core/model/batch';
import { type ConvWeights, concatenatedConvTrain, convTrain } from '../../src-main/core/model/layers';
import { FoldedNetwork, forwardTrain, softSharingPenalty } from '../../src-main/core/model/network';
import { syntheticElementTable, syntheticGraphs } from '../fixtures/synthetic-training';
import { createRng } from '../../src-main/core/seeded-random';

function rand(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => (rng() * 2 - 1) * scale), shape);
}

function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(x.length).toBe(y.length);
  let m = 0;
  let s = 1e-6;
  for (let i = 0; i < x.length; i++) {
    m = Math.max(m, Math.abs(x[i] - y[i]));
    s = Math.max(s, Math.abs(y[i]));
  }
  return m / s;
}

const tasks2 = [{ name: 'formation_energy_per_atom_eV', unit: 'eV/atom' }, { name: 'band_gap_eV', unit: 'eV' }];

describe('MT-CGCNN network', () => {
  beforeAll(async () => {
    await initBackend({ force: 'wasm', skipNative: true });
  });

  it('parameter specs follow the reference architecture', () => {
    const c = makeModelConfig({ tasks: tasks2 });
    const specs = paramSpecs(c);
    const byName = new Map(specs.map((s) => [s.name, s.shape]));
    expect(byName.get('embed.w')).toEqual([92, 64]);
    expect(byName.get('conv2.w_bond')).toEqual([41, 128]);
    expect(byName.get('conv0.bn1.gamma')).toEqual([128]);
    expect(byName.get('head1.fc0.w')).toEqual([64, 128]);
    expect(byName.get('head1.out.w')).toEqual([128, 1]);
    // Reference parameter count minus the three fc_full biases (redundant before batch norm).
    const trainable = specs.filter((s) => s.trainable).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
    const convRef = (169 * 128 + 128) + 2 * 128 + 2 * 64;
    const headRef = (64 * 128 + 128) + (128 + 1);
    expect(trainable).toBe(92 * 64 + 64 + 3 * (convRef - 128) + 2 * headRef);
    const soft = paramSpecs(makeModelConfig({ tasks: tasks2, sharing: 'soft' }));
    expect(soft.some((s) => s.name === 'tower1.conv0.w_self')).toBe(true);
    expect(soft.some((s) => s.name === 'tower1.head.out.b')).toBe(true);
  });

  it('seeded initialisation is reproducible', () => {
    const c = makeModelConfig({ tasks: tasks2, convDim: 8, hiddenDim: 8, numConv: 1 });
    const a = ParamStore.init(c, 42).toRecords();
    const b = ParamStore.init(c, 42).toRecords();
    const d = ParamStore.init(c, 43).toRecords();
    expect(a.map((r) => Array.from(r.data))).toEqual(b.map((r) => Array.from(r.data)));
    expect(Array.from(a[0].data)).not.toEqual(Array.from(d[0].data));
  });

  it('batch builder offsets neighbours and expands Gaussian bond features', () => {
    const graphs = syntheticGraphs(3, { seed: 2, minAtoms: 2, maxAtoms: 4, maxNeighbors: 3 });
    const basis = new BondBasis(8, 0.2, 0.2);
    expect(basis.dimension).toBe(41);
    const b = new BatchBuilder(basis, 3).build(graphs);
    expect(b.numAtoms).toBe(graphs.reduce((a, g) => a + g.numAtoms, 0));
    const g1 = graphs[1];
    const off = graphs[0].numAtoms;
    expect(b.neighborIndex[off * 3 + 1]).toBe(off + g1.neighborIndex[1]);
    expect(b.crystalIndex[off]).toBe(1);
    const d = g1.neighborDistance[2];
    const row = b.bondIndex[off * 3 + 2];
    expect(b.bondFeatures[row * 41 + 10]).toBeCloseTo(Math.exp(-((d - 2) ** 2) / 0.04), 5);
    // One row per distinct distance, shared by equal distances.
    const all = graphs.flatMap((g) => Array.from(g.neighborDistance));
    expect(b.numBonds).toBe(new Set(all).size);
    all.forEach((dd, e) => expect(all[b.bondIndex.indexOf(b.bondIndex[e])]).toBe(dd));
    expect(() => new BatchBuilder(basis, 4).build(graphs)).toThrow(/neighbour slots/);
  });

  it('batch builder: one bond row per distinct distance, numbered in first-seen order, over many batches', () => {
    const basis = new BondBasis(8, 0.2, 0.2);
    const builder = new BatchBuilder(basis, 4);
    const rng = createRng(5);
    for (const [crystals, levels] of [[3, 5], [40, 3000], [2, 1]]) {
      // Distances from a few levels (many repeats), with +0 / -0 (one distance, as for Map keys).
      const graphs = syntheticGraphs(crystals, { seed: crystals, minAtoms: 3, maxAtoms: 30, maxNeighbors: 4 });
      for (const g of graphs) {
        const d = g.neighborDistance as Float32Array;
        for (let k = 0; k < d.length; k++) d[k] = 1 + Math.floor(rng() * levels) * 1e-3;
        d[0] = -0;
        d[d.length - 1] = 0;
      }
      const b = builder.build(graphs);
      const seen = new Map<number, number>();
      const expected = graphs.flatMap((g) => Array.from(g.neighborDistance, (d) => {
        if (!seen.has(d)) seen.set(d, seen.size);
        return seen.get(d)!;
      }));
      expect(b.numBonds).toBe(seen.size);
      expect(Array.from(b.bondIndex)).toEqual(expected);
      const rows = [...seen.keys()];
      const one = new Float32Array(basis.dimension);
      for (const u of [0, rows.length - 1]) {
        basis.expandInto([rows[u]], one);
        expect(Array.from(b.bondFeatures.subarray(u * basis.dimension, (u + 1) * basis.dimension))).toEqual(Array.from(one));
      }
    }
  });

  it('factored convolution equals the concatenated reference in output and gradients', () => {
    const N = 10, M = 4, F = 6, G = 5, C = 2 * F;
    const v = rand([N, F], 1);
    const rng = createRng(3);
    const nbr = tf.tensor1d(Int32Array.from({ length: N * M }, () => Math.floor(rng() * N)), 'int32');
    const U = 17;
    const bond = {
      u: rand([U, G], 2) as tf.Tensor2D,
      index: tf.tensor1d(Int32Array.from({ length: N * M }, () => Math.floor(rng() * U)), 'int32'),
      span: tf.tensor1d(Int32Array.from({ length: 2 * U }, (_, i) => (i % 2 ? G : 0)), 'int32'), // every feature nonzero
    };
    const ws = [rand([F, C], 4, 0.4), rand([F, C], 5, 0.4), rand([G, C], 6, 0.4), tf.add(rand([C], 7, 0.2), 1), rand([C], 8, 0.2), tf.add(rand([F], 9, 0.2), 1), rand([F], 10, 0.2)];
    const mk = (t: tf.Tensor[]): ConvWeights => ({
      wSelf: t[0] as tf.Tensor2D, wNbr: t[1] as tf.Tensor2D, wBond: t[2] as tf.Tensor2D,
      gamma1: t[3] as tf.Tensor1D, beta1: t[4] as tf.Tensor1D, gamma2: t[5] as tf.Tensor1D, beta2: t[6] as tf.Tensor1D,
    });
    const probe = rand([N, F], 11);
    const bias = rand([C], 12, 0.5);
    const lossFactored = (fused: boolean) => (...t: tf.Tensor[]) =>
      tf.sum(tf.mul(convTrain(t[0] as tf.Tensor2D, bond, nbr, M, mk(t.slice(1)), 1e-5, fused).v, probe)) as tf.Scalar;
    const lossConcat = (...t: tf.Tensor[]) =>
      tf.sum(tf.mul(concatenatedConvTrain(t[0] as tf.Tensor2D, bond, nbr, M, mk(t.slice(1)), 1e-5, t[8] as tf.Tensor1D), probe)) as tf.Scalar;
    const inputs = [v, ...ws];
    const outF = convTrain(v as tf.Tensor2D, bond, nbr, M, mk(ws), 1e-5, false).v;
    const outFused = convTrain(v as tf.Tensor2D, bond, nbr, M, mk(ws), 1e-5, true).v;
    const outC = concatenatedConvTrain(v as tf.Tensor2D, bond, nbr, M, mk(ws), 1e-5, bias as tf.Tensor1D);
    expect(relDiff(outF, outC)).toBeLessThan(1e-5);
    expect(relDiff(outFused, outC)).toBeLessThan(1e-5);
    const gC = tf.grads(lossConcat)([...inputs, bias]);
    for (const fused of [false, true]) {
      const gF = tf.grads(lossFactored(fused))(inputs);
      for (let i = 0; i < inputs.length; i++) expect(relDiff(gF[i], gC[i])).toBeLessThan(2e-4);
    }
    // The fc_full bias before batch norm has (numerically) zero gradient: dropping it changes nothing.
    expect(Math.max(...Array.from(gC[8].dataSync(), Math.abs))).toBeLessThan(1e-4);
  });

  for (const sharing of ['hard', 'soft'] as const) {
    it(`fused and reference training forward agree, and the folded network matches eval mode (${sharing})`, () => {
      const config = makeModelConfig({ tasks: tasks2, convDim: 8, hiddenDim: 12, numConv: 2, headHidden: 2, sharedHidden: 1, sharing });
      const store = ParamStore.init(config, 5);
      const table = tf.tensor2d(syntheticElementTable(92), [119, 92]);
      const graphs = syntheticGraphs(6, { seed: 9, minAtoms: 2, maxAtoms: 7, maxNeighbors: 5 });
      const bt = batchToTensors(new BatchBuilder(new BondBasis(8, 0.2, 0.2), 5).build(graphs));
      const vars = [...store.trainable.values()];
      const run = (fused: boolean) => {
        let pred: tf.Tensor | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const r = forwardTrain(config, store, table, bt, fused);
          r.stats.forEach((s) => { s.mean.dispose(); s.variance.dispose(); });
          pred = tf.keep(r.pred);
          return tf.sum(tf.mul(r.pred, tf.tensor2d([[1, -2]]))) as tf.Scalar;
        }, vars);
        value.dispose();
        return { pred: pred!, grads };
      };
      const a = run(false);
      const b = run(true);
      expect(relDiff(b.pred, a.pred)).toBeLessThan(1e-5);
      for (const v of vars) expect(relDiff(b.grads[v.name], a.grads[v.name])).toBeLessThan(5e-4);
      // Put the batch statistics into the running statistics: eval mode on this batch == training mode.
      const r = forwardTrain(config, store, table, bt, true);
      for (const s of r.stats) {
        store.get(`${s.name}.mean`).assign(s.mean);
        store.get(`${s.name}.var`).assign(s.variance);
      }
      const folded = FoldedNetwork.fromStore(config, store, table);
      for (const fused of [false, true]) {
        const p = tf.tidy(() => folded.forward(bt, fused));
        expect(relDiff(p, r.pred)).toBeLessThan(1e-4);
      }
      folded.dispose();
      disposeBatchTensors(bt);
      store.dispose();
    });
  }

  it('soft-sharing penalty is zero for identical towers and positive otherwise', () => {
    const config = makeModelConfig({ tasks: tasks2, convDim: 4, hiddenDim: 4, numConv: 1, sharing: 'soft', softSharingStrength: 0.5 });
    const store = ParamStore.init(config, 1);
    const p0 = softSharingPenalty(config, store).dataSync()[0];
    expect(p0).toBeGreaterThan(0);
    for (const [name, v] of store.trainable) {
      if (name.startsWith('tower1.')) v.assign(store.get(name.replace('tower1.', 'tower0.')));
    }
    expect(softSharingPenalty(config, store).dataSync()[0]).toBeCloseTo(0, 8);
    const hard = makeModelConfig({ tasks: tasks2, convDim: 4, hiddenDim: 4, numConv: 1 });
    expect(softSharingPenalty(hard, ParamStore.init(hard, 1)).dataSync()[0]).toBe(0);
  });
});
