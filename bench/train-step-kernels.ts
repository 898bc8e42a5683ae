/**
 * The kernels changed by the training-step profile (docs/training.md, "Where a training step's time goes"), each next
 * to what it replaced, in one process, timed in CPU time of this process (median), so that other processes' load on a
 * shared machine moves the figures less:
 *   - sparse bond projection (CgcnnBondProject) vs the dense XNNPACK matmul u W_bond, U = 7000 real Gaussian rows;
 *   - its gradient CgcnnBondGrad vs transpose + matmul + transpose;
 *   - a batch-norm mean over [N, 64] with the SIMD column sum vs wasm's transpose + sum (wasm's kernel runs on the
 *     same data shaped [N, 64, 1], which the override leaves to it);
 *   - the Adam step of the default model's parameters as one kernel per parameter vs tfjs ops.
 *
 *   nice -n 5 npx jiti bench/train-step-kernels.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src-main/core/compute/backend';
import { BOND_GRAD } from '../src-main/core/compute/fused-kernels';
import { BOND_PROJECT } from '../src-main/core/compute/grouped-kernels';
import { BondBasis } from '../src-main/core/model/batch';
import { Adam } from '../src-main/core/train/optimizer';
import { setAdamKernelEnabled } from '../src-main/core/compute/adam-kernel';
import { makeModelConfig } from '../src-main/core/model/config';
import { ParamStore } from '../src-main/core/model/params';

async function main(): Promise<void> {
  await initBackend({ force: 'wasm', skipNative: true });
  const cpuMs = (f: () => void): number => { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };
  const time = (label: string, f: () => tf.Tensor | void, reps = 30) => {
    const ts: number[] = [];
    for (let r = 0; r < reps; r++) ts.push(cpuMs(() => { const o = f(); if (o) o.dispose(); }));
    ts.sort((a, b) => a - b);
    console.log(label.padEnd(44), ts[Math.floor(reps / 2)].toFixed(3), 'ms CPU (median)');
  };
  const U = 7000, C = 128, N = 3400, F = 64;
  const basis = new BondBasis(8, 0.2, 0.2);
  const G = basis.dimension;
  const dist = Float32Array.from({ length: U }, () => 1 + 7 * Math.random());
  const gauss = new Float32Array(U * G); const span = new Int32Array(2 * U);
  basis.expandSparseInto(dist, U, gauss, span);
  const u = tf.tensor2d(gauss, [U, G]); const sp = tf.tensor1d(span, 'int32');
  const w = tf.randomNormal([G, C]) as tf.Tensor2D; const dB = tf.randomNormal([U, C]) as tf.Tensor2D; const zero = tf.zeros([C]);
  const s2 = tf.randomNormal([N, F]); const s3 = tf.reshape(s2, [N, F, 1]);
  const config = makeModelConfig({ tasks: [{ name: 'a', unit: '' }, { name: 'b', unit: '' }, { name: 'c', unit: '' }] });
  const store = ParamStore.init(config, 1);
  const grads: Record<string, tf.Tensor> = {};
  for (const [k, v] of store.trainable) grads[k] = tf.randomNormal(v.shape);
  const adam = new Adam();
  for (let round = 0; round < 2; round++) {
    time('bond projection: dense matMul [U,41]x[41,128]', () => tf.matMul(u, w));
    time('bond projection: sparse CgcnnBondProject', () => tf.engine().runKernel(BOND_PROJECT, { gauss: u, span: sp, w, bias: zero }) as tf.Tensor);
    time('dW_bond: transpose + matMul + transpose (old)', () => tf.tidy(() => tf.transpose(tf.matMul(tf.transpose(dB), u))));
    time('dW_bond: sparse CgcnnBondGrad', () => tf.engine().runKernel(BOND_GRAD, { gauss: u, span: sp, dB }) as tf.Tensor);
    time('BN mean [N,64]: wasm (transpose + sum)', () => tf.mean(s3, 0));
    time('BN mean [N,64]: SIMD column sum', () => tf.mean(s2, 0));
    setAdamKernelEnabled(false);
    time('Adam, 97k parameters: tfjs ops', () => adam.apply(store.trainable, grads, 1e-3), 60);
    setAdamKernelEnabled(true);
    time('Adam, 97k parameters: one kernel per parameter', () => adam.apply(store.trainable, grads, 1e-3), 60);
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
