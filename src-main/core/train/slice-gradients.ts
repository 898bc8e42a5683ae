/**
 * The gradients of one slice of a training batch: the unit of work of data-parallel training (data-parallel.ts).
 *
 * A batch of B crystals is cut into K slices; every slice is run by its own tfjs instance (the trainer's thread for
 * slice 0, a gradient worker for each other one) with the same parameters. For the slice's crystals this computes
 * the gradient of sum_t w_t L_t^slice, where
 *   - L_t^slice is the slice's share of task t's batch loss: the sum of its crystals' losses divided by the number of
 *     labelled crystals of task t in the WHOLE batch (`inv`), so the shares of all slices add up to the batch loss;
 *   - w_t are the step's effective task weights (LossWeighter.currentWeights), constants here.
 * The sum of the slices' gradients is then the gradient of the weighted batch loss with respect to every network
 * parameter (the loss-weighting variables' own gradient is the trainer's, from the summed task losses). Batch norm
 * normalises each slice with its own statistics; the statistics are returned so that the running averages can be
 * updated with those of the whole batch (combineBnStats).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { CrystalGraph } from '../graph/crystal-graph';
import type { ModelConfig } from '../model/config';
import type { ParamStore } from '../model/params';
import { type BatchBuilder, batchToTensors, disposeBatchTensors } from '../model/batch';
import { type BnStatUpdate, forwardTrain, headForward, softSharingPenalty } from '../model/network';
import type { LossKindName } from '../../../src-shared/training-settings';
import { batchTargets } from './collate';
import { type LossWeighter, maskCounts, maskedTaskLoss } from './loss';

/** What every replica of a data-parallel run holds for the whole training (read-only). */
export interface SliceModel {
  readonly config: ModelConfig;
  /** Element feature table [rows, D]. */
  readonly table: Tensor2D;
  readonly fused: boolean;
  readonly loss: LossKindName;
  /** [T] 1 for classification tasks; undefined when all tasks are regressions. */
  readonly classFlags: Float32Array | undefined;
  /** Targets normalised with the training split's statistics, one column per task. */
  readonly normTargets: readonly Float64Array[];
  readonly graphs: readonly CrystalGraph[];
  readonly builder: BatchBuilder;
}

export interface SliceRequest {
  /** Dataset indices of the slice's crystals. */
  idx: Int32Array;
  /** [T] 1 / labelled crystals of each task in the whole batch (0 when none). */
  inv: Float32Array;
  /** [T] effective task weights of this step. */
  weights: readonly number[];
  /** Add the soft-sharing penalty (exactly one slice of a step does). */
  softPenalty: boolean;
}

/** Batch-norm statistics of one layer over a slice, as plain numbers (they cross threads). */
export interface SliceBnStats {
  name: string;
  mean: Float32Array;
  /** Biased (population) variance over the slice's rows. */
  variance: Float32Array;
  count: number;
}

export interface SliceResult {
  /** Gradients in the order of the variables asked for (a worker copies them into shared memory). */
  grads: Float32Array[];
  /** [T] the slice's share of each task's batch loss. */
  taskLoss: number[];
  /** The soft-sharing penalty when the request asked for it, else 0. */
  penalty: number;
  stats: SliceBnStats[];
  /** GradNorm's ||dL_t/dh|| measured on this slice when asked for (trainer's slice only). */
  gradNorms?: number[];
}

