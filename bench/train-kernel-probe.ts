/**
 * Times the fused edge kernels alone on realistic shapes (N=3840 atoms, M=12, F=64) on the wasm backend.
 *   npx jiti bench/train-kernel-probe.ts [--js] [--no-tiering]
 */
import * as v8 from 'node:v8';
if (process.argv.includes('--no-tiering')) v8.setFlagsFromString('--no-wasm-dynamic-tiering');
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src-main/core/compute/backend';
import { EDGE_BACKWARD, EDGE_FORWARD, EDGE_INFER, setSimdKernelsEnabled } from '../src-main/core/compute/fused-kernels';

async function main(): Promise<void> {
  await initBackend({ force: 'wasm', skipNative: true });
  if (process.argv.includes('--js')) setSimdKernelsEnabled(false);
  const N = 3840, M = 12, F = 64, C = 2 * F, E = N * M;
  const a = tf.randomNormal([N, 2 * C]);
  const bond = tf.randomNormal([E, C]);
  const gamma = tf.ones([C]);
  const beta = tf.zeros([C]);
  // one bond row per edge (no distinct-distance sharing: the worst case)
  const bidx = tf.tensor1d(Int32Array.from({ length: E }, (_, e) => e), 'int32');
  const nbr = tf.tensor1d(Int32Array.from({ length: E }, (_, e) => (e * 7919) % N), 'int32');
  const dS = tf.randomNormal([N, F]);
  const bias = tf.zeros([C]);
  const time = (label: string, f: () => tf.Tensor[] | tf.Tensor): void => {
    const ts: number[] = [];
    for (let r = 0; r < 6; r++) {
      const t0 = performance.now();
      const out = f();
      ts.push(performance.now() - t0);
      (Array.isArray(out) ? out : [out]).forEach((t) => t.dispose());
    }
    console.log(`${label.padEnd(10)} ${ts.map((t) => t.toFixed(1)).join(' ')} ms  (${((Math.min(...ts) * 1e6) / (E * C)).toFixed(2)} ns/elem best)`);
  };
  const fwd = tf.engine().runKernel(EDGE_FORWARD, { a, bond, bidx, gamma, beta, nbr }, { M, eps: 1e-5 } as never) as tf.Tensor[];
  time('forward', () => tf.engine().runKernel(EDGE_FORWARD, { a, bond, bidx, gamma, beta, nbr }, { M, eps: 1e-5 } as never) as tf.Tensor[]);
  time('backward', () => tf.engine().runKernel(EDGE_BACKWARD, { dS, z: fwd[1], dg: fwd[2], gs: fwd[3], gx: fwd[4], mean: fwd[5], var: fwd[6], gamma, bidx, nbr }, { M, eps: 1e-5, U: E } as never) as tf.Tensor[]);
  time('infer', () => tf.engine().runKernel(EDGE_INFER, { a, bond, bidx, bias, nbr }, { M } as never) as tf.Tensor);
}
main();
