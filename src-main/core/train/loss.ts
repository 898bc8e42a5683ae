/**
 * Multi-task loss (MT-CGCNN eq. 6-7): a per-task loss over the LABELLED crystals of the batch (missing labels,
 * NaN, are masked out), combined with task weights.
 *
 * Per-task loss (maskedTaskLoss): regression tasks on normalised targets with the chosen regression loss,
 *   mse    (z - y)^2                         the reference's
 *   l1     |z - y|                           what is reported (MAE); gradient of constant size
 *   huber  0.5 (z - y)^2 / d for |z - y| <= d, |z - y| - 0.5 d beyond (d = HUBER_DELTA in normalised units;
 *          divided by d so that it is L1 with slope 1 for large errors and tends to MSE/2d near 0)
 * and classification tasks (0/1 labels, the head outputs a logit z) with the logistic loss, binary cross-entropy
 * with logits in its stable form max(z, 0) - z y + log(1 + exp(-|z|)).
 *
 * Weighting:
 *
 *   fixed        L = sum_t w_t L_t, user weights normalised to sum 1 (default equal: the reference's mean)
 *   uncertainty  L = sum_t [ 0.5 exp(-s_t) L_t + 0.5 s_t ],  s_t = log sigma_t^2 learned
 *                (homoscedastic uncertainty, Kendall, Gal & Cipolla 2018); effective weight 0.5 exp(-s_t)
 *   gradnorm     L = sum_t w_t L_t with w_t adapted after every step so that the gradient norms of the
 *                weighted task losses w.r.t. the shared representation follow the tasks' relative training
 *                rates (Chen et al. 2018): target_t = mean(G) * (Ltilde_t / mean Ltilde)^alpha,
 *                Ltilde_t = L_t / L_t(first step); w -= lr * sign(G_t - target_t) * ||dL_t/dh||, then
 *                renormalised to sum 1. The shared layer is the pooled crystal representation h (the
 *                trunk's output; cheaper than the last shared weight matrix, a common GradNorm variant).
 *
 * Everything about task weighting lives here: the trainer asks LossWeighter for the total loss inside the tape,
 * for GradNorm's per-task gradient norms (taskGradientNorms, before the parameter update) and hands them back
 * after the update (afterStep).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { LossKindName } from '../../../src-shared/training-settings';

export type LossWeightingSpec =
  | { kind: 'fixed'; weights?: readonly number[] }
  | { kind: 'uncertainty'; initialLogVariance?: number }
  | { kind: 'gradnorm'; alpha?: number; learningRate?: number };

export interface LossWeightingState {
  kind: LossWeightingSpec['kind'];
  /** Current effective weights (sum 1 for fixed/gradnorm). */
  weights: number[];
  /** uncertainty: learned log variances s_t. */
  logVariances?: number[];
  /** gradnorm: first-step task losses. */
  initialLosses?: number[] | null;
}

/** Per-task masked MSE, [T]. Tasks without labels in the batch give 0. */
export function maskedTaskMse(pred: Tensor2D, target: Tensor2D, mask: Tensor2D, invCounts: Tensor1D): Tensor1D {
  const se = tf.mul(tf.square(tf.sub(pred, target)), mask);
  return tf.mul(tf.sum(se, 0), invCounts) as Tensor1D;
}

/** Loss of the regression tasks (the names and the default live with the training settings). */
export type { LossKindName as RegressionLoss } from '../../../src-shared/training-settings';
export { LOSS_KINDS as REGRESSION_LOSSES } from '../../../src-shared/training-settings';

/** Huber transition in normalised units (1 standard deviation of the training targets). */
export const HUBER_DELTA = 1;

/** Element-wise regression loss, [B, T]. */
function regressionLoss(kind: LossKindName, pred: Tensor2D, target: Tensor2D): Tensor2D {
  const d = tf.sub(pred, target);
  if (kind === 'mse') return tf.square(d) as Tensor2D;
  const a = tf.abs(d);
  if (kind === 'l1') return a as Tensor2D;
  // With excess = relu(a - d) and q = min(a, d) = a - excess: (0.5 q^2 + d excess) / d (relu: a kernel with a
  // gradient on every backend, unlike minimum).
  const excess = tf.relu(tf.sub(a, HUBER_DELTA));
  const q = tf.sub(a, excess);
  return tf.div(tf.add(tf.mul(tf.square(q), 0.5), tf.mul(excess, HUBER_DELTA)), HUBER_DELTA) as Tensor2D;
}

