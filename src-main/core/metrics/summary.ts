/**
 * The metrics JSON written by `mtcgcnn evaluate` (public contract). The caller adds "model"
 * and "dataset". Values that are undefined (NaN: no labels, n < 2, one class only) are written
 * as null, which is also what JSON.stringify would do with NaN.
 */
import { METAL_THRESHOLD_EV, metalNonMetalMetrics, type Confusion } from './classification';
import { regressionMetrics } from './regression';
import { isBandGapTask } from './task-kind';

export interface TaskSpec {
  /** CSV column name; the key in "tasks". */
  readonly name: string;
  /** Unit string ('' when unknown). */
  readonly unit: string;
}

export interface TaskMetricsJson {
  n: number;
  mae: number | null;
  rmse: number | null;
  r2: number | null;
  spearman: number | null;
  unit: string;
  /** Band-gap tasks only: metal/non-metal ROC AUC (positive = non-metal). */
  roc_auc?: number | null;
  /** Band-gap tasks only: metal threshold in eV. */
  threshold?: number;
  /** Band-gap tasks only: positive = non-metal (gap > threshold). */
  confusion?: Confusion;
}

export interface MetricsJson {
  tasks: Record<string, TaskMetricsJson>;
  /** Mean of the finite per-task MAEs (original units); null when there are none. */
  average_mae: number | null;
}

export interface EvaluateOptions {
  readonly thresholdEv?: number;
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
      const c = metalNonMetalMetrics(yTrue[k], yPred[k], thresholdEv);
      entry.roc_auc = finiteOrNull(c.rocAuc);
      entry.threshold = thresholdEv;
      entry.confusion = { tp: c.confusion.tp, fp: c.confusion.fp, tn: c.confusion.tn, fn: c.confusion.fn };
    }
    out[task.name] = entry;
  });
  return { tasks: out, average_mae: finiteOrNull(averageMae(out)) };
}
