/**
 * Training-step speed on synthetic shapes (graphs prebuilt): default MT-CGCNN (F=64, 3 convs, H=128,
 * 2 tasks), crystals of 20-30 atoms (default), 12 neighbours, batch 128.
 *
 *   npx jiti bench/train-speed.ts [--backend wasm|cpu] [--path fused|reference] [--batch 128] [--steps 10]
 *                                  [--atoms 20-30] [--graphs FILE] [--forward] [--profile] [--matmul-log]
 *
 * Prints per-step times (median), crystals/s, and optionally the top kernels from tf.profile.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { decodeGraphs } from '../src-main/core/graph/graph-codec';
import { initBackend } from '../src-main/core/compute/backend';
import { makeModelConfig } from '../src-main/core/model/config';
import { ParamStore } from '../src-main/core/model/params';
import { BatchBuilder, BondBasis, batchToTensors, disposeBatchTensors } from '../src-main/core/model/batch';
import { applyBnUpdates, forwardTrain } from '../src-main/core/model/network';
import { Adam } from '../src-main/core/train/optimizer';
import { syntheticElementTable, syntheticGraphs } from '../test/fixtures/synthetic-training';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const backend = arg('backend', 'wasm') as 'wasm' | 'cpu';
  const info = await initBackend({ force: backend, skipNative: true });
  const path = arg('path', 'fused');
  const B = Number(arg('batch', '128'));
  const steps = Number(arg('steps', '10'));
  const [minA, maxA] = arg('atoms', '20-30').split('-').map(Number);
  const profile = process.argv.includes('--profile');
  const forwardOnly = process.argv.includes('--forward');
  const fused = path === 'fused';
  const mmLog: string[] = [];
  if (process.argv.includes('--matmul-log')) {
    const k = tf.getKernel('BatchMatMul', 'wasm')!;
    const orig = k.kernelFunc;
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const t0 = performance.now();
        const out = orig(args);
        const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
        const at = args.attrs as { transposeA?: boolean; transposeB?: boolean };
        mmLog.push(`${(performance.now() - t0).toFixed(1).padStart(7)} ms  [${a.shape}]${at.transposeA ? 'T' : ''} x [${b.shape}]${at.transposeB ? 'T' : ''}`);
        return out;
      },
    });
  }

  const config = makeModelConfig({ tasks: [{ name: 'a', unit: '' }, { name: 'b', unit: '' }] });
  const store = ParamStore.init(config, 1);
  const table = tf.tensor2d(syntheticElementTable(92), [119, 92]);
  const basis = new BondBasis(8, 0.2, 0.2);
  // --graphs FILE: real graphs (graph-codec file, e.g. written by bench/train-real.ts --graphs), filtered to the atom range.
  const gfile = arg('graphs', '');
  const graphs = gfile
    ? decodeGraphs(new Uint8Array(fs.readFileSync(gfile))).filter((g) => g.numAtoms >= minA && g.numAtoms <= maxA).slice(0, B * 3)
    : syntheticGraphs(B * 3, { seed: 5, minAtoms: minA, maxAtoms: maxA });
  if (graphs.length < B * 3) throw new Error(`only ${graphs.length} graphs with ${minA}-${maxA} atoms`);
  const builder = new BatchBuilder(basis, 12);
  const opt = new Adam();
  const target = tf.randomNormal([B, 2]);
  const times: number[] = [];
  console.log(`backend ${info.description}; path ${path}; batch ${B}; atoms ${minA}-${maxA}; steps ${steps}; ${gfile ? `real graphs from ${gfile}` : 'synthetic graphs (all distances distinct)'}`);
  for (let s = 0; s < steps + 2; s++) {
    const gs = graphs.slice((s % 3) * B, (s % 3) * B + B);
    const t0 = performance.now();
    const batch = builder.build(gs);
    const bt = batchToTensors(batch);
    const t1 = performance.now();
    const run = () => {
      if (forwardOnly) {
        tf.tidy(() => {
          const { pred, stats } = forwardTrain(config, store, table, bt, fused);
          pred.dataSync();
          stats.forEach((x) => { x.mean.dispose(); x.variance.dispose(); });
        });
        return;
      }
      let statsOut: ReturnType<typeof forwardTrain>['stats'] = [];
      const { value, grads } = tf.variableGrads(() => {
        const { pred, stats } = forwardTrain(config, store, table, bt, fused);
        statsOut = stats;
        return tf.mean(tf.square(tf.sub(pred, target))) as tf.Scalar;
      }, [...store.trainable.values()]);
      const named: Record<string, tf.Tensor> = {};
      for (const [name, v] of store.trainable) named[name] = grads[v.name];
      opt.apply(store.trainable, named, 1e-3);
      value.dataSync();
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
      applyBnUpdates(store, statsOut, 0.1);
    };
    if (profile && s === 2) {
      const p = await tf.profile(run);
      const agg = new Map<string, { ms: number; n: number }>();
      for (const k of p.kernels) {
        const a = agg.get(k.name) ?? { ms: 0, n: 0 };
        a.ms += Number(k.kernelTimeMs) || 0;
        a.n++;
        agg.set(k.name, a);
      }
      const top = [...agg.entries()].sort((x, y) => y[1].ms - x[1].ms).slice(0, 20);
      console.log('top kernels (ms, calls):');
      for (const [n, a] of top) console.log(`  ${n.padEnd(24)} ${a.ms.toFixed(1).padStart(8)} ${a.n}`);
    } else run();
    disposeBatchTensors(bt);
    if (mmLog.length && s === 3) console.log(mmLog.join('\n'));
    mmLog.length = 0;
    const t2 = performance.now();
    if (s >= 2) times.push(t2 - t0);
    console.log(`step ${s}: build ${(t1 - t0).toFixed(0)} ms, total ${(t2 - t0).toFixed(0)} ms, tensors ${tf.memory().numTensors}`);
  }
  const heap = (tf.backend() as unknown as { wasm?: { asm?: { memory?: { buffer: ArrayBuffer } } } }).wasm?.asm?.memory?.buffer.byteLength;
  if (heap) console.log(`wasm heap high-water ${(heap / 2 ** 20).toFixed(0)} MiB for batches of ~${graphs.slice(0, B).reduce((a, g) => a + g.numAtoms * 12, 0)} edges`);
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)];
  console.log(`median step ${med.toFixed(0)} ms -> ${((B / med) * 1000).toFixed(1)} crystals/s (${forwardOnly ? 'forward' : 'train'})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