/** Element-wise binary cross-entropy with logits, [B, T] (stable form). */
function logisticLoss(logit: Tensor2D, label: Tensor2D): Tensor2D {
  return tf.add(tf.sub(tf.relu(logit), tf.mul(logit, label)), tf.log1p(tf.exp(tf.neg(tf.abs(logit))))) as Tensor2D;
}

/**
 * Per-task masked loss, [T]: `regression` for the tasks whose `isClassification` flag is 0, the logistic loss for
 * those where it is 1 ([T] of 0/1, or undefined when there is no classification task). Tasks without labels in the
 * batch give 0.
 */
export function maskedTaskLoss(
  kind: LossKindName, pred: Tensor2D, target: Tensor2D, mask: Tensor2D, invCounts: Tensor1D, isClassification?: Tensor1D,
): Tensor1D {
  let el = regressionLoss(kind, pred, target);
  if (isClassification) {
    const c = tf.reshape(isClassification, [1, -1]);
    el = tf.add(tf.mul(el, tf.sub(1, c)), tf.mul(logisticLoss(pred, target), c)) as Tensor2D;
  }
  return tf.mul(tf.sum(tf.mul(el, mask), 0), invCounts) as Tensor1D;
}

/** 1/count per task and presence (count > 0) flags, from a [B, T] mask. */
export function maskCounts(mask: Float32Array, T: number): { inv: Float32Array; present: Float32Array; counts: Int32Array } {
  const counts = new Int32Array(T);
  for (let i = 0; i < mask.length; i++) if (mask[i] > 0) counts[i % T]++;
  const inv = new Float32Array(T);
  const present = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    inv[t] = counts[t] > 0 ? 1 / counts[t] : 0;
    present[t] = counts[t] > 0 ? 1 : 0;
  }
  return { inv, present, counts };
}

export class LossWeighter {
  readonly kind: LossWeightingSpec['kind'];
  private weights: number[];
  /** uncertainty: s_t as one trainable variable [T]. */
  readonly logVar?: Variable;
  private readonly alpha: number;
  private readonly gnLr: number;
  private initialLosses: number[] | null = null;

  constructor(readonly spec: LossWeightingSpec, readonly numTasks: number) {
    this.kind = spec.kind;
    const T = numTasks;
    this.alpha = spec.kind === 'gradnorm' ? spec.alpha ?? 1.5 : 0;
    this.gnLr = spec.kind === 'gradnorm' ? spec.learningRate ?? 0.025 : 0;
    if (spec.kind === 'fixed' && spec.weights) {
      if (spec.weights.length !== T) throw new RangeError(`loss weights: ${spec.weights.length} given for ${T} tasks`);
      if (spec.weights.some((w) => !(w >= 0)) || spec.weights.every((w) => w === 0)) {
        throw new RangeError('loss weights must be >= 0 and not all 0');
      }
      const s = spec.weights.reduce((a, b) => a + b, 0);
      this.weights = spec.weights.map((w) => w / s);
    } else this.weights = new Array<number>(T).fill(1 / T);
    if (spec.kind === 'uncertainty') {
      this.logVar = tf.variable(tf.fill([T], spec.initialLogVariance ?? 0), true, `lossLogVar${uid++}`);
    }
  }

  /** Extra trainable variables (optimised together with the model). */
  trainableVariables(): Map<string, Variable> {
    return this.logVar ? new Map([['loss.logvar', this.logVar]]) : new Map();
  }

  /** Total loss from per-task losses [T] (call inside the gradient tape). `present` [T] flags tasks with labels. */
  total(perTask: Tensor1D, present: Tensor1D): Scalar {
    if (this.kind === 'uncertainty' && this.logVar) {
      const s = this.logVar;
      const terms = tf.add(tf.mul(tf.mul(tf.exp(tf.neg(s)), perTask), 0.5), tf.mul(s, 0.5));
      return tf.sum(tf.mul(terms, present)) as Scalar;
    }
    return tf.sum(tf.mul(perTask, tf.tensor1d(this.weights))) as Scalar;
  }

  /** Effective weights now (uncertainty: 0.5 exp(-s_t)). */
  currentWeights(): number[] {
    if (this.kind === 'uncertainty' && this.logVar) {
      return Array.from(this.logVar.dataSync(), (s) => 0.5 * Math.exp(-s));
    }
    return this.weights.slice();
  }

  /** True when the weighting needs the shared representation h of every step (GradNorm). */
  get needsSharedRepresentation(): boolean {
    return this.kind === 'gradnorm';
  }

