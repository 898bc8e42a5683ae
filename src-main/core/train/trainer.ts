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
 *
 * Shape: prepareRun (split, normalisers, config, fingerprint; once per call), then per ensemble member a
 * MemberTrainer whose steps are restore -> per epoch [trainEpoch (trainStep per batch) -> validate -> endEpoch ->
 * saveCheckpoint] -> result, then evaluateEnsemble on validation and test. Task weighting (incl. GradNorm's
 * gradient norms) is LossWeighter's (loss.ts); the ETA is TrainingClock's.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { type BackendInfo, currentBackend, initBackend } from '../compute/backend';
import { splitIndices } from '../metrics/split';
import { createRng, shuffleInPlace } from '../seeded-random';
import { TargetNormalizer, type TargetNormalizerJson } from '../metrics/normalizer';
import { chooseDecisionThresholds, evaluatePredictions, type MetricsJson } from '../metrics/summary';
import { DEFAULT_MODEL_CONFIG, type ModelConfig, makeModelConfig, resolveTask } from '../model/config';
import { IDENTITY_NORMALIZER, taskOutput } from '../model/task-output';
import { type TransferOptions, checkTransferCompatible, isConvParam, isTrunkParam, transferRecords, transferredNormalizers } from './transfer';
import { ParamStore, type TensorRecord } from '../model/params';
import { BatchBuilder, BondBasis, batchToTensors, checkElementsCovered } from '../model/batch';
import { FoldedNetwork, applyBnUpdates, forwardTrain, headForward, softSharingPenalty } from '../model/network';
import { predictNormalized, resolvePath } from '../model/inference';
import { batchTargets, defaultEdgeBudget, planBatches } from './collate';
import { LossWeighter, type LossWeightingState, REGRESSION_LOSSES, maskCounts, maskedTaskLoss } from './loss';
import { Adam } from './optimizer';
import { type LrSchedule, learningRateAt } from './schedule';
import {
  DEFAULT_LR_SCHEDULE, PATIENCE_LIMITS, RECIPE_DEFAULTS, RECIPE_LIMITS, type SettingLimit, TRAIN_DEFAULTS, TRAIN_LIMITS, WORKER_LIMITS,
  limitViolation,
} from '../../../src-shared/training-settings';
import { checkpointFiles, loadCheckpointWithFallback, saveCheckpoint } from './checkpoint';
import { GRADIENT_WORKER_NAME, GradientWorkers, paramSlots, threadPlan } from './data-parallel';
import { TRAIN_WORKER_NAME, runTrainingInWorker } from './worker-client';
import { type SliceModel, combineBnStats, disposeStepTensors, sliceGradients, splitBatch } from './slice-gradients';
import { workerScriptPath } from '../parallel/worker-pool';
import { paramSpecs } from '../model/params';
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

/** Checks a numeric option against its range in settings.ts (RangeError naming the option). */
function checked(what: string, value: number, limit: SettingLimit): number {
  const why = limitViolation(value, what, limit);
  if (why) throw new RangeError(why);
  return value;
}

/** Options with every default filled in from settings.ts, each checked against its range there. */
export function resolveTrainOptions(o: TrainOptions, fused: boolean): ResolvedTrainOptions {
  const d = TRAIN_DEFAULTS;
  const patience = o.patience ?? d.patience;
  const epochs = checked('epochs', o.epochs ?? d.epochs, TRAIN_LIMITS.epochs);
  const loss = o.loss ?? RECIPE_DEFAULTS.loss;
  if (!REGRESSION_LOSSES.includes(loss)) throw new RangeError(`loss must be one of ${REGRESSION_LOSSES.join(', ')}, got ${String(loss)}`);
  let lrSchedule: LrSchedule = o.lrSchedule ?? { ...DEFAULT_LR_SCHEDULE };
  if (o.warmupEpochs !== undefined) {
    checked('warmupEpochs', o.warmupEpochs, RECIPE_LIMITS.warmupEpochs);
    if (o.warmupEpochs >= epochs) throw new RangeError(`warmupEpochs (${o.warmupEpochs}) must be below the number of epochs (${epochs})`);
    if (lrSchedule.kind !== 'cosine') throw new RangeError('warmupEpochs needs the cosine learning-rate schedule');
    lrSchedule = { ...lrSchedule, warmupEpochs: o.warmupEpochs };
  }
  return {
    epochs,
    learningRate: checked('learningRate', o.learningRate ?? d.learningRate, TRAIN_LIMITS.learningRate),
    weightDecay: checked('weightDecay', o.weightDecay ?? d.weightDecay, TRAIN_LIMITS.weightDecay),
    lrSchedule,
    batchSize: checked('batchSize', o.batchSize ?? d.batchSize, TRAIN_LIMITS.batchSize),
    edgeBudget: o.edgeBudget ?? defaultEdgeBudget(fused ? 'fused' : 'reference'),
    patience: patience === null ? null : checked('patience', patience, PATIENCE_LIMITS),
    seed: o.seed ?? d.seed,
    members: checked('members', o.members ?? d.members, TRAIN_LIMITS.members),
    workers: checked('workers', o.workers ?? 1, WORKER_LIMITS),
    lossWeighting: o.lossWeighting ?? { kind: d.weighting },
    loss,
    transfer: o.transfer
      ? { from: o.transfer.source.name, freezeConvs: o.transfer.freezeConvs ?? false, trunkLrFactor: checked('trunkLrFactor', o.transfer.trunkLrFactor ?? RECIPE_DEFAULTS.trunkLrFactor, RECIPE_LIMITS.trunkLrFactor) }
      : null,
  };
}

