/**
 * trainModel: seeded, resumable training of (MT-)CGCNN models.
 *
 * - Split: seeded shuffle then contiguous train/val/test (metrics/split.ts), or explicit indices.
 * - Targets normalised per task with a TargetNormalizer fitted on the TRAINING split only.
 * - Each epoch visits the training crystals in an order shuffled by createRng(mix(seed, epoch)), so the
 *   shuffle needs no RNG state: a resumed run repeats exactly the order of an uninterrupted one.
 * - Batches by an edge budget (collate.ts); Adam(W); LR schedule as a pure function of (epoch, step).
 * - After each epoch: validation average MAE in original units (the reference's model-selection score),
 *   best parameters kept, optional early stopping, and an atomic checkpoint holding everything needed for a
 *   bit-identical continuation (params incl. BN running stats, Adam moments and step, loss-weighting state,
 *   history, best params, early-stopping counters).
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { currentBackend, initBackend } from '../compute/backend';
import { createRng, shuffleInPlace, splitIndices } from '../metrics/split';
import { TargetNormalizer, type TargetNormalizerJson } from '../metrics/normalizer';
import { chooseDecisionThresholds, evaluatePredictions, type MetricsJson } from '../metrics/summary';
import { DEFAULT_MODEL_CONFIG, type ModelConfig, makeModelConfig, resolveTask } from '../model/config';
import { IDENTITY_NORMALIZER, taskOutput } from '../model/task-output';
import { checkTransferCompatible, isConvParam, isTrunkParam, transferRecords, transferredNormalizers } from './transfer';
import { ParamStore, type TensorRecord } from '../model/params';
import { BatchBuilder, BondBasis, batchToTensors, checkElementsCovered, disposeBatchTensors } from '../model/batch';
import { FoldedNetwork, applyBnUpdates, forwardTrain, headForward, softSharingPenalty } from '../model/network';
import { predictNormalized, resolvePath } from '../model/inference';
import { batchTargets, defaultEdgeBudget, planBatches } from './collate';
import { LossWeighter, type LossWeightingState, REGRESSION_LOSSES, maskCounts, maskedTaskLoss } from './loss';
import { Adam } from './optimizer';
import { learningRateAt } from './schedule';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import type {
  EpochRecord, ResolvedTrainOptions, TrainCallbacks, TrainOptions, TrainProgress, TrainResult, TrainedMember,
  TrainingData,
} from './types';

export class TrainingCancelledError extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'AbortError';
  }
}

const CHECKPOINT_FORMAT = 1;

interface CheckpointMeta {
  format: number;
  fingerprint: string;
  member: number;
  seed: number;
  /** Epochs completed. */
  epochsDone: number;
  history: EpochRecord[];
  bestScore: number | null;
  bestEpoch: number;
  sinceBest: number;
  done: boolean;
  stoppedEarly: boolean;
  adamStep: number;
  lossWeighting: LossWeightingState;
  /** The per-epoch shuffle is createRng(epochSeed(seed, epoch)); no generator state to store. */
  rng: { scheme: 'per-epoch'; seed: number };
}

/** Seed of the shuffle for `epoch` (mixes seed and epoch into a 32-bit value). */
export function epochSeed(seed: number, epoch: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 12)) >>> 0;
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export function resolveTrainOptions(o: TrainOptions, fused: boolean): ResolvedTrainOptions {
  const epochs = o.epochs ?? 30;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError('epochs must be an integer >= 1');
  const lr = o.learningRate ?? 0.003;
  if (!(lr > 0)) throw new RangeError('learningRate must be > 0');
  const batchSize = o.batchSize ?? 128;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be an integer >= 1');
  const members = o.members ?? 1;
  if (!Number.isInteger(members) || members < 1) throw new RangeError('members must be an integer >= 1');
  const patience = o.patience ?? null;
  if (patience !== null && !(Number.isInteger(patience) && patience >= 1)) throw new RangeError('patience must be >= 1');
  const loss = o.loss ?? 'mse';
  if (!REGRESSION_LOSSES.includes(loss)) throw new RangeError(`loss must be one of ${REGRESSION_LOSSES.join(', ')}, got ${String(loss)}`);
  if (o.warmupEpochs !== undefined && !(o.warmupEpochs >= 0 && o.warmupEpochs < epochs)) {
    throw new RangeError(`warmupEpochs must be >= 0 and below the number of epochs (${epochs})`);
  }
  let lrSchedule = o.lrSchedule ?? { kind: 'cosine', warmupEpochs: 1, minFactor: 0.01 };
  if (o.warmupEpochs !== undefined) {
    if (lrSchedule.kind !== 'cosine') throw new RangeError('warmupEpochs needs the cosine learning-rate schedule');
    lrSchedule = { ...lrSchedule, warmupEpochs: o.warmupEpochs };
  }
  const factor = o.transfer?.trunkLrFactor ?? 1;
  if (!(factor > 0 && factor <= 1)) throw new RangeError(`trunkLrFactor must be in (0, 1], got ${factor}`);
  return {
    epochs,
    learningRate: lr,
    weightDecay: o.weightDecay ?? 0,
    lrSchedule,
    batchSize,
    edgeBudget: o.edgeBudget ?? defaultEdgeBudget(fused ? 'fused' : 'reference'),
    patience,
    seed: o.seed ?? 0,
    members,
    lossWeighting: o.lossWeighting ?? { kind: 'fixed' },
    loss,
    transfer: o.transfer ? { from: o.transfer.source.name, freezeConvs: o.transfer.freezeConvs ?? false, trunkLrFactor: factor } : null,
  };
}

