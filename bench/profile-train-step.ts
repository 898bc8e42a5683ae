/**
 * Where the time of a training step goes, on real crystals (mp-cgcnn-25k), on the wasm backend with the fused SIMD
 * kernels (the product's path), default model, batch 128.
 *
 *   nice -n 5 npx jiti bench/profile-train-step.ts [--data DIR] [--limit 3000] [--steps 20] [--warmup 10] [--batch 128]
 *                                                  [--graphs CACHE.bin] [--kernels] [--no-profile]
 *
 * A seeded random sample of `--limit` crystals of the dataset is featurized once (cached to --graphs, default
 * /tmp/profile-train-step-sample-<limit>.bin), then `--warmup` + `--steps` training steps run over the batches of one
 * seeded epoch order (repeated when there are fewer batches; the warm-up lets V8 optimise the JS kernels). A step is what MemberTrainer.trainStep does (trainer.ts; mirrored here with the same model,
 * loss, optimizer and batch functions, so each part can be timed): batch assembly, forward + loss + backward in
 * tf.variableGrads, the per-task loss read-back, Adam, the BN running statistics, the total-loss read-back.
 *
 * Timing: every kernel registered for the wasm backend is wrapped with a timer (kernel registry), and the bench
 * marks the phase it is in. Forward kernels are attributed to embedding / convolutions / pooling + heads by their
 * order (the first Concat, of a convolution's [W_self | W_nbr], starts the convolutions; the pooling's
 * UnsortedSegmentSum ends them); backward kernels by kernel kind. "engine overhead" of a phase is its wall time
 * minus the time inside its kernels (op dispatch, the gradient tape, allocation and disposal of tensors).
 * --no-profile runs without the wrappers (for crystals/s only). --kernels also prints every (phase, kernel) row.
 *
 * Throughput is printed per wall-clock second and per CPU-second of this process (user + system, all its threads):
 * on a shared machine the second moves less with the other processes' load.
 *
 * At the end the sha256 of all parameters, BN running statistics and Adam moments is printed: an optimisation that
 * must not change results must leave it unchanged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, Tensor, Tensor1D, TensorInfo } from '@tensorflow/tfjs-core';
import { initBackend } from '../src-main/core/compute/backend';
import { readStructureFileSync } from '../src-main/core/io';
import { buildCrystalGraph } from '../src-main/core/graph/build-graph';
import { DEFAULT_GRAPH_SETTINGS, type CrystalGraph } from '../src-main/core/graph/crystal-graph';
import { decodeGraphs, encodeGraphs } from '../src-main/core/graph/graph-codec';
import { ElementFeatureTable } from '../src-main/core/element-features/element-features';
import { DEFAULT_MODEL_CONFIG, makeModelConfig } from '../src-main/core/model/config';
import { ParamStore } from '../src-main/core/model/params';
import { BatchBuilder, BondBasis, batchToTensors, disposeBatchTensors } from '../src-main/core/model/batch';
import { applyBnUpdates, forwardTrain, softSharingPenalty } from '../src-main/core/model/network';
import { batchTargets, defaultEdgeBudget, planBatches } from '../src-main/core/train/collate';
import { LossWeighter, maskCounts, maskedTaskLoss } from '../src-main/core/train/loss';
import { Adam } from '../src-main/core/train/optimizer';
import { TargetNormalizer } from '../src-main/core/metrics/normalizer';
import { createRng, shuffleInPlace } from '../src-main/core/seeded-random';
import { inferUnit } from '../src-shared/task-kind';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

// ------------------------------------------------------------------------------------------------------------------
// Kernel timers
// ------------------------------------------------------------------------------------------------------------------

type Phase = 'forward' | 'loss' | 'backward' | 'readback' | 'optimizer' | 'bn-stats' | 'assembly' | 'cleanup';
let phase: Phase = 'assembly';
/** Forward section, advanced by kernel order (see the header). */
let section: 'embedding' | 'conv' | 'pool+heads' = 'embedding';
let depth = 0;
/** ms inside kernels per `${phase}|${section or ''}|${kernel}` over the measured steps. */
const kernelMs = new Map<string, number>();
const kernelCalls = new Map<string, number>();
let measuring = false;
/** Sizes of the current batch, for matmul shapes written with dimension letters (docs/glossary.md). */
const dims = { N: -1, U: -1 };
const symbolic = (d: number): string => (d === dims.N ? 'N' : d === dims.U ? 'U' : String(d));
/** Kernels whose rows --kernels splits by operand shapes. */
const SHAPED = new Set(['BatchMatMul', '_FusedMatMul', 'Transpose', 'Sum', 'Mean']);
/** --kernels: rows of the SHAPED kernels keyed by their operand shapes. */
const showShapes = process.argv.includes('--kernels');