/**
 * What identifies a run for its checkpoint. Settings added after checkpoints existed (loss, transfer, task metadata)
 * enter only when they differ from what earlier runs did, so a checkpoint of an older run still resumes.
 */
function runFingerprint(config: ModelConfig, opts: ResolvedTrainOptions, n: number, path: string, split: { train: Int32Array; val: Int32Array }): string {
  // workers is not part of it: a run may resume with another thread count (same results only with the same K)
  const { loss, transfer, workers: _workers, ...rest } = opts;
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

/** Everything fixed for one trainModel call and shared by its ensemble members. */
interface TrainingRun {
  readonly options: TrainOptions;
  readonly opts: ResolvedTrainOptions;
  readonly data: TrainingData;
  readonly callbacks: TrainCallbacks;
  readonly log: (msg: string) => void;
  readonly split: TrainResult['split'];
  readonly normalizers: TargetNormalizer[];
  /** Per task, network output -> prediction in the task's terms (task-output.ts). */
  readonly outputs: ((z: number) => number)[];
  /** [T] 0/1 flags of the classification tasks; undefined when every task is a regression. */
  readonly classFlags: Float32Array | undefined;
  readonly transfer: TransferOptions | undefined;
  /** Targets normalised with the training split's statistics, one column per task. */
  readonly normTargets: Float64Array[];
  readonly basis: BondBasis;
  readonly config: ModelConfig;
  /** Element feature table [rows, D] (disposed by trainModel). */
  readonly table: Tensor2D;
  readonly path: ReturnType<typeof resolvePath>;
  readonly fused: boolean;
  /** Hash of config, options, data size, path and split: a checkpoint of another run is refused. */
  readonly fingerprint: string;
  readonly taskNames: string[];
  readonly clock: TrainingClock;
}

/** Wall clock and step count of the whole call; the ETA extrapolates the mean step time over the steps left. */
class TrainingClock {
  private readonly t0 = performance.now();
  private stepsDone = 0;

  /** `lastMember`: index of the last member this call trains (the ETA counts the members after the current one). */
  constructor(private readonly epochs: number, private readonly lastMember: number) {}

  countStep(): void {
    this.stepsDone++;
  }

  elapsedSeconds(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /**
   * Seconds left after `stepsDoneInEpoch` of `stepsPerEpoch` steps of 0-based `epoch` of member `member`; later
   * epochs and members are assumed to have as many steps as this one.
   */
  etaSeconds(elapsed: number, member: number, epoch: number, stepsDoneInEpoch: number, stepsPerEpoch: number): number {
    if (this.stepsDone === 0) return 0;
    const remainingSteps =
      (stepsPerEpoch - stepsDoneInEpoch) + (this.epochs - epoch - 1) * stepsPerEpoch +
      Math.max(0, this.lastMember - member) * this.epochs * stepsPerEpoch;
    return (elapsed / this.stepsDone) * remainingSteps;
  }
}

/** Split, normalisation, model config and fingerprint of a call: the steps before any member trains. */
function prepareRun(options: TrainOptions, data: TrainingData, callbacks: TrainCallbacks, backend: BackendInfo): TrainingRun {
  validateData(data);
  const path = resolvePath(options.path);
  const fused = path === 'fused';
  const opts = resolveTrainOptions(options, fused);
  const log = callbacks.onLog ?? (() => undefined);
  const n = data.graphs.length;

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
  if (options.onlyMember === undefined) log(`training ${data.tasks.length} task(s) on ${split.train.length} crystals (val ${split.val.length}, test ${split.test.length}); ` +
    `backend ${backend.description}; path ${path} (${backend.kernels}); edge budget ${opts.edgeBudget}`);
  return {
    options, opts, data, callbacks, log, split, normalizers, outputs, classFlags, transfer, normTargets, basis, config, table, path, fused, fingerprint,
    taskNames: data.tasks.map((t) => t.name), clock: new TrainingClock(opts.epochs, options.onlyMember ?? opts.members - 1),
  };
}

/** Per-task running sums of one epoch's training loss. */
interface EpochTotals {
  lossSum: Float64Array;
  lossCount: Float64Array;
  totalSum: number;
  crystals: number;
  /** Learning rate of the last step. */
  lr: number;
}

function meanTrainLoss(e: EpochTotals): number[] {
  return Array.from(e.lossSum, (x, t) => (e.lossCount[t] > 0 ? x / e.lossCount[t] : NaN));
}

/**
 * One ensemble member: its parameters, optimiser and loss weighting, and its state across epochs (history, best
 * parameters, early-stopping counters). The steps of a run: restore (from a checkpoint), trainEpoch (shuffle,
 * batches, one optimiser step each), validate, endEpoch (best model and early stopping), saveCheckpoint.
 */
class MemberTrainer {
  readonly seed: number;
  private readonly ckptFile: string | undefined;
  private readonly store: ParamStore;
  private readonly weighter: LossWeighter;
  private readonly adam: Adam;
  private history: EpochRecord[] = [];
  private bestScore: number | null = null;
  private bestEpoch = -1;
  private bestRecords: TensorRecord[] | null = null;
  private sinceBest = 0;
  /** Epochs completed (also the first epoch this call trains). */
  private epochsDone = 0;
  private done = false;
  private stoppedEarly = false;
  /** Steps of the last epoch trained (for the epoch-end progress report). */
  private stepsPerEpoch = 0;

  /** Data-parallel: the other replicas (null: this thread computes every step alone). */
  private readonly workers: GradientWorkers | null;

  constructor(private readonly run: TrainingRun, readonly member: number, workers: GradientWorkers | null = null) {
    this.workers = workers;
    const { opts, options, config } = run;
    this.seed = opts.seed + 1000 * member;
    this.ckptFile = options.checkpointPath
      ? (opts.members > 1 ? `${options.checkpointPath}.m${member}` : options.checkpointPath)
      : undefined;
    this.store = ParamStore.init(config, this.seed);
    if (run.transfer) this.store.assignRecords(transferRecords(run.transfer.source, config, member));
    this.weighter = new LossWeighter(opts.lossWeighting, run.data.tasks.length);
    this.adam = new Adam({ weightDecay: opts.weightDecay });
  }

  /** Trains the remaining epochs (all of them without a checkpoint) and returns the member's best parameters. */
  async train(): Promise<TrainedMember> {
    const { opts, options } = this.run;
    this.restore();
    // Fine-tuning with frozen convolutions: those parameters are not handed to the optimiser (no gradients either).
    const frozen = (name: string): boolean => (opts.transfer?.freezeConvs ?? false) && isConvParam(name);
    const variables = new Map<string, Variable>([
      ...[...this.store.trainable].filter(([name]) => !frozen(name)), ...this.weighter.trainableVariables(),
    ]);
    const builder = new BatchBuilder(this.run.basis, this.run.data.graphSettings.maxNeighbors);
    // every replica starts from this member's parameters (initial, transferred or restored)
    if (this.workers) await this.workers.load(this.store.toRecords());
    let epochsThisCall = 0;
    for (let epoch = this.epochsDone; epoch < opts.epochs && !this.done; epoch++) {
      const te = performance.now();
      const totals = await this.trainEpoch(epoch, variables, builder, te);
      const valMae = this.validate();
      const rec = this.endEpoch(epoch, totals, valMae, (performance.now() - te) / 1000);
      this.saveCheckpoint();
      this.reportEpoch(rec, totals);
      epochsThisCall++;
      if (options.stopAfterEpochs !== undefined && epochsThisCall >= options.stopAfterEpochs && !this.done) {
        throw new TrainingCancelledError();
      }
    }
    return this.result();
  }

  /** Continues from the member's checkpoint when there is one and resuming is on. */
  private restore(): void {
    const file = this.ckptFile;
    if (!file) return;
    if (!(this.run.options.resume ?? true)) {
      for (const f of checkpointFiles(file)) fs.rmSync(f, { force: true });
      return;
    }
    // a torn or corrupt checkpoint falls back to the previous generation (checkpoint.ts keeps two)
    const loaded = loadCheckpointWithFallback<CheckpointMeta>(file);
    if (!loaded) return;
    if (loaded.fallbackReason) this.run.log(`member ${this.member}: ${loaded.fallbackReason}; falling back to the previous checkpoint ${loaded.file}`);
    const ck = loaded.checkpoint;
    const meta = ck.meta;
    if (meta.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint ${file} has format ${meta.format}, expected ${CHECKPOINT_FORMAT}`);
    if (meta.fingerprint !== this.run.fingerprint) {
      throw new Error(`checkpoint ${file} belongs to a run with different data, split or settings; delete it or choose another checkpoint path`);
    }
    this.store.assignRecords(ck.groups.params);
    this.adam.setState({ step: meta.adamStep, m: ck.groups.adam_m ?? [], v: ck.groups.adam_v ?? [] });
    this.weighter.setState(meta.lossWeighting);
    this.history = meta.history;
    this.bestScore = meta.bestScore;
    this.bestEpoch = meta.bestEpoch;
    this.bestRecords = ck.groups.best && ck.groups.best.length ? ck.groups.best : null;
    this.sinceBest = meta.sinceBest;
    this.epochsDone = meta.epochsDone;
    this.done = meta.done;
    this.stoppedEarly = meta.stoppedEarly;
    this.run.log(`member ${this.member}: resumed from ${loaded.file} after epoch ${this.epochsDone}`);
  }

  /** One pass over the training split in this epoch's seeded order, one optimiser step per batch. */
  private async trainEpoch(epoch: number, variables: Map<string, Variable>, builder: BatchBuilder, te: number): Promise<EpochTotals> {
    const { opts, data, split, taskNames, clock } = this.run;
    const T = data.tasks.length;
    const order = Int32Array.from(split.train);
    shuffleInPlace(order, createRng(epochSeed(this.seed, epoch)));
    const batches = planBatches(data.graphs, order, { edgeBudget: opts.edgeBudget, maxCrystals: opts.batchSize });
    const totals: EpochTotals = {
      lossSum: new Float64Array(T), lossCount: new Float64Array(T), totalSum: 0, crystals: 0, lr: opts.learningRate,
    };
    for (let s = 0; s < batches.length; s++) {
      if (this.run.options.signal?.aborted) throw new TrainingCancelledError();
      totals.lr = learningRateAt(opts.learningRate, opts.lrSchedule, epoch, s, batches.length, opts.epochs);
      if (this.workers) await this.trainStepParallel(this.workers, batches[s], totals, variables, builder, epoch, s);
      else this.trainStep(batches[s], totals, variables, builder, epoch, s);
      clock.countStep();
      const elapsed = clock.elapsedSeconds();
      const p: TrainProgress = {
        member: this.member, members: opts.members, epoch: epoch + 1, epochs: opts.epochs, step: s + 1, stepsPerEpoch: batches.length,
        phase: 'train',
        perTaskTrainLoss: byTask(taskNames, meanTrainLoss(totals)),
        elapsedSeconds: elapsed,
        etaSeconds: clock.etaSeconds(elapsed, this.member, epoch, s + 1, batches.length),
        weights: byTask(taskNames, this.weighter.currentWeights()),
        learningRate: totals.lr,
        crystalsPerSecond: totals.crystals / ((performance.now() - te) / 1000),
        bestValAverageMae: this.bestScore,
      };
      this.run.callbacks.onProgress?.(p);
      await yieldToLoop();
    }
    this.stepsPerEpoch = batches.length;
    return totals;
  }

  /** Forward, loss and gradients of one batch, then the Adam update, BN running stats and loss weighting. */
  private trainStep(
    idx: Int32Array, totals: EpochTotals, variables: Map<string, Variable>, builder: BatchBuilder, epoch: number, s: number,
  ): void {
    const { config, table, fused, data, normTargets, opts, classFlags } = this.run;
    const { store, weighter } = this;
    const T = data.tasks.length;
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
        const fwd = forwardTrain(config, store, table, bt, fused, weighter.needsSharedRepresentation);
        fwdStats = fwd.stats;
        shared = fwd.shared;
        perTask = tf.keep(maskedTaskLoss(opts.loss, fwd.pred, target, mask, invCounts, isClass));
        const penalty = softSharingPenalty(config, store);
        return tf.add(weighter.total(perTask, present), penalty) as tf.Scalar;
      }, [...variables.values()]);
      const named: Record<string, Tensor> = {};
      for (const [name, v] of variables) named[name] = grads[v.name];
      const taskLoss = Array.from(perTask!.dataSync());
      // Measured before the parameter update.
      const gradNorms = weighter.needsSharedRepresentation && shared
        ? weighter.taskGradientNorms(shared, (h, t) => headForward(config, store, h, t), target, mask, mc)
        : undefined;
      this.adam.apply(variables, named, totals.lr, (name) => name.startsWith('loss.'), this.lrFactor);
      applyBnUpdates(store, fwdStats, config.bnMomentum);
      fwdStats = [];
      weighter.afterStep(taskLoss, gradNorms, mc.present);
      const total = value.dataSync()[0];
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      this.countStep(totals, total, taskLoss, mc.counts, B, epoch, s);
    } finally {
      disposeStepTensors(fwdStats, shared, bt, [perTask, target, mask, invCounts, present, isClass]);
    }
  }

  /** Adds a finished step's losses to the epoch's totals; a non-finite total loss stops training with the reason. */
  private countStep(totals: EpochTotals, total: number, taskLoss: readonly number[], counts: Int32Array, B: number, epoch: number, s: number): void {
    if (!Number.isFinite(total)) {
      throw new Error(
        `training diverged: the loss is ${total} at epoch ${epoch + 1}, step ${s + 1} (member ${this.member}); ` +
          'try a lower learning rate or check the targets for extreme values',
      );
    }
    totals.totalSum += total * B;
    for (let t = 0; t < taskLoss.length; t++) {
      if (counts[t] > 0) {
        totals.lossSum[t] += taskLoss[t] * counts[t];
        totals.lossCount[t] += counts[t];
      }
    }
    totals.crystals += B;
  }

  /**
   * One step shared with the gradient workers (data-parallel.ts): the batch is cut into slices, this thread computes
   * slice 0 while worker k computes slice k, the gradients are added in worker order and one Adam step follows. The
   * loss-weighting variables get their gradient from the summed task losses; the batch-norm running statistics are
   * updated with the whole batch's (combined exactly from the slices'); GradNorm measures its norms on slice 0.
   */
  private async trainStepParallel(
    workers: GradientWorkers, idx: Int32Array, totals: EpochTotals, variables: Map<string, Variable>, builder: BatchBuilder, epoch: number, s: number,
  ): Promise<void> {
    const { config, table, fused, data, normTargets, opts, classFlags } = this.run;
    const { store, weighter } = this;
    const T = data.tasks.length;
    const mc = maskCounts(batchTargets(idx, normTargets).mask, T);
    const weights = weighter.currentWeights();
    const netVars = workers.slots.map((sl) => variables.get(sl.name)!);
    const slices = splitBatch(data.graphs, idx, workers.count + 1);
    workers.publish(netVars);
    const remote = workers.run(slices.slice(1).map((sl) => ({
      graphs: Array.from(sl, (i) => data.graphs[i]),
      targets: normTargets.map((col) => Float64Array.from(sl, (i) => col[i])),
      inv: mc.inv, weights,
    })));
    const model: SliceModel = { config, table, fused, loss: opts.loss, classFlags, normTargets, graphs: data.graphs, builder };
    let own: ReturnType<typeof sliceGradients>;
    try {
      own = sliceGradients(model, store, netVars, { idx: slices[0], inv: mc.inv, weights, softPenalty: true },
        weighter.needsSharedRepresentation ? weighter : undefined);
    } catch (e) {
      await remote.catch(() => undefined);
      throw e;
    }
    const others = await remote;
    const grads = own.grads;
    others.forEach((_, k) => workers.addGradients(k, grads));
    const taskLoss = own.taskLoss.map((l, t) => others.reduce((a, o) => a + o.taskLoss[t], l));

    const named: Record<string, Tensor> = {};
    workers.slots.forEach((sl, j) => {
      named[sl.name] = tf.tensor(grads[j], sl.shape, 'float32');
    });
    const lossVars = [...variables].filter(([name]) => name.startsWith('loss.'));
    let total: number;
    const perTask = tf.tensor1d(taskLoss);
    const present = tf.tensor1d(mc.present);
    try {
      if (lossVars.length > 0) {
        const { value, grads: lg } = tf.variableGrads(() => weighter.total(perTask, present), lossVars.map(([, v]) => v));
        for (const [name, v] of lossVars) named[name] = lg[v.name];
        total = value.dataSync()[0] + own.penalty;
        value.dispose();
      } else total = tf.tidy(() => weighter.total(perTask, present).dataSync()[0]) + own.penalty;
      this.adam.apply(variables, named, totals.lr, (name) => name.startsWith('loss.'), this.lrFactor);
    } finally {
      perTask.dispose();
      present.dispose();
      for (const g of Object.values(named)) g.dispose();
    }
    const bn = combineBnStats([own.stats, ...others.map((o) => o.stats)]);
    applyBnUpdates(store, bn.map((b) => ({ name: b.name, mean: tf.tensor1d(b.mean), variance: tf.tensor1d(b.variance), count: b.count })), config.bnMomentum);
    weighter.afterStep(taskLoss, own.gradNorms, mc.present);
    this.countStep(totals, total, taskLoss, mc.counts, idx.length, epoch, s);
  }

  /** Learning-rate factor of a parameter: --trunk-lr-factor for the transferred trunk, 1 for the heads. */
  private readonly lrFactor = (name: string): number => {
    const f = this.run.opts.transfer?.trunkLrFactor ?? 1;
    return f !== 1 && isTrunkParam(name) && !name.startsWith('loss.') ? f : 1;
  };

  /** Validation MAE per task in original units with the current parameters (all null without a validation split). */
  private validate(): (number | null)[] {
    const { split, config, table, data, basis, path, outputs } = this.run;
    if (split.val.length === 0) return new Array<number | null>(data.tasks.length).fill(null);
    const folded = FoldedNetwork.fromStore(config, this.store, table);
    try {
      const pred = predictNormalized(folded, data.graphs, split.val, basis, { path });
      return maeOriginal(pred, split.val, data.targets, outputs);
    } finally {
      folded.dispose();
    }
  }

  /** Records the epoch, keeps the best parameters and decides whether training is done (last epoch, patience). */
  private endEpoch(epoch: number, totals: EpochTotals, valMae: (number | null)[], seconds: number): EpochRecord {
    const { split, opts } = this.run;
    const valAvg = avgOrNull(valMae);
    const trainTotal = totals.totalSum / Math.max(totals.crystals, 1);
    const rec: EpochRecord = {
      member: this.member, epoch: epoch + 1, lr: totals.lr, trainLoss: meanTrainLoss(totals), trainTotal, valMae,
      valAverageMae: valAvg, weights: this.weighter.currentWeights(), seconds,
    };
    this.history.push(rec);
    const score = split.val.length > 0 ? valAvg : trainTotal;
    if (score !== null && Number.isFinite(score) && (this.bestScore === null || score < this.bestScore)) {
      this.bestScore = score;
      this.bestEpoch = epoch + 1;
      this.bestRecords = this.store.toRecords();
      this.sinceBest = 0;
    } else this.sinceBest++;
    if (opts.patience !== null && this.sinceBest >= opts.patience) {
      this.stoppedEarly = true;
      this.done = true;
      this.run.log(`member ${this.member}: early stop after epoch ${epoch + 1} (best ${this.bestEpoch})`);
    }
    if (epoch + 1 >= opts.epochs) this.done = true;
    this.epochsDone = epoch + 1;
    return rec;
  }

  /** Writes everything a bit-identical continuation needs (atomically; no-op without a checkpoint path). */
  private saveCheckpoint(): void {
    if (!this.ckptFile) return;
    const ad = this.adam.getState();
    saveCheckpoint<CheckpointMeta>(this.ckptFile, {
      meta: {
        format: CHECKPOINT_FORMAT, fingerprint: this.run.fingerprint, member: this.member, seed: this.seed,
        epochsDone: this.epochsDone, history: this.history, bestScore: this.bestScore, bestEpoch: this.bestEpoch,
        sinceBest: this.sinceBest, done: this.done, stoppedEarly: this.stoppedEarly, adamStep: ad.step,
        lossWeighting: this.weighter.getState(), rng: { scheme: 'per-epoch', seed: this.seed },
      },
      groups: { params: this.store.toRecords(), adam_m: ad.m, adam_v: ad.v, best: this.bestRecords ?? [] },
    });
  }

  private reportEpoch(rec: EpochRecord, totals: EpochTotals): void {
    const { opts, taskNames, clock, callbacks } = this.run;
    const epoch = rec.epoch - 1;
    const steps = this.stepsPerEpoch;
    callbacks.onEpoch?.(rec);
    const elapsed = clock.elapsedSeconds();
    callbacks.onProgress?.({
      member: this.member, members: opts.members, epoch: rec.epoch, epochs: opts.epochs, step: steps,
      stepsPerEpoch: steps, phase: 'epoch-end', perTaskTrainLoss: byTask(taskNames, rec.trainLoss),
      valMae: byTask(taskNames, rec.valMae), valAverageMae: rec.valAverageMae, bestValAverageMae: this.bestScore,
      elapsedSeconds: elapsed,
      etaSeconds: clock.etaSeconds(elapsed, this.member, epoch, steps, steps),
      weights: byTask(taskNames, rec.weights), learningRate: rec.lr, crystalsPerSecond: totals.crystals / rec.seconds,
    });
    this.run.log(`member ${this.member} epoch ${rec.epoch}/${opts.epochs}: train ${rec.trainTotal.toFixed(4)}, val MAE ` +
      `${rec.valAverageMae === null ? '-' : rec.valAverageMae.toFixed(4)} (${rec.seconds.toFixed(1)} s)`);
  }

  private result(): TrainedMember {
    return {
      seed: this.seed,
      params: this.bestRecords ?? this.store.toRecords(),
      bestEpoch: this.bestRecords ? this.bestEpoch : this.history.length,
      bestValAverageMae: this.run.split.val.length > 0 ? this.bestScore : null,
      epochsRun: this.history.length,
      stoppedEarly: this.stoppedEarly,
      history: this.history,
      lossWeighting: this.weighter.getState(),
    };
  }

  dispose(): void {
    this.store.dispose();
    this.weighter.dispose();
    this.adam.dispose();
  }
}

/**
 * Ensemble-mean predictions (in the tasks' terms) of the members' best parameters on `idx`, and their metrics at the
 * given decision thresholds.
 */
function evaluateEnsemble(
  run: TrainingRun, members: readonly TrainedMember[], idx: Int32Array, thresholds: Record<string, number>,
): { metrics: MetricsJson | null; preds: Float64Array[]; yTrue: Float64Array[] } {
  const { data, config, table, basis, path, outputs } = run;
  const T = data.tasks.length;
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
}

/** What evaluateEnsemble found on validation and test (none for a call that trained one member of a concurrent ensemble). */
type Evaluation = Pick<TrainResult, 'testMetrics' | 'decisionThresholds' | 'testPredictions' | 'validationMetrics'>;
const NOT_EVALUATED: Evaluation = { testMetrics: null, decisionThresholds: {}, testPredictions: [], validationMetrics: null };

function runResult(run: TrainingRun, members: TrainedMember[], backend: BackendInfo, startedAt: Date, evaluation: Evaluation): TrainResult {
  return {
    config: run.config,
    normalizers: run.normalizers.map((nz): TargetNormalizerJson => ({ mean: nz.mean, std: nz.std })),
    split: run.split,
    members,
    ...evaluation,
    backend,
    path: run.path,
    durationSeconds: run.clock.elapsedSeconds(),
    trainOptions: run.opts,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

/**
 * The gradient workers of a run with K > 1 training threads (K - 1 workers beside this thread), or null: K = 1,
 * a backend that is not WebAssembly or the CPU (tfjs-node spreads its own work over the cores) or no worker bundle
 * (each with a log line saying so).
 */
async function startGradientWorkers(run: TrainingRun, backend: BackendInfo, threads: number): Promise<GradientWorkers | null> {
  const { opts, options, config, data, transfer } = run;
  if (threads <= 1) return null;
  const script = options.workerScripts?.gradient ?? workerScriptPath(GRADIENT_WORKER_NAME);
  if (!script) {
    run.log(`training on one thread: the gradient worker (${GRADIENT_WORKER_NAME}.js) is not built`);
    return null;
  }
  const frozen = (name: string): boolean => (transfer !== undefined && opts.transfer?.freezeConvs === true) && isConvParam(name);
  const slots = paramSlots(paramSpecs(config).filter((sp) => sp.trainable && !frozen(sp.name)));
  const workers = await GradientWorkers.start(script, threads - 1, {
    config, elementMatrix: data.elementTable.matrix(), elementDimension: data.elementTable.dimension, graphSettings: data.graphSettings,
    classFlags: run.classFlags, loss: opts.loss, fused: run.fused, backend: backend.kind, slots,
  });
  if (options.onlyMember === undefined || options.onlyMember === 0) {
    run.log(`data-parallel training: ${threads} threads per member (this one and ${threads - 1} gradient worker(s)), each batch cut into ${threads} slices by atom count`);
  }
  return workers;
}

/** Whether worker threads can help: the WebAssembly and CPU backends compute on one thread (tfjs-node on all). */
function threadsHelp(run: TrainingRun, backend: BackendInfo): boolean {
  if (run.opts.workers <= 1 || backend.kind === 'wasm' || backend.kind === 'cpu') return true;
  run.log(`training on one thread: ${run.opts.workers} threads are for the WebAssembly backend; ${backend.description} uses the cores itself`);
  return false;
}

/**
 * Trains the ensemble's members `plan.concurrent` at a time, each in a training worker of its own (with
 * `plan.perMember` threads), and returns them in member order. Each member is the same computation as in the
 * one-after-the-other loop (own seed, own checkpoint file), so the results are identical. A failure or cancellation
 * of one member stops the others (their checkpoints stay resumable).
 */
async function trainMembersConcurrently(
  run: TrainingRun, script: string, plan: { concurrent: number; perMember: number }, backend: BackendInfo,
): Promise<TrainedMember[]> {
  const { options, data, callbacks, opts } = run;
  const { signal, ...rest } = options;
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) stop.abort();
  run.log(`ensemble: ${plan.concurrent} members at a time, each in its own thread` +
    (plan.perMember > 1 ? ` with ${plan.perMember} data-parallel threads` : ''));
  const results = new Array<TrainedMember>(opts.members);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < opts.members && !stop.signal.aborted) {
      const k = next++;
      const r = await runTrainingInWorker(script, { ...rest, onlyMember: k, workers: plan.perMember, signal: stop.signal }, data, callbacks, { backend: backend.kind });
      results[k] = r.members[0];
    }
  };
  try {
    const lanes = Array.from({ length: plan.concurrent }, () => lane().catch((e: unknown) => {
      stop.abort();
      throw e;
    }));
    const settled = await Promise.allSettled(lanes);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (signal?.aborted) throw new TrainingCancelledError();
    return results;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export async function trainModel(options: TrainOptions, data: TrainingData, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  const startedAt = new Date();
  const backend = currentBackend() ?? (await initBackend());
  const run = prepareRun(options, data, callbacks, backend);
  const members: TrainedMember[] = [];
  let val: ReturnType<typeof evaluateEnsemble>;
  let test: ReturnType<typeof evaluateEnsemble>;
  let decisionThresholds: Record<string, number> = {};
  let workers: GradientWorkers | null = null;
  try {
    const threads = threadsHelp(run, backend) ? run.opts.workers : 1;
    const plan = threadPlan(run.opts.members, threads);
    const only = options.onlyMember;
    const memberScript = plan.concurrent > 1 && only === undefined ? options.workerScripts?.member ?? workerScriptPath(TRAIN_WORKER_NAME) : undefined;
    if (memberScript) members.push(...await trainMembersConcurrently(run, memberScript, plan, backend));
    else {
      if (plan.concurrent > 1 && only === undefined) run.log(`ensemble members one after the other: the training worker (${TRAIN_WORKER_NAME}.js) is not built`);
      workers = await startGradientWorkers(run, backend, threads);
      for (let k = only ?? 0; k < (only === undefined ? run.opts.members : only + 1); k++) {
        const member = new MemberTrainer(run, k, workers);
        try {
          members.push(await member.train());
        } finally {
          member.dispose();
        }
      }
    }
    if (only !== undefined) return runResult(run, members, backend, startedAt, NOT_EVALUATED);
    // Validation with the default cuts, the decision thresholds chosen on it, then validation and test at them.
    const val0 = evaluateEnsemble(run, members, run.split.val, {});
    if (run.split.val.length > 0) decisionThresholds = chooseDecisionThresholds(run.config.tasks, val0.yTrue, val0.preds);
    val = run.split.val.length > 0
      ? { ...val0, metrics: evaluatePredictions(run.config.tasks, val0.yTrue, val0.preds, { decisionThresholds }) }
      : val0;
    test = evaluateEnsemble(run, members, run.split.test, decisionThresholds);
  } finally {
    run.table.dispose();
    await workers?.terminate();
  }
  return runResult(run, members, backend, startedAt, {
    testMetrics: test.metrics, decisionThresholds, testPredictions: test.preds, validationMetrics: val.metrics,
  });
}
