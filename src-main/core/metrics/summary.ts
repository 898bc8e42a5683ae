/**
 * The metrics JSON written by `mtcgcnn evaluate` (public contract). The caller adds "model"
 * and "dataset". Values that are undefined (NaN: no labels, n < 2, one class only) are written
 * as null, which is also what JSON.stringify would do with NaN.
 */
import { METAL_THRESHOLD_EV, binaryMetrics, chooseThreshold, isNonMetal, metalNonMetalMetrics, type Confusion } from './classification';
import { regressionMetrics } from './regression';
import { isBandGapTask, type TaskKind } from '../../../src-shared/task-kind';

export interface TaskSpec {
  /** CSV column name; the key in "tasks". */
  readonly name: string;
  /** Unit string ('' when unknown). */
  readonly unit: string;
  /** Default 'regression'. */
  readonly kind?: TaskKind;
}

/** Probability threshold of a classification task before one is chosen on validation data. */
export const DEFAULT_PROBABILITY_THRESHOLD = 0.5;

export interface TaskMetricsJson {
  /** Absent for regression (files written before classification tasks existed). */
  kind?: TaskKind;
  n: number;
  mae: number | null;
  rmse: number | null;
  r2: number | null;
  spearman: number | null;
  unit: string;
  /**
   * Band-gap tasks: metal/non-metal ROC AUC (positive = non-metal), the label threshold in eV (true gap above it =
   * non-metal), the decision threshold on the predicted gap, and accuracy, F1 and confusion at the decision
   * threshold. Classification tasks (mae etc. null): positive = label 1, decision threshold on the probability.
   */
  roc_auc?: number | null;
  threshold?: number;
  decision_threshold?: number;
  accuracy?: number | null;
  f1?: number | null;
  confusion?: Confusion;
}

export interface MetricsJson {
  tasks: Record<string, TaskMetricsJson>;
  /** Mean of the finite per-task MAEs (original units); null when there are none. */
  average_mae: number | null;
}

export interface EvaluateOptions {
  /** Metal label threshold of band-gap tasks (default 0.025 eV). */
  readonly thresholdEv?: number;
  /**
   * Decision thresholds by task name (band gap: on the predicted gap in eV; classification: on the probability),
   * e.g. chosen on the validation split by chooseDecisionThresholds. Default: the label threshold / 0.5.
   */
  readonly decisionThresholds?: Readonly<Record<string, number>>;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * Unweighted mean of the per-task MAEs. Tasks whose MAE is null/NaN (no labelled crystals) are
 * skipped; NaN when no task has a finite MAE.
 */
export function averageMae(
  perTask: Readonly<Record<string, { readonly mae: number | null }>> | readonly { readonly mae: number | null }[],
): number {
  const list = Array.isArray(perTask) ? perTask : Object.values(perTask);
  let sum = 0;
  let count = 0;
  for (const t of list as readonly { readonly mae: number | null }[]) {
    if (t.mae !== null && Number.isFinite(t.mae)) {
      sum += t.mae;
      count++;
    }
  }
  return count > 0 ? sum / count : NaN;
}

/** Builds the metrics JSON from per-task true and predicted values (original units, NaN = no label). */
export function evaluatePredictions(
  tasks: readonly TaskSpec[],
  yTrue: readonly ArrayLike<number>[],
  yPred: readonly ArrayLike<number>[],
  opts: EvaluateOptions = {},
): MetricsJson {
  if (yTrue.length !== tasks.length || yPred.length !== tasks.length) {
    throw new RangeError(`expected ${tasks.length} task columns, got yTrue ${yTrue.length} and yPred ${yPred.length}`);
  }
  const thresholdEv = opts.thresholdEv ?? METAL_THRESHOLD_EV;
  const out: Record<string, TaskMetricsJson> = {};
  tasks.forEach((task, k) => {
    if (Object.prototype.hasOwnProperty.call(out, task.name)) throw new RangeError(`duplicate task name "${task.name}"`);
    const decision = opts.decisionThresholds?.[task.name];
    if (task.kind === 'classification') {
      const c = binaryMetrics(yTrue[k], yPred[k], decision ?? DEFAULT_PROBABILITY_THRESHOLD);
      out[task.name] = {
        kind: 'classification', n: c.confusion.tp + c.confusion.fp + c.confusion.tn + c.confusion.fn,
        mae: null, rmse: null, r2: null, spearman: null, unit: task.unit,
        roc_auc: finiteOrNull(c.rocAuc), decision_threshold: c.threshold, accuracy: finiteOrNull(c.accuracy),
        f1: finiteOrNull(c.f1), confusion: c.confusion,
      };
      return;
    }
    const r = regressionMetrics(yTrue[k], yPred[k]);
    const entry: TaskMetricsJson = {
      n: r.n,
      mae: finiteOrNull(r.mae),
      rmse: finiteOrNull(r.rmse),
      r2: finiteOrNull(r.r2),
      spearman: finiteOrNull(r.spearman),
      unit: task.unit,
    };
    if (isBandGapTask(task.name, task.unit)) {
      const c = metalNonMetalMetrics(yTrue[k], yPred[k], thresholdEv, decision ?? thresholdEv);
      entry.roc_auc = finiteOrNull(c.rocAuc);
      entry.threshold = thresholdEv;
      entry.decision_threshold = c.decisionThresholdEv;
      entry.accuracy = finiteOrNull(c.accuracy);
      entry.f1 = finiteOrNull(c.f1);
      entry.confusion = { tp: c.confusion.tp, fp: c.confusion.fp, tn: c.confusion.tn, fn: c.confusion.fn };
    }
    out[task.name] = entry;
  });
  return { tasks: out, average_mae: finiteOrNull(averageMae(out)) };
}

/**
 * Decision thresholds with the best accuracy on labelled data (meant for the validation split): for each
 * classification task on its probability, for each band-gap task on its predicted gap (label: true gap above
 * `thresholdEv`). Tasks with only one class present keep the default (0.5 / thresholdEv).
 */
export function chooseDecisionThresholds(
  tasks: readonly TaskSpec[],
  yTrue: readonly ArrayLike<number>[],
  yPred: readonly ArrayLike<number>[],
  thresholdEv: number = METAL_THRESHOLD_EV,
): Record<string, number> {
  const out: Record<string, number> = {};
  tasks.forEach((task, k) => {
    const classification = task.kind === 'classification';
    if (!classification && !isBandGapTask(task.name, task.unit)) return;
    const labels: boolean[] = [];
    const scores: number[] = [];
    for (let i = 0; i < yTrue[k].length; i++) {
      const t = yTrue[k][i];
      if (Number.isNaN(t) || Number.isNaN(yPred[k][i])) continue;
      labels.push(classification ? t > 0.5 : isNonMetal(t, thresholdEv));
      scores.push(yPred[k][i]);
    }
    out[task.name] = chooseThreshold(labels, scores, classification ? DEFAULT_PROBABILITY_THRESHOLD : thresholdEv);
  });
  return out;
}