function wrapAllKernels(): void {
  for (const k of tf.getKernelsForBackend('wasm')) {
    const orig = k.kernelFunc;
    const name = k.kernelName;
    const wrapped: KernelConfig = {
      ...k,
      kernelFunc: (args) => {
        if (phase === 'forward') {
          if (name === 'Concat' && section === 'embedding') section = 'conv';
          else if (name === 'UnsortedSegmentSum' && section === 'conv') section = 'pool+heads';
        }
        depth++;
        const t0 = performance.now();
        try {
          return orig(args) as TensorInfo | TensorInfo[];
        } finally {
          const dt = performance.now() - t0;
          depth--;
          if (measuring && depth === 0) {
            const shapes = showShapes && SHAPED.has(name)
              ? ` ${Object.values(args.inputs).map((x) => `[${(x as TensorInfo).shape.map(symbolic).join(',')}]`).join('x')}` : '';
            const key = `${phase}|${phase === 'forward' ? section : ''}|${name}${shapes}`;
            kernelMs.set(key, (kernelMs.get(key) ?? 0) + dt);
            kernelCalls.set(key, (kernelCalls.get(key) ?? 0) + 1);
          }
        }
      },
    };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(wrapped);
  }
}

const MATMUL = new Set(['BatchMatMul', '_FusedMatMul']);
const FUSED = new Set(['CgcnnEdgeForward', 'CgcnnEdgeBackward']);
const GATHER = new Set(['GatherV2', 'UnsortedSegmentSum']);
const REDUCE = new Set(['Sum', 'Mean', 'Max', 'Min']);
/** Phases inside which kernels run (their engine overhead is reported). */
const TAPE_PHASES = ['forward', 'loss', 'backward', 'optimizer', 'bn-stats'];

/** Table row of a kernel time: what the reader asked about (matmuls, fused edge kernels, gathers, ...). */
function component(ph: string, sec: string, kernel: string): string {
  if (ph === 'forward') {
    if (sec === 'embedding') return kernel === 'GatherV2' ? 'forward: embedding gather' : 'forward: embedding projection (table x W)';
    if (sec === 'conv') {
      if (MATMUL.has(kernel)) return 'forward: conv matmuls (v [Ws|Wn], u Wb)';
      if (FUSED.has(kernel)) return 'forward: conv fused edge kernel';
      return 'forward: conv BN2 + residual + softplus, weight concat';
    }
    if (kernel === 'UnsortedSegmentSum') return 'forward: pooling (segment sum)';
    return 'forward: pooling scale, heads';
  }
  if (ph === 'backward') {
    if (MATMUL.has(kernel)) return 'backward: matmuls';
    if (kernel === 'Transpose') return 'backward: transposes';
    if (FUSED.has(kernel)) return 'backward: fused edge kernel';
    if (GATHER.has(kernel)) return 'backward: gathers / segment sums';
    if (REDUCE.has(kernel)) return 'backward: reductions';
    return 'backward: element-wise';
  }
  return `${ph}: kernels`;
}