/**
 * What identifies a run for its checkpoint. Settings added after checkpoints existed (loss, transfer, task metadata)
 * enter only when they differ from what earlier runs did, so a checkpoint of an older run still resumes.
 */
function runFingerprint(config: ModelConfig, opts: ResolvedTrainOptions, n: number, path: string, split: { train: Int32Array; val: Int32Array }): string {
  const { loss, transfer, ...rest } = opts;
  const tasks = config.tasks.map((t) => ({
    name: t.name, unit: t.unit,
    ...(t.kind === 'classification' ? { kind: t.kind, derivedFrom: t.derivedFrom } : {}),
  }));
  return fnv1a(
    JSON.stringify({
      config: { ...config, tasks }, opts: { ...rest, members: undefined, ...(loss !== 'mse' ? { loss } : {}), ...(transfer ? { transfer } : {}) },
      n, path, split: [Array.from(split.train), Array.from(split.val)],
    }),
  );
}

function validateData(data: TrainingData): void {
  const n = data.graphs.length;
  if (n === 0) throw new RangeError('no crystals to train on');
  if (data.targets.length !== data.tasks.length) {
    throw new RangeError(`${data.targets.length} target columns for ${data.tasks.length} tasks`);
  }
  data.targets.forEach((col, t) => {
    if (col.length !== n) throw new RangeError(`task ${data.tasks[t].name}: ${col.length} targets for ${n} crystals`);
  });
  const M = data.graphSettings.maxNeighbors;
  for (const g of data.graphs) {
    if (g.maxNeighbors !== M) throw new RangeError(`graph ${g.id}: ${g.maxNeighbors} neighbours, settings say ${M}`);
  }
}

/**
 * Per task, the mean absolute error of the predictions in the task's terms (original units; for a classification
 * task, of the probability against the 0/1 label): the validation score the best epoch is chosen by.
 */
function maeOriginal(pred: Float32Array, idx: ArrayLike<number>, targets: readonly ArrayLike<number>[], outputs: readonly ((z: number) => number)[]): (number | null)[] {
  const T = targets.length;
  return targets.map((col, t) => {
    let s = 0;
    let c = 0;
    for (let k = 0; k < idx.length; k++) {
      const y = col[idx[k]];
      if (!Number.isFinite(y)) continue;
      s += Math.abs(outputs[t](pred[k * T + t]) - y);
      c++;
    }
    return c > 0 ? s / c : null;
  });
}

function avgOrNull(xs: (number | null)[]): number | null {
  const f = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : null;
}

