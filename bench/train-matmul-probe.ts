/**
 * Times XNNPACK matmuls of the shapes in a training step on the wasm backend, with a fresh right operand
 * each call (as in training) or a reused one (packing cached).  npx jiti bench/train-matmul-probe.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src-main/core/compute/backend';

async function main(): Promise<void> {
  await initBackend({ force: 'wasm', skipNative: true });
  const E = 46080, N = 3840;
  const shapes: Array<[number, number, number, string]> = [
    [N, 64, 256, 'v@Wsn'], [E, 41, 128, 'u@Wb'], [E, 44, 128, 'u44@Wb'], [E, 48, 128, 'u48@Wb'], [E, 41, 384, 'u@Wb*3'],
    [N, 256, 64, 'dA@W^T'], [256, N, 64, 'dA^T@v'], [128, E, 41, 'dZT@u'], [128, E, 44, 'dZT@u44'], [384, E, 41, 'dZT*3@u'],
  ];
  for (const [m, k, n, label] of shapes) {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    const run = (fresh: boolean): number => {
      let tt = 0;
      for (let i = 0; i < 4; i++) {
        const bb = fresh ? tf.add(b, 0) : b;
        const t0 = performance.now();
        tf.matMul(a, bb).dispose();
        tt += performance.now() - t0;
        if (fresh) bb.dispose();
      }
      return tt / 4;
    };
    run(false);
    const cached = run(false);
    const fresh = run(true);
    console.log(`${label.padEnd(9)} [${m}x${k}]@[${k}x${n}]  cached ${cached.toFixed(1)} ms (${((2 * m * k * n) / cached / 1e6).toFixed(1)} GFLOP/s)  fresh ${fresh.toFixed(1)} ms`);
    a.dispose();
    b.dispose();
  }
}
main();