// ------------------------------------------------------------------------------------------------------------------
// Data
// ------------------------------------------------------------------------------------------------------------------

function loadGraphs(dir: string, rows: string[][], cache: string): CrystalGraph[] {
  if (fs.existsSync(cache)) {
    const g = decodeGraphs(new Uint8Array(fs.readFileSync(cache)));
    if (g.length === rows.length) return g;
  }
  const t0 = performance.now();
  const graphs = rows.map((r) => buildCrystalGraph(r[0], readStructureFileSync(path.join(dir, `${r[0]}.cif`))[0].structure, DEFAULT_GRAPH_SETTINGS));
  fs.writeFileSync(cache, encodeGraphs(graphs));
  console.log(`featurized ${graphs.length} crystals in ${((performance.now() - t0) / 1000).toFixed(1)} s (cached to ${cache})`);
  return graphs;
}

function weightsHash(store: ParamStore, adam: Adam): string {
  const h = crypto.createHash('sha256');
  for (const r of store.toRecords()) h.update(r.name).update(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
  const st = adam.getState();
  h.update(String(st.step));
  for (const r of [...st.m, ...st.v]) h.update(r.name).update(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
  return h.digest('hex').slice(0, 16);
}

async function main(): Promise<void> {
  const dir = arg('data', path.join('..', 'shared', 'datasets', 'mp-cgcnn-25k'));
  const limit = Number(arg('limit', '3000'));
  const steps = Number(arg('steps', '20'));
  const warmup = Number(arg('warmup', '10'));
  const B = Number(arg('batch', '128'));
  const profile = !process.argv.includes('--no-profile');
  const info = await initBackend({ force: 'wasm', skipNative: true });
  if (profile) wrapAllKernels();

  const lines = fs.readFileSync(path.join(dir, 'id_prop.csv'), 'utf8').trim().split(/\r?\n/);
  const taskNames = lines[0].split(',').slice(1);
  // A seeded random sample, so that crystal sizes are those of the whole dataset (its first rows are small crystals).
  const pick = Int32Array.from({ length: lines.length - 1 }, (_, i) => i + 1);
  shuffleInPlace(pick, createRng(17));
  const rows = Array.from(pick.subarray(0, limit), (i) => lines[i].split(','));
  const graphs = loadGraphs(dir, rows, arg('graphs', path.join('/tmp', `profile-train-step-sample-${rows.length}.bin`)));
  const targets = taskNames.map((_, t) => Float64Array.from(rows, (r) => (r[t + 1] === '' ? NaN : Number(r[t + 1]))));
  const all = Int32Array.from(graphs.keys());
  const normTargets = targets.map((col) => {
    const nz = TargetNormalizer.fit(col, all);
    return Float64Array.from(col, (y) => nz.normalize(y));
  });
  const elements = ElementFeatureTable.loadFile(path.join(dir, 'atom_init.json'));
  const D = elements.dimension;
  const matrix = elements.matrix();
  const basis = BondBasis.fromSettings(DEFAULT_GRAPH_SETTINGS);
  const config = makeModelConfig({
    ...DEFAULT_MODEL_CONFIG, atomFeatureDim: D, bondFeatureDim: basis.dimension,
    tasks: taskNames.map((name) => ({ name, unit: inferUnit(name) })),
  });
  const T = config.tasks.length;
  const table = tf.tensor2d(matrix, [matrix.length / D, D]);
  const store = ParamStore.init(config, 0);
  const weighter = new LossWeighter({ kind: 'fixed' }, T);
  const adam = new Adam({ weightDecay: 0 });
  const variables = new Map([...store.trainable, ...weighter.trainableVariables()]);
  const builder = new BatchBuilder(basis, DEFAULT_GRAPH_SETTINGS.maxNeighbors);
  const order = Int32Array.from(all);
  shuffleInPlace(order, createRng(1));
  const batches = planBatches(graphs, order, { edgeBudget: defaultEdgeBudget('fused'), maxCrystals: B });
  const atoms = graphs.reduce((a, g) => a + g.numAtoms, 0) / graphs.length;
  console.log(`backend ${info.description}; ${graphs.length} crystals of ${path.basename(dir)} (${atoms.toFixed(1)} atoms on average); ` +
    `default model (F=${config.convDim}, ${config.numConv} convs, H=${config.hiddenDim}, ${T} tasks); batch ${B}; ${steps} steps after ${warmup} warm-up` +
    `${profile ? '; kernel timers on' : ''}`);

  const wall = new Map<string, number>();
  const addWall = (k: string, ms: number): void => {
    if (measuring) wall.set(k, (wall.get(k) ?? 0) + ms);
  };
  let crystals = 0;
  let stepMs = 0;
  let cpuMs = 0;
  const stepTimes: number[] = [];
  for (let s = 0; s < steps + warmup; s++) {
    measuring = s >= warmup;
    const idx = batches[s % batches.length];
    const ts = performance.now();
    const cpu0 = process.cpuUsage();
    // ---- batch assembly (trainStep: builder.build, batchToTensors, targets and masks)
    phase = 'assembly';
    let t = performance.now();
    const gb = builder.build(Array.from(idx, (i) => graphs[i]));
    addWall('assembly: BatchBuilder.build', performance.now() - t);
    Object.assign(dims, { N: gb.numAtoms, U: gb.numBonds });
    t = performance.now();
    const bt = batchToTensors(gb);
    const tg = batchTargets(idx, normTargets);
    const mc = maskCounts(tg.mask, T);
    const target = tf.tensor2d(tg.values, [idx.length, T]);
    const mask = tf.tensor2d(tg.mask, [idx.length, T]);
    const invCounts = tf.tensor1d(mc.inv);
    const present = tf.tensor1d(mc.present);
    addWall('assembly: batchToTensors + targets', performance.now() - t);
    // ---- forward, loss, backward
    let perTask: Tensor1D | undefined;
    let stats: ReturnType<typeof forwardTrain>['stats'] = [];
    let tFwd = 0;
    let tLoss = 0;
    const tGrad = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      phase = 'forward';
      section = 'embedding';
      let t1 = performance.now();
      const fwd = forwardTrain(config, store, table, bt, true, weighter.needsSharedRepresentation);
      tFwd = performance.now() - t1;
      stats = fwd.stats;
      phase = 'loss';
      t1 = performance.now();
      perTask = tf.keep(maskedTaskLoss('mse', fwd.pred, target, mask, invCounts, undefined));
      const total = tf.add(weighter.total(perTask, present), softSharingPenalty(config, store)) as tf.Scalar;
      tLoss = performance.now() - t1;
      phase = 'backward';
      return total;
    }, [...variables.values()]);
    const tBack = performance.now() - tGrad - tFwd - tLoss;
    addWall('forward', tFwd);
    addWall('loss', tLoss);
    addWall('backward', tBack);
    // ---- read-backs, optimizer, BN statistics (trainStep's order)
    phase = 'readback';
    t = performance.now();
    const named: Record<string, Tensor> = {};
    for (const [name, v] of variables) named[name] = grads[v.name];
    const taskLoss = Array.from(perTask!.dataSync());
    addWall('readback: per-task loss dataSync', performance.now() - t);
    phase = 'optimizer';
    t = performance.now();
    adam.apply(variables, named, 1e-3, (name) => name.startsWith('loss.'), () => 1);
    addWall('optimizer', performance.now() - t);
    phase = 'bn-stats';
    t = performance.now();
    applyBnUpdates(store, stats, config.bnMomentum);
    weighter.afterStep(taskLoss, undefined, mc.present);
    addWall('bn-stats', performance.now() - t);
    phase = 'readback';
    t = performance.now();
    const total = value.dataSync()[0];
    if (!Number.isFinite(total)) throw new Error(`loss ${total} at step ${s}`);
    addWall('readback: total loss dataSync', performance.now() - t);
    phase = 'cleanup';
    t = performance.now();
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    perTask!.dispose();
    disposeBatchTensors(bt);
    for (const x of [target, mask, invCounts, present]) x.dispose();
    addWall('cleanup: dispose', performance.now() - t);
    const dt = performance.now() - ts;
    if (measuring) {
      const cpu = process.cpuUsage(cpu0);
      cpuMs += (cpu.user + cpu.system) / 1000;
      stepMs += dt;
      crystals += idx.length;
      stepTimes.push(dt);
    }
  }
  measuring = false;

  // ---- table: rows grouped by phase, in the order of a step
  const rowsOut = new Map<string, number>();
  const add = (k: string, ms: number): void => {
    rowsOut.set(k, (rowsOut.get(k) ?? 0) + ms);
  };
  for (const [k, ms] of wall) if (k.includes(':')) add(k, ms);
  const kernelInPhase = new Map<string, number>();
  for (const [key, ms] of kernelMs) {
    const [ph, sec, kernelAndShapes] = key.split('|');
    const kernel = kernelAndShapes.split(' ')[0];
    kernelInPhase.set(ph, (kernelInPhase.get(ph) ?? 0) + ms);
    if (TAPE_PHASES.includes(ph)) add(component(ph, sec, kernel), ms);
  }
  for (const ph of TAPE_PHASES) {
    const w = wall.get(ph) ?? 0;
    if (profile) add(`${ph}: engine overhead (dispatch, tape, alloc/dispose)`, w - (kernelInPhase.get(ph) ?? 0));
    else add(`${ph}: all`, w);
  }
  const accounted = [...rowsOut.values()].reduce((a, b) => a + b, 0);
  add('other: loop, timers', stepMs - accounted);
  const n = stepTimes.length;
  const cell = (ms: number): string => `${(ms / n).toFixed(1)} | ${((100 * ms) / stepMs).toFixed(1)}`;
  console.log(`\n| component | ms/step | % of step |\n|---|---:|---:|`);
  for (const ph of ['assembly', ...TAPE_PHASES.slice(0, 3), 'readback', ...TAPE_PHASES.slice(3), 'cleanup', 'other']) {
    const mine = [...rowsOut].filter(([k]) => k.startsWith(`${ph}:`)).sort((a, b) => b[1] - a[1]);
    const sum = mine.reduce((a, [, ms]) => a + ms, 0);
    if (mine.length > 1) console.log(`| **${ph}** | **${(sum / n).toFixed(1)}** | **${((100 * sum) / stepMs).toFixed(1)}** |`);
    for (const [k, ms] of mine) console.log(`| ${mine.length > 1 ? '&nbsp;&nbsp;' : ''}${k} | ${cell(ms)} |`);
  }
  console.log(`| **step** | **${(stepMs / n).toFixed(1)}** | 100 |`);
  if (process.argv.includes('--kernels')) {
    console.log('\nphase | section | kernel | ms/step | calls/step');
    for (const [key, ms] of [...kernelMs].sort((a, b) => b[1] - a[1])) {
      console.log(`${key.replace(/\|/g, ' | ')} | ${(ms / n).toFixed(2)} | ${(kernelCalls.get(key)! / n).toFixed(0)}`);
    }
  }
  stepTimes.sort((a, b) => a - b);
  console.log(`\n${crystals} crystals in ${n} steps: ${((crystals / stepMs) * 1000).toFixed(0)} crystals/s (mean step ${(stepMs / n).toFixed(0)} ms, ` +
    `median ${stepTimes[n >> 1].toFixed(0)} ms); ${((crystals / cpuMs) * 1000).toFixed(0)} crystals per CPU-second of this process ` +
    `(less sensitive to other processes' load); tensors alive ${tf.memory().numTensors}`);
  console.log(`weights hash after ${steps + warmup} steps: ${weightsHash(store, adam)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