function byTask<T>(names: readonly string[], vals: readonly T[]): Record<string, T> {
  const o: Record<string, T> = {};
  names.forEach((n, i) => {
    o[n] = vals[i];
  });
  return o;
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function trainModel(options: TrainOptions, data: TrainingData, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const backend = currentBackend() ?? (await initBackend());
  validateData(data);
  const path = resolvePath(options.path);
  const fused = path === 'fused';
  const opts = resolveTrainOptions(options, fused);
  const log = callbacks.onLog ?? (() => undefined);
  const n = data.graphs.length;
  const T = data.tasks.length;
  const taskNames = data.tasks.map((t) => t.name);

  // Split and normalisation (training split only).
  let split: TrainResult['split'];
  const sp = options.split ?? { seed: opts.seed };
  if ('train' in sp) {
    split = { train: Int32Array.from(sp.train), val: Int32Array.from(sp.val), test: Int32Array.from(sp.test), seed: null };
  } else {
    const s = splitIndices(n, sp);
    split = { ...s, seed: sp.seed };
  }
  for (const part of [split.train, split.val, split.test]) {
    for (const i of part) if (!(i >= 0 && i < n)) throw new RangeError(`split index ${i} out of range`);
  }
  if (split.train.length === 0) throw new RangeError('the training split is empty');
  const resolvedTasks = data.tasks.map((t) => resolveTask(t));
  const transfer = options.transfer;
  const carried = transfer ? transferredNormalizers(transfer.source, resolvedTasks) : [];
  const normalizers = data.targets.map((col, t) => {
    if (resolvedTasks[t].kind === 'classification') return TargetNormalizer.fromJSON(IDENTITY_NORMALIZER);
    const c = carried[t];
    return c ? TargetNormalizer.fromJSON(c) : TargetNormalizer.fit(col, split.train);
  });
  resolvedTasks.forEach((task, t) => {
    if (task.kind !== 'classification') return;
    for (const i of split.train) {
      const y = data.targets[t][i];
      if (!Number.isNaN(y) && y !== 0 && y !== 1) throw new RangeError(`classification task ${task.name}: label ${y} of crystal ${data.graphs[i].id} is not 0 or 1`);
    }
  });
  const outputs = resolvedTasks.map((task, t) => taskOutput(task, normalizers[t].toJSON()));
  const normTargets = data.targets.map((col, t) => Float64Array.from(col, (y) => normalizers[t].normalize(y)));

  const basis = BondBasis.fromSettings(data.graphSettings);
  const D = data.elementTable.dimension;
  const matrix = data.elementTable.matrix();
  const rows = matrix.length / D;
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError('element table matrix size is not a multiple of its dimension');
  checkElementsCovered(data.graphs, matrix, D);

  const config: ModelConfig = makeModelConfig({
    ...DEFAULT_MODEL_CONFIG,
    ...(options.model ?? {}),
    atomFeatureDim: D,
    bondFeatureDim: basis.dimension,
    tasks: resolvedTasks,
  });
  if (transfer) checkTransferCompatible(transfer.source, data.graphSettings, matrix, D, config);
  const classFlags = resolvedTasks.some((t) => t.kind === 'classification')
    ? Float32Array.from(resolvedTasks, (t) => (t.kind === 'classification' ? 1 : 0))
    : undefined;
  const table = tf.tensor2d(matrix, [rows, D]);
  const fingerprint = runFingerprint(config, opts, n, path, split);
  log(`training ${T} task(s) on ${split.train.length} crystals (val ${split.val.length}, test ${split.test.length}); ` +
    `backend ${backend.description}; path ${path}; edge budget ${opts.edgeBudget}`);

  const members: TrainedMember[] = [];
  let stepsDoneTotal = 0;
  const stepsEstimate = { perEpoch: 0 };
  try {
    for (let k = 0; k < opts.members; k++) members.push(await trainMember(k));
  } catch (e) {
    table.dispose();
    throw e;
  }

  async function trainMember(k: number): Promise<TrainedMember> {
    const seed = opts.seed + 1000 * k;
    const ckptFile = options.checkpointPath ? (opts.members > 1 ? `${options.checkpointPath}.m${k}` : options.checkpointPath) : undefined;
    const store = ParamStore.init(config, seed);
    if (transfer) store.assignRecords(transferRecords(transfer.source, config, k));
    const weighter = new LossWeighter(opts.lossWeighting, T);
    const adam = new Adam({ weightDecay: opts.weightDecay });
    let history: EpochRecord[] = [];
    let bestScore: number | null = null;
    let bestEpoch = -1;
    let bestRecords: TensorRecord[] | null = null;
    let sinceBest = 0;
    let startEpoch = 0;
    let done = false;
    let stoppedEarly = false;
    try {
      if (ckptFile && (options.resume ?? true) && fs.existsSync(ckptFile)) {
        const ck = loadCheckpoint<CheckpointMeta>(ckptFile);
        const meta = ck.meta;
        if (meta.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint ${ckptFile} has format ${meta.format}, expected ${CHECKPOINT_FORMAT}`);
        if (meta.fingerprint !== fingerprint) {
          throw new Error(`checkpoint ${ckptFile} belongs to a run with different data, split or settings; delete it or choose another checkpoint path`);
        }
        store.assignRecords(ck.groups.params);
        adam.setState({ step: meta.adamStep, m: ck.groups.adam_m ?? [], v: ck.groups.adam_v ?? [] });
        weighter.setState(meta.lossWeighting);
        history = meta.history;
        bestScore = meta.bestScore;
        bestEpoch = meta.bestEpoch;
        bestRecords = ck.groups.best && ck.groups.best.length ? ck.groups.best : null;
        sinceBest = meta.sinceBest;
        startEpoch = meta.epochsDone;
        done = meta.done;
        stoppedEarly = meta.stoppedEarly;
        log(`member ${k}: resumed from ${ckptFile} after epoch ${startEpoch}`);
      }
      const frozen = (name: string): boolean => (opts.transfer?.freezeConvs ?? false) && isConvParam(name);
      const variables = new Map<string, Variable>([
        ...[...store.trainable].filter(([name]) => !frozen(name)), ...weighter.trainableVariables(),
      ]);
      const trunkFactor = opts.transfer?.trunkLrFactor ?? 1;
      const lrFactor = (name: string): number => (trunkFactor !== 1 && isTrunkParam(name) && !name.startsWith('loss.') ? trunkFactor : 1);
      const varList = [...variables.values()];
      const builder = new BatchBuilder(basis, data.graphSettings.maxNeighbors);
      const gradnorm = weighter.kind === 'gradnorm';
      let epochsThisCall = 0;

      for (let epoch = startEpoch; epoch < opts.epochs && !done; epoch++) {
        const te = performance.now();
        const order = Int32Array.from(split.train);
        shuffleInPlace(order, createRng(epochSeed(seed, epoch)));
        const batches = planBatches(data.graphs, order, { edgeBudget: opts.edgeBudget, maxCrystals: opts.batchSize });
        stepsEstimate.perEpoch = batches.length;
        const lossSum = new Float64Array(T);
        const lossCount = new Float64Array(T);
        let totalSum = 0;
        let crystals = 0;
        let lr = opts.learningRate;
        for (let s = 0; s < batches.length; s++) {
          if (options.signal?.aborted) throw new TrainingCancelledError();
          const idx = batches[s];
          lr = learningRateAt(opts.learningRate, opts.lrSchedule, epoch, s, batches.length, opts.epochs);
          const graphs = Array.from(idx, (i) => data.graphs[i]);
          const bt = batchToTensors(builder.build(graphs));
          const tg = batchTargets(idx, normTargets);
          const mc = maskCounts(tg.mask, T);
          const B = idx.length;
          const target = tf.tensor2d(tg.values, [B, T]);
          const mask = tf.tensor2d(tg.mask, [B, T]);
          const invCounts = tf.tensor1d(mc.inv);
          const present = tf.tensor1d(mc.present);
          const isClass = classFlags ? tf.tensor1d(classFlags) : undefined;
          let perTask: Tensor1D | undefined;
          let fwdStats: ReturnType<typeof forwardTrain>['stats'] = [];
          let shared: Tensor2D[] | undefined;
          try {
            const { value, grads } = tf.variableGrads(() => {
              const fwd = forwardTrain(config, store, table, bt, fused, gradnorm);
              fwdStats = fwd.stats;
              shared = fwd.shared;
              perTask = tf.keep(maskedTaskLoss(opts.loss, fwd.pred, target, mask, invCounts, isClass));
              const penalty = softSharingPenalty(config, store);
              return tf.add(weighter.total(perTask, present), penalty) as tf.Scalar;
            }, varList);
            const named: Record<string, Tensor> = {};
            for (const [name, v] of variables) named[name] = grads[v.name];
            const taskLoss = Array.from(perTask!.dataSync());
            // GradNorm: ||dL_t/dh|| through each task head (before the parameter update).
            let gradNorms: number[] | undefined;
            if (gradnorm && shared) {
              gradNorms = taskNames.map((_, t) =>
                mc.present[t] > 0
                  ? tf.tidy(() => {
                      const tcol = tf.slice(target, [0, t], [B, 1]);
                      const mcol = tf.slice(mask, [0, t], [B, 1]);
                      const g = tf.grad((h: Tensor) => {
                        const p = headForward(config, store, h as Tensor2D, t);
                        return tf.mul(tf.sum(tf.mul(tf.square(tf.sub(p, tcol)), mcol)), mc.inv[t]);
                      })(shared![t]);
                      return tf.sqrt(tf.sum(tf.square(g))).dataSync()[0];
                    })
                  : 0,
              );
            }
            adam.apply(variables, named, lr, (name) => name.startsWith('loss.'), lrFactor);
            applyBnUpdates(store, fwdStats, config.bnMomentum);
            fwdStats = [];
            if (gradNorms) weighter.gradNormUpdate(taskLoss, gradNorms, mc.present);
            const total = value.dataSync()[0];
            if (!Number.isFinite(total)) {
              throw new Error(
                `training diverged: the loss is ${total} at epoch ${epoch + 1}, step ${s + 1} (member ${k}); ` +
                  'try a lower learning rate or check the targets for extreme values',
              );
            }
            totalSum += total * B;
            value.dispose();
            for (const g of Object.values(grads)) g.dispose();
            for (let t = 0; t < T; t++) {
              if (mc.counts[t] > 0) {
                lossSum[t] += taskLoss[t] * mc.counts[t];
                lossCount[t] += mc.counts[t];
              }
            }
          } finally {
            for (const st of fwdStats) {
              st.mean.dispose();
              st.variance.dispose();
            }
            if (shared) new Set(shared.filter(Boolean)).forEach((h) => h.dispose());
            perTask?.dispose();
            disposeBatchTensors(bt);
            target.dispose();
            mask.dispose();
            invCounts.dispose();
            present.dispose();
            isClass?.dispose();
          }
          crystals += B;
          stepsDoneTotal++;
          const elapsed = (performance.now() - t0) / 1000;
          const remainingSteps =
            (batches.length - s - 1) + (opts.epochs - epoch - 1) * batches.length + (opts.members - k - 1) * opts.epochs * batches.length;
          const p: TrainProgress = {
            member: k, members: opts.members, epoch: epoch + 1, epochs: opts.epochs, step: s + 1, stepsPerEpoch: batches.length,
            phase: 'train',
            perTaskTrainLoss: byTask(taskNames, Array.from(lossSum, (x, t) => (lossCount[t] > 0 ? x / lossCount[t] : NaN))),
            elapsedSeconds: elapsed,
            etaSeconds: (elapsed / stepsDoneTotal) * remainingSteps,
            weights: byTask(taskNames, weighter.currentWeights()),
            learningRate: lr,
            crystalsPerSecond: crystals / ((performance.now() - te) / 1000),
            bestValAverageMae: bestScore,
          };
          callbacks.onProgress?.(p);
          await yieldToLoop();
        }
        // Validation.
        let valMae: (number | null)[] = new Array<number | null>(T).fill(null);
        if (split.val.length > 0) {
          const folded = FoldedNetwork.fromStore(config, store, table);
          try {
            const pred = predictNormalized(folded, data.graphs, split.val, basis, { path });
            valMae = maeOriginal(pred, split.val, data.targets, outputs);
          } finally {
            folded.dispose();
          }
        }
        const valAvg = avgOrNull(valMae);
        const trainLoss = Array.from(lossSum, (x, t) => (lossCount[t] > 0 ? x / lossCount[t] : NaN));
        const trainTotal = totalSum / Math.max(crystals, 1);
        const rec: EpochRecord = {
          member: k, epoch: epoch + 1, lr, trainLoss, trainTotal, valMae, valAverageMae: valAvg,
          weights: weighter.currentWeights(), seconds: (performance.now() - te) / 1000,
        };
        history.push(rec);
        const score = split.val.length > 0 ? valAvg : trainTotal;
        if (score !== null && Number.isFinite(score) && (bestScore === null || score < bestScore)) {
          bestScore = score;
          bestEpoch = epoch + 1;
          bestRecords = store.toRecords();
          sinceBest = 0;
        } else sinceBest++;
        if (opts.patience !== null && sinceBest >= opts.patience) {
          stoppedEarly = true;
          done = true;
          log(`member ${k}: early stop after epoch ${epoch + 1} (best ${bestEpoch})`);
        }
        if (epoch + 1 >= opts.epochs) done = true;
        if (ckptFile) {
          const ad = adam.getState();
          saveCheckpoint<CheckpointMeta>(ckptFile, {
            meta: {
              format: CHECKPOINT_FORMAT, fingerprint, member: k, seed, epochsDone: epoch + 1, history, bestScore, bestEpoch,
              sinceBest, done, stoppedEarly, adamStep: ad.step, lossWeighting: weighter.getState(),
              rng: { scheme: 'per-epoch', seed },
            },
            groups: { params: store.toRecords(), adam_m: ad.m, adam_v: ad.v, best: bestRecords ?? [] },
          });
        }
        callbacks.onEpoch?.(rec);
        const elapsed = (performance.now() - t0) / 1000;
        callbacks.onProgress?.({
          member: k, members: opts.members, epoch: epoch + 1, epochs: opts.epochs, step: batches.length,
          stepsPerEpoch: batches.length, phase: 'epoch-end', perTaskTrainLoss: byTask(taskNames, trainLoss),
          valMae: byTask(taskNames, valMae), valAverageMae: valAvg, bestValAverageMae: bestScore,
          elapsedSeconds: elapsed,
          etaSeconds: stepsDoneTotal > 0
            ? (elapsed / stepsDoneTotal) * ((opts.epochs - epoch - 1) * batches.length + (opts.members - k - 1) * opts.epochs * batches.length)
            : 0,
          weights: byTask(taskNames, rec.weights), learningRate: lr, crystalsPerSecond: crystals / rec.seconds,
        });
        log(`member ${k} epoch ${epoch + 1}/${opts.epochs}: train ${trainTotal.toFixed(4)}, val MAE ${valAvg === null ? '-' : valAvg.toFixed(4)}` +
          ` (${rec.seconds.toFixed(1)} s)`);
        epochsThisCall++;
        if (options.stopAfterEpochs !== undefined && epochsThisCall >= options.stopAfterEpochs && !done) {
          throw new TrainingCancelledError();
        }
      }
      return {
        seed,
        params: bestRecords ?? store.toRecords(),
        bestEpoch: bestRecords ? bestEpoch : history.length,
        bestValAverageMae: split.val.length > 0 ? bestScore : null,
        epochsRun: history.length,
        stoppedEarly,
        history,
        lossWeighting: weighter.getState(),
      };
    } finally {
      store.dispose();
      weighter.dispose();
      adam.dispose();
    }
  }

  // Evaluation of the best parameters (ensemble mean) on validation and test.
  const evalSplit = (idx: Int32Array, thresholds: Record<string, number>): { metrics: MetricsJson | null; preds: Float64Array[]; yTrue: Float64Array[] } => {
    if (idx.length === 0) return { metrics: null, preds: data.tasks.map(() => new Float64Array(0)), yTrue: [] };
    const sum = data.tasks.map(() => new Float64Array(idx.length));
    for (const m of members) {
      const store = ParamStore.fromRecords(config, m.params);
      const folded = FoldedNetwork.fromStore(config, store, table);
      try {
        const p = predictNormalized(folded, data.graphs, idx, basis, { path });
        for (let k = 0; k < idx.length; k++) for (let t = 0; t < T; t++) sum[t][k] += outputs[t](p[k * T + t]);
      } finally {
        folded.dispose();
        store.dispose();
      }
    }
    const preds = sum.map((col) => col.map((x) => x / members.length));
    const yTrue = data.targets.map((col) => Float64Array.from(idx, (i) => col[i]));
    return { metrics: evaluatePredictions(config.tasks, yTrue, preds, { decisionThresholds: thresholds }), preds, yTrue };
  };
  let test: ReturnType<typeof evalSplit>;
  let val: ReturnType<typeof evalSplit>;
  let decisionThresholds: Record<string, number> = {};
  try {
    // Validation first with the default cuts, then the decision thresholds chosen on it, then the test split at them.
    const val0 = evalSplit(split.val, {});
    if (split.val.length > 0) decisionThresholds = chooseDecisionThresholds(config.tasks, val0.yTrue, val0.preds);
    val = split.val.length > 0 ? { ...val0, metrics: evaluatePredictions(config.tasks, val0.yTrue, val0.preds, { decisionThresholds }) } : val0;
    test = evalSplit(split.test, decisionThresholds);
  } finally {
    table.dispose();
  }
  const finishedAt = new Date();
  const normJson: TargetNormalizerJson[] = normalizers.map((nz) => ({ mean: nz.mean, std: nz.std }));
  return {
    config,
    normalizers: normJson,
    split,
    members,
    testMetrics: test.metrics,
    decisionThresholds,
    testPredictions: test.preds,
    validationMetrics: val.metrics,
    backend,
    path,
    durationSeconds: (performance.now() - t0) / 1000,
    trainOptions: opts,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
}
