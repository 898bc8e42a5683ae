import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend, forcedBackendFromEnv, wasmBinaryDir } from '../../src-main/core/compute/backend';
import { registerKernelFixes } from '../../src-main/core/compute/kernel-overrides';
import { replaceKernel, softplus } from '../../src-main/core/compute/kernel-util';
import { fusedConvCore, fusedConvInfer } from '../../src-main/core/compute/fused-ops';
import { BOND_GRAD, setSimdKernelsEnabled, simdKernelsActive } from '../../src-main/core/compute/fused-kernels';
import { BOND_PROJECT } from '../../src-main/core/compute/grouped-kernels';
import { BondBasis } from '../../src-main/core/model/batch';
import { WasmJs, instantiateSimdKernels } from '../../src-main/core/compute/simd-kernels';
import { bondProjection, edgeBlockReference, factoredPreactivation, gateAndSum } from '../../src-main/core/model/layers';
import { createRng } from '../../src-main/core/seeded-random';

function rand(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => (rng() * 2 - 1) * scale), shape);
}

function randInt(n: number, max: number, seed: number): tf.Tensor1D {
  const rng = createRng(seed);
  return tf.tensor1d(Int32Array.from({ length: n }, () => Math.floor(rng() * max)), 'int32');
}

async function onBackend<T>(name: string, f: () => T): Promise<T> {
  await tf.setBackend(name);
  return f();
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Central finite differences of a scalar function of one tensor (float64 accumulation on CPU values). */
function numericGrad(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, h = 1e-2): Float32Array {
  const base = x.dataSync().slice() as Float32Array;
  const g = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice();
    plus[i] += h;
    const minus = base.slice();
    minus[i] -= h;
    const fp = tf.tidy(() => f(tf.tensor(plus, x.shape)).dataSync()[0]);
    const fm = tf.tidy(() => f(tf.tensor(minus, x.shape)).dataSync()[0]);
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

describe('compute backend', () => {
  beforeAll(async () => {
    const info = await initBackend({ force: 'wasm', skipNative: true });
    expect(info.name).toBe('wasm');
    registerKernelFixes('cpu');
  });

  it('describes the wasm backend', async () => {
    const info = await initBackend();
    expect(info.kind).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.versions['tfjs-core']).toBe('4.22.0');
    expect(info.versions['tfjs-backend-wasm']).toBe('4.22.0');
    expect(info.forced).toBe(true);
    expect(info.howToGetGpu).toMatch(/tfjs-node-gpu/);
    expect(wasmBinaryDir()).toMatch(/tfjs-backend-wasm/);
  });

  it('parses MTCGCNN_BACKEND', () => {
    expect(forcedBackendFromEnv({ MTCGCNN_BACKEND: 'GPU' })).toBe('gpu');
    expect(forcedBackendFromEnv({ MTCGCNN_BACKEND: 'wasm' })).toBe('wasm');
    expect(forcedBackendFromEnv({})).toBeUndefined();
    expect(() => forcedBackendFromEnv({ MTCGCNN_BACKEND: 'tpu' })).toThrow(/not one of/);
  });

  it('UnsortedSegmentSum on wasm and cpu equals a plain loop', async () => {
    const x = rand([50, 7], 1);
    const ids = randInt(50, 9, 2);
    const xv = x.dataSync();
    const iv = ids.dataSync();
    const ref = new Float32Array(9 * 7);
    for (let r = 0; r < 50; r++) for (let c = 0; c < 7; c++) ref[iv[r] * 7 + c] += xv[r * 7 + c];
    for (const be of ['wasm', 'cpu']) {
      const out = await onBackend(be, () => tf.unsortedSegmentSum(tf.tensor(xv, [50, 7]), tf.tensor1d(iv, 'int32'), 9).dataSync());
      expect(maxAbsDiff(out, ref)).toBeLessThan(1e-5);
    }
    await tf.setBackend('wasm');
  });

  it('matMul in all transpose forms matches the cpu backend', async () => {
    const a = rand([6, 5], 3);
    const b = rand([5, 4], 4);
    const av = a.dataSync();
    const bv = b.dataSync();
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const run = () => {
        const A = ta ? tf.transpose(tf.tensor(av, [6, 5])) : tf.tensor(av, [6, 5]);
        const B = tb ? tf.transpose(tf.tensor(bv, [5, 4])) : tf.tensor(bv, [5, 4]);
        return tf.matMul(A, B, ta, tb).dataSync();
      };
      const w = await onBackend('wasm', run);
      const c = await onBackend('cpu', run);
      expect(maxAbsDiff(w, c)).toBeLessThan(1e-5);
    }
    await tf.setBackend('wasm');
  });

  it('gradients of gather, segment sum and matMul match finite differences and the cpu backend', async () => {
    const x = rand([6, 3], 5);
    const idx = randInt(10, 4, 6);
    const ids = randInt(6, 4, 7);
    const w = rand([3, 2], 8);
    const weights = rand([10, 2], 9);
    const f = (xx: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(tf.matMul(tf.gather(tf.unsortedSegmentSum(xx, ids, 4), idx), w), weights)) as tf.Scalar;
    const gw = await onBackend('wasm', () => tf.grad(f)(x).dataSync());
    const gc = await onBackend('cpu', () => tf.grad(f)(x).dataSync());
    await tf.setBackend('wasm');
    const gn = numericGrad(f, x);
    expect(maxAbsDiff(gw, gc)).toBeLessThan(1e-5);
    expect(maxAbsDiff(gw, gn)).toBeLessThan(2e-3);
    // Gradient w.r.t. the right matMul operand with transposes.
    const g2 = (ww: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.matMul(x, ww, false, false))) as tf.Scalar;
    const g3 = (ww: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.matMul(ww, x, true, true))) as tf.Scalar;
    expect(maxAbsDiff(tf.grad(g2)(w).dataSync(), numericGrad(g2, w))).toBeLessThan(5e-3);
    expect(maxAbsDiff(tf.grad(g3)(w).dataSync(), numericGrad(g3, w))).toBeLessThan(5e-3);
  });

  it('tile, gather and softplus overrides match the cpu backend', async () => {
    const x = rand([3, 1, 4], 30);
    const xv = x.dataSync();
    const idx = Int32Array.from([2, 0, 2, 1]);
    const big = rand([1001], 31, 30).dataSync();
    const run = () => [
      tf.tile(tf.tensor(xv, [3, 1, 4]), [2, 3, 2]).dataSync(),
      tf.tile(tf.tensor(xv, [3, 1, 4]), [1, 5, 1]).dataSync(),
      tf.gather(tf.tensor(xv, [3, 4]), tf.tensor1d(idx, 'int32')).dataSync(),
      tf.gather(tf.tensor(Int32Array.from([5, 6, 7]), [3], 'int32'), tf.tensor1d(idx, 'int32')).dataSync(),
      tf.softplus(tf.tensor(big)).dataSync(),
    ];
    const w = await onBackend('wasm', run);
    await tf.setBackend('cpu');
    tf.unregisterKernel('Tile', 'cpu'); // compare with the original cpu Tile
    const { tileConfig } = await import('@tensorflow/tfjs-backend-cpu/dist/kernels/Tile');
    tf.registerKernel(tileConfig);
    const c = run();
    await tf.setBackend('wasm');
    expect(w[0].length).toBe(3 * 2 * 1 * 3 * 4 * 2);
    for (let i = 0; i < w.length; i++) expect(maxAbsDiff(w[i], c[i])).toBeLessThan(i === 4 ? 1e-5 : 1e-7);
  });

  it('row sums / means of a matrix on wasm (SIMD column sums) equal wasm\'s own kernels bit for bit', () => {
    // The overrides cover matrices; the same data as [R, C, 1] goes to wasm's original kernels.
    for (const [R, C] of [[37, 68], [1500, 64], [1, 8], [64, 1], [5, 6]]) {
      const xv = rand([R, C], R + C, 1e3).dataSync() as Float32Array;
      xv[0] = 1e-38; // denormal range and mixed magnitudes
      if (xv.length > 3) xv[3] = -2e7;
      tf.tidy(() => {
        const x2 = tf.tensor(xv, [R, C]);
        const x3 = tf.tensor(xv, [R, C, 1]);
        const same = (a: tf.Tensor, b: tf.Tensor): void => {
          expect(a.shape).toEqual(b.shape);
          expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
        };
        same(tf.sum(x2, 0), tf.reshape(tf.sum(x3, 0), [C]));
        same(tf.mean(x2, 0), tf.reshape(tf.mean(x3, 0), [C]));
        same(tf.sum(x2, 0, true), tf.reshape(tf.sum(x3, 0), [1, C]));
        same(tf.mean(x2, [0], true), tf.reshape(tf.mean(x3, 0), [1, C]));
        same(tf.sum(x2, 1), tf.reshape(tf.sum(x3, 1), [R])); // not covered: wasm's kernel either way
      });
    }
  });

  it('sparse bond projection and its gradient equal XNNPACK\'s dense matmuls bit for bit (wasm), and the cpu ones', async () => {
    // Real Gaussian features: about two thirds are exactly 0, which the sparse kernels skip.
    const basis = new BondBasis(8, 0.2, 0.2);
    const G = basis.dimension;
    const U = 700, C = 128;
    const rng = createRng(40);
    const dist = Float32Array.from({ length: U }, (_, i) => (i === 3 ? 9.5 : 0.5 + 7.5 * rng())); // one beyond the centres
    const gauss = new Float32Array(U * G);
    const span = new Int32Array(2 * U);
    basis.expandSparseInto(dist, U, gauss, span);
    tf.tidy(() => {
      const u = tf.tensor2d(gauss, [U, G]);
      const sp = tf.tensor1d(span, 'int32');
      const w = rand([G, C], 41, 0.3) as tf.Tensor2D;
      const dB = rand([U, C], 42, 1e-3) as tf.Tensor2D;
      const proj = tf.engine().runKernel(BOND_PROJECT, { gauss: u, span: sp, w, bias: tf.zeros([C]) }) as tf.Tensor;
      expect(Array.from(proj.dataSync())).toEqual(Array.from(tf.matMul(u, w).dataSync()));
      const grad = tf.engine().runKernel(BOND_GRAD, { gauss: u, span: sp, dB }) as tf.Tensor;
      expect(grad.shape).toEqual([G, C]);
      expect(Array.from(grad.dataSync())).toEqual(Array.from(tf.transpose(tf.matMul(tf.transpose(dB), u)).dataSync()));
    });
    // The JavaScript gradient kernel (cpu backend; cpu matmuls accumulate in float64, so equal within rounding).
    const dv = rand([U, C], 42, 1e-3).dataSync();
    const c = await onBackend('cpu', () => tf.tidy(() => {
      const u = tf.tensor2d(gauss, [U, G]);
      const sp = tf.tensor1d(span, 'int32');
      const dB = tf.tensor2d(dv, [U, C]);
      return [
        (tf.engine().runKernel(BOND_GRAD, { gauss: u, span: sp, dB }) as tf.Tensor).dataSync(),
        tf.matMul(tf.transpose(u), dB).dataSync(),
      ];
    }));
    await tf.setBackend('wasm');
    expect(maxAbsDiff(c[0], c[1])).toBeLessThan(1e-7);
    expect(maxAbsDiff(c[1], new Float32Array(c[1].length))).toBeGreaterThan(1e-4);
  });

  it('kernel-util: softplus without overflow, replaceKernel replaces a registered kernel', () => {
    for (const y of [-50, -3, -1e-3, 0, 1e-3, 2.5, 40]) expect(softplus(y)).toBeCloseTo(Math.log(1 + Math.exp(y)), 12);
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-1000)).toBe(0);
    const name = 'TidyTestKernel';
    replaceKernel({ kernelName: name, backendName: 'cpu', kernelFunc: () => ({ dataId: {}, shape: [1], dtype: 'float32' }) });
    const second = () => ({ dataId: {}, shape: [2], dtype: 'float32' as const });
    replaceKernel({ kernelName: name, backendName: 'cpu', kernelFunc: second });
    expect(tf.getKernel(name, 'cpu')?.kernelFunc).toBe(second);
    tf.unregisterKernel(name, 'cpu');
  });

  it('gradients of softplus, sigmoid, mean, rsqrt, slice and concat match finite differences', () => {
    const x = rand([4, 6], 10, 1.5);
    const f = (xx: tf.Tensor): tf.Scalar => {
      const a = tf.slice(xx, [0, 0], [4, 3]);
      const b = tf.slice(xx, [0, 3], [4, 3]);
      const m = tf.mean(xx, 0);
      const v = tf.rsqrt(tf.add(tf.mean(tf.square(tf.sub(xx, m)), 0), 0.5));
      const c = tf.concat([tf.mul(tf.sigmoid(a), tf.softplus(b)), tf.mul(xx, v)], 1);
      return tf.sum(tf.mul(c, tf.exp(tf.neg(tf.abs(c))))) as tf.Scalar;
    };
    expect(maxAbsDiff(tf.grad(f)(x).dataSync(), numericGrad(f, x, 5e-3))).toBeLessThan(3e-3);
  });

  it('SIMD sigmoid and softplus are accurate to ~3e-7 relative', () => {
    const mem = new WasmJs.Memory({ initial: 2 });
    const k = instantiateSimdKernels(mem);
    const n = 2048;
    const f = new Float32Array(mem.buffer);
    for (let i = 0; i < n; i++) f[i] = (i / n) * 80 - 40;
    k.activations(0, n * 4, n * 8, n);
    for (let i = 0; i < n; i++) {
      const y = f[i];
      const sig = 1 / (1 + Math.exp(-y));
      const sp = y > 0 ? y + Math.log1p(Math.exp(-y)) : Math.log1p(Math.exp(y));
      expect(Math.abs(f[n + i] - sig) / sig).toBeLessThan(5e-7);
      expect(Math.abs(f[2 * n + i] - sp) / sp).toBeLessThan(5e-7);
    }
  });

  const variants = [
    { be: 'wasm', simd: true, F: 8 },
    { be: 'wasm', simd: false, F: 8 },
    { be: 'wasm', simd: true, F: 6 }, // F % 4 != 0 falls back to JS
    { be: 'cpu', simd: false, F: 8 },
  ] as const;
  for (const { be, simd, F } of variants) {
    it(`fused conv core (${be}, ${simd ? 'simd' : 'js'}, F=${F}) matches tfjs ops in value and gradients`, async () => {
      await tf.setBackend(be);
      setSimdKernelsEnabled(simd);
      if (be === 'wasm') expect(simdKernelsActive()).toBe(simd);
      const N = 9, M = 4, G = 5, C = 2 * F;
      const v = rand([N, F], 11);
      const wSN = rand([F, 2 * C], 12, 0.5);
      const wB = rand([G, C], 13, 0.5);
      const U = 13; // distinct distances, shared by several edges
      const u = rand([U, G], 19) as tf.Tensor2D;
      const span = tf.tensor1d(Int32Array.from({ length: 2 * U }, (_, i) => (i % 2 ? G : 0)), 'int32'); // all nonzero
      const bidx = randInt(N * M, U, 20);
      const gamma = tf.add(rand([C], 14, 0.5), 1);
      const beta = rand([C], 15, 0.3);
      const nbr = randInt(N * M, N, 16);
      const dS = rand([N, F], 17);
      const ref = (vv: tf.Tensor, w: tf.Tensor, wb: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const aS = tf.matMul(vv as tf.Tensor2D, tf.slice(w, [0, 0], [F, C]) as tf.Tensor2D) as tf.Tensor2D;
        const aN = tf.matMul(vv as tf.Tensor2D, tf.slice(w, [0, C], [F, C]) as tf.Tensor2D) as tf.Tensor2D;
        return edgeBlockReference(aS, aN, bondProjection({ u, index: bidx, span }, wb as tf.Tensor2D), g, b, nbr, M, 1e-5);
      };
      const fus = (vv: tf.Tensor, w: tf.Tensor, wb: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        fusedConvCore(vv as tf.Tensor2D, w as tf.Tensor2D, wb as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, u, span, bidx, nbr, M, 1e-5);
      const inputs = [v, wSN, wB, gamma, beta];
      const lossOf = (f: typeof ref) => (...t: tf.Tensor[]) => tf.sum(tf.mul(f(t[0], t[1], t[2], t[3], t[4]).sum, dS)) as tf.Scalar;
      const r = ref(v, wSN, wB, gamma, beta);
      const o = fus(v, wSN, wB, gamma, beta);
      expect(maxAbsDiff(o.sum.dataSync(), r.sum.dataSync())).toBeLessThan(2e-5);
      expect(maxAbsDiff(o.mean.dataSync(), r.mean.dataSync())).toBeLessThan(1e-5);
      expect(maxAbsDiff(o.variance.dataSync(), r.variance.dataSync())).toBeLessThan(1e-5);
      const gRef = tf.grads(lossOf(ref))(inputs);
      const gFus = tf.grads(lossOf(fus))(inputs);
      for (let i = 0; i < inputs.length; i++) {
        const scale = Math.max(...Array.from(gRef[i].dataSync(), Math.abs), 1);
        expect(maxAbsDiff(gFus[i].dataSync(), gRef[i].dataSync()) / scale).toBeLessThan(1e-4);
      }
      // Inference kernel = plain ops with a bias.
      const bias = rand([C], 18);
      const inf = fusedConvInfer(v as tf.Tensor2D, wSN as tf.Tensor2D, wB as tf.Tensor2D, bias as tf.Tensor1D, u, bidx, nbr, M).dataSync();
      const infRef = tf.tidy(() => {
        const aS = tf.matMul(v as tf.Tensor2D, tf.slice(wSN, [0, 0], [F, C]) as tf.Tensor2D) as tf.Tensor2D;
        const aN = tf.matMul(v as tf.Tensor2D, tf.slice(wSN, [0, C], [F, C]) as tf.Tensor2D) as tf.Tensor2D;
        const z = tf.add(factoredPreactivation(aS, aN, bondProjection({ u, index: bidx, span }, wB as tf.Tensor2D), nbr, M), bias) as tf.Tensor2D;
        return gateAndSum(z, N, M).dataSync();
      });
      expect(maxAbsDiff(inf, infRef)).toBeLessThan(2e-5);
      setSimdKernelsEnabled(true);
      await tf.setBackend('wasm');
    });
  }
});