/** Gradients of one slice with respect to `vars` (in that order); see the module comment. */
export function sliceGradients(
  m: SliceModel, store: ParamStore, vars: readonly Variable[], req: SliceRequest, gradNormsOf?: LossWeighter,
): SliceResult {
  const T = m.normTargets.length;
  const B = req.idx.length;
  const bt = batchToTensors(m.builder.build(Array.from(req.idx, (i) => m.graphs[i])));
  const tg = batchTargets(req.idx, m.normTargets);
  const target = tf.tensor2d(tg.values, [B, T]);
  const mask = tf.tensor2d(tg.mask, [B, T]);
  const invCounts = tf.tensor1d(req.inv);
  const weights = tf.tensor1d(req.weights as number[]);
  const isClass = m.classFlags ? tf.tensor1d(m.classFlags) : undefined;
  let perTask: Tensor1D | undefined;
  let penalty: tf.Scalar | undefined;
  let stats: BnStatUpdate[] = [];
  let shared: Tensor2D[] | undefined;
  try {
    const keepShared = gradNormsOf !== undefined;
    const { value, grads } = tf.variableGrads(() => {
      const fwd = forwardTrain(m.config, store, m.table, bt, m.fused, keepShared);
      stats = fwd.stats;
      shared = fwd.shared;
      perTask = tf.keep(maskedTaskLoss(m.loss, fwd.pred, target, mask, invCounts, isClass));
      const weighted = tf.sum(tf.mul(perTask, weights)) as tf.Scalar;
      if (!req.softPenalty) return weighted;
      penalty = tf.keep(softSharingPenalty(m.config, store));
      return tf.add(weighted, penalty) as tf.Scalar;
    }, vars as Variable[]);
    value.dispose();
    const out: SliceResult = {
      grads: vars.map((v) => {
        const g: Tensor | undefined = grads[v.name];
        return g ? (g.dataSync() as Float32Array).slice() : new Float32Array(v.size);
      }),
      taskLoss: Array.from(perTask!.dataSync()),
      penalty: penalty ? penalty.dataSync()[0] : 0,
      stats: stats.map((s) => ({ name: s.name, mean: s.mean.dataSync().slice() as Float32Array, variance: s.variance.dataSync().slice() as Float32Array, count: s.count })),
    };
    for (const g of Object.values(grads)) g.dispose();
    if (gradNormsOf && shared) {
      // GradNorm's norms on this slice alone, with the slice's own label counts (a per-task mean over the slice).
      out.gradNorms = gradNormsOf.taskGradientNorms(shared, (h, t) => headForward(m.config, store, h, t), target, mask, maskCounts(tg.mask, T));
    }
    return out;
  } finally {
    disposeStepTensors(stats, shared, bt, [perTask, penalty, target, mask, invCounts, weights, isClass]);
  }
}

/**
 * Frees what one training step made (the one-thread step and a slice's): the batch-norm statistics, the shared
 * representations (each once: several entries may be the same tensor), the batch tensors and the others given.
 */
export function disposeStepTensors(
  stats: readonly BnStatUpdate[],
  shared: readonly Tensor[] | undefined,
  bt: Parameters<typeof disposeBatchTensors>[0],
  others: readonly (Tensor | null | undefined)[],
): void {
  for (const s of stats) {
    s.mean.dispose();
    s.variance.dispose();
  }
  if (shared) new Set(shared.filter(Boolean)).forEach((h) => h.dispose());
  disposeBatchTensors(bt);
  for (const t of others) t?.dispose();
}

/**
 * Batch-norm statistics of the whole batch from those of its slices (layer by layer, slices in the same order):
 * the count-weighted mean, and the variance as the mean within-slice variance plus the variance of the slice means.
 * Exact, so the running averages move as they would with one thread; only the normalisation inside each slice
 * uses the slice's own statistics.
 */
export function combineBnStats(slices: readonly (readonly SliceBnStats[])[]): SliceBnStats[] {
  const first = slices[0];
  return first.map((layer, l) => {
    const width = layer.mean.length;
    let n = 0;
    const mean = new Float64Array(width);
    for (const s of slices) {
      const st = s[l];
      if (st.name !== layer.name || st.mean.length !== width) throw new Error(`batch-norm statistics of slices disagree at ${layer.name}`);
      n += st.count;
      for (let c = 0; c < width; c++) mean[c] += st.count * st.mean[c];
    }
    for (let c = 0; c < width; c++) mean[c] /= n;
    const variance = new Float64Array(width);
    for (const s of slices) {
      const st = s[l];
      for (let c = 0; c < width; c++) {
        const d = st.mean[c] - mean[c];
        variance[c] += st.count * (st.variance[c] + d * d);
      }
    }
    for (let c = 0; c < width; c++) variance[c] /= n;
    return { name: layer.name, mean: Float32Array.from(mean), variance: Float32Array.from(variance), count: n };
  });
}

/**
 * Cuts a batch (dataset indices in training order) into at most `parts` contiguous, non-empty slices of about equal
 * edge counts (atoms x neighbour slots, what a step's time follows). Deterministic for given inputs.
 */
export function splitBatch(graphs: readonly CrystalGraph[], idx: Int32Array, parts: number): Int32Array[] {
  const k = Math.max(1, Math.min(parts, idx.length));
  if (k === 1) return [idx];
  let total = 0;
  for (const i of idx) total += graphs[i].numAtoms;
  const slices: Int32Array[] = [];
  let start = 0;
  let acc = 0;
  for (let p = 0; p < k - 1; p++) {
    const goal = (total * (p + 1)) / k;
    let end = start;
    // at least one crystal per slice, and leave at least one for each slice still to come
    const maxEnd = idx.length - (k - 1 - p);
    while (end < maxEnd && (end === start || acc + graphs[idx[end]].numAtoms / 2 <= goal)) acc += graphs[idx[end++]].numAtoms;
    slices.push(idx.subarray(start, end));
    start = end;
  }
  slices.push(idx.subarray(start));
  return slices;
}