  /**
   * GradNorm's measurement for one step, taken before the parameter update: ||dL_t/dh_t|| for every task, where
   * L_t is the task's unweighted masked MSE and h_t [B, width] the shared representation feeding its head
   * (`head(h, t)` -> [B, 1] normalised prediction). Tasks without labels in the batch give 0.
   * `target`, `mask` [B, T]; `counts` from maskCounts.
   */
  taskGradientNorms(
    shared: readonly Tensor2D[],
    head: (h: Tensor2D, task: number) => Tensor2D,
    target: Tensor2D,
    mask: Tensor2D,
    counts: { inv: Float32Array; present: Float32Array },
  ): number[] {
    const [B] = target.shape;
    return Array.from({ length: this.numTasks }, (_, t) =>
      counts.present[t] > 0
        ? tf.tidy(() => {
            const tcol = tf.slice(target, [0, t], [B, 1]);
            const mcol = tf.slice(mask, [0, t], [B, 1]);
            const g = tf.grad((h: Tensor) => {
              const p = head(h as Tensor2D, t);
              return tf.mul(tf.sum(tf.mul(tf.square(tf.sub(p, tcol)), mcol)), counts.inv[t]);
            })(shared[t]);
            return tf.sqrt(tf.sum(tf.square(g))).dataSync()[0];
          })
        : 0,
    );
  }

  /**
   * After the parameter update of a step: GradNorm adapts its weights from the step's task losses and the norms
   * taskGradientNorms measured (undefined: nothing to do, as for fixed and uncertainty weighting).
   */
  afterStep(taskLosses: readonly number[], gradNorms: readonly number[] | undefined, present: ArrayLike<number>): void {
    if (gradNorms) this.gradNormUpdate(taskLosses, gradNorms, present);
  }

  /**
   * GradNorm update after a step. `taskLosses` L_t of the batch (NaN/absent tasks skipped) and `gradNorms`
   * ||dL_t/dh|| (unweighted).
   */
  gradNormUpdate(taskLosses: readonly number[], gradNorms: readonly number[], present: ArrayLike<number>): void {
    if (this.kind !== 'gradnorm') return;
    const T = this.numTasks;
    if (!this.initialLosses) {
      this.initialLosses = taskLosses.map((l, t) => (present[t] > 0 && l > 0 ? l : NaN));
    }
    for (let t = 0; t < T; t++) {
      if (!Number.isFinite(this.initialLosses[t]) && present[t] > 0 && taskLosses[t] > 0) this.initialLosses[t] = taskLosses[t];
    }
    const active = [...Array(T).keys()].filter(
      (t) => present[t] > 0 && Number.isFinite(this.initialLosses![t]) && Number.isFinite(gradNorms[t]) && gradNorms[t] > 0,
    );
    if (active.length < 2) return;
    const wT = this.weights.map((w) => w * T); // GradNorm's scale: sum w = T
    const G = active.map((t) => wT[t] * gradNorms[t]);
    const meanG = G.reduce((a, b) => a + b, 0) / active.length;
    const ratio = active.map((t) => taskLosses[t] / this.initialLosses![t]);
    const meanR = ratio.reduce((a, b) => a + b, 0) / active.length;
    active.forEach((t, k) => {
      const target = meanG * Math.pow(ratio[k] / meanR, this.alpha);
      const g = Math.sign(G[k] - target) * gradNorms[t];
      wT[t] = Math.max(1e-3, wT[t] - this.gnLr * g);
    });
    const s = wT.reduce((a, b) => a + b, 0);
    this.weights = wT.map((w) => w / s);
  }

  getState(): LossWeightingState {
    const st: LossWeightingState = { kind: this.kind, weights: this.currentWeights() };
    if (this.logVar) st.logVariances = Array.from(this.logVar.dataSync());
    if (this.kind === 'gradnorm') {
      st.weights = this.weights.slice();
      st.initialLosses = this.initialLosses ? this.initialLosses.slice() : null;
    }
    return st;
  }

  setState(st: LossWeightingState): void {
    if (st.kind !== this.kind) throw new Error(`loss weighting state is ${st.kind}, expected ${this.kind}`);
    if (this.kind !== 'uncertainty') this.weights = st.weights.slice();
    if (this.logVar && st.logVariances) this.logVar.assign(tf.tensor1d(st.logVariances));
    if (this.kind === 'gradnorm') this.initialLosses = st.initialLosses ? st.initialLosses.map((x) => (x === null ? NaN : x)) : null;
  }

  dispose(): void {
    this.logVar?.dispose();
  }
}

let uid = 0;
