/**
 * The typed inputs of the report layer (its public API) and the small computations that turn
 * raw results into the numbers the reports print (experiment summaries, histograms).
 *
 * Everything here is plain data: the training, evaluation and screening code fills these
 * objects; `html.ts` renders them. Units are the task's original (de-normalised) units.
 */
import type { TaskKind } from '../../../src-shared/task-kind';

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/** One predicted property. `name` is the CSV column and the key everywhere else. */
export interface ReportTask {
  readonly name: string;
  /** Display unit ("eV/atom", "eV", "Å^3"); '' when unknown. */
  readonly unit: string;
  /** Optional readable name ("Formation energy"); derived from the column name when absent. */
  readonly label?: string;
  /**
   * 'classification': the task predicts the probability of label 1 (a classifier head, e.g. is_metal); its
   * metrics are ROC AUC, accuracy and F1 at a probability threshold. Absent = regression (older bundles).
   */
  readonly kind?: TaskKind;
  /** A classification task whose 0/1 label comes from a regression column: label 1 when the column is below `below`. */
  readonly derivedFrom?: { readonly column: string; readonly below: number };
  /** Where the task's decision threshold was chosen ("validation split"); absent when none was chosen. */
  readonly decisionThresholdChosenOn?: string;
  /** The model's decision threshold (a classifier's probability; a band gap's cut in eV), when it stores one. */
  readonly decisionThreshold?: number;
}

export interface DatasetCard {
  /** Dataset name as the user knows it (e.g. the folder name). */
  readonly name: string;
  /** Folder the CIFs and id_prop.csv were read from. */
  readonly dir: string;
  /** Hash of the dataset contents (e.g. sha256 of id_prop.csv + CIF hashes), shown shortened. */
  readonly contentHash: string;
  /** Crystals that were parsed and used. */
  readonly crystals: number;
  readonly split: { readonly train: number; readonly val: number; readonly test: number };
  /** Seed of the random split. */
  readonly seed: number;
  /** Labelled (non-missing) values per task column, whole dataset. */
  readonly labelsPerTask: Readonly<Record<string, number>>;
  /** Where the data comes from, e.g. "Materials Project (CC BY 4.0)". Optional. */
  readonly source?: string;
}

export type ModelKind = 'MT-CGCNN' | 'CGCNN';
export type SharingMode = 'hard' | 'soft';
export type WeightingMode = 'fixed' | 'uncertainty' | 'gradnorm';

export interface ModelCard {
  readonly kind: ModelKind;
  readonly tasks: readonly ReportTask[];
  /** Hard: one shared trunk, a head per task. Soft: a trunk per task, tied by a penalty. */
  readonly sharing: SharingMode;
  readonly weighting: {
    readonly mode: WeightingMode;
    /** Fixed weights, or the final learned weights, per task column. */
    readonly weights?: Readonly<Record<string, number>>;
  };
  readonly architecture: {
    readonly atomFeatures: number;
    readonly convLayers: number;
    readonly hidden: number;
    readonly headLayers: number;
  };
  readonly graph: { readonly radiusAngstrom: number; readonly maxNeighbors: number };
  /** Compute backend that trained the model ("wasm", "tensorflow", "tensorflow-gpu", "cpu"). */
  readonly backend: string;
  readonly trainingSeconds: number;
  /** Training threads (mtcgcnn train --workers); absent for models trained before the option existed. */
  readonly trainingThreads?: number;
  readonly epochs: number;
  /** Models in the ensemble (1 = a single model, no uncertainty). */
  readonly ensembleSize: number;
}

// ---------------------------------------------------------------------------------------------
// Run report: one trained model evaluated on its test split
// ---------------------------------------------------------------------------------------------

export interface ConfusionCounts {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/**
 * Metrics of one task: the per-task entry of the public metrics JSON written by
 * `mtcgcnn evaluate` (see src-main/core/metrics/summary.ts). null = undefined (no labels, n < 2,
 * one class only).
 */
export interface TaskMetrics {
  /** 'classification' for a classifier head (mae, rmse, r2, spearman null); absent for regression. */
  readonly kind?: TaskKind;
  readonly n: number;
  readonly mae: number | null;
  readonly rmse: number | null;
  readonly r2: number | null;
  readonly spearman: number | null;
  readonly unit: string;
  /**
   * Band-gap tasks: metal/non-metal ROC AUC, positive class = non-metal (DFT gap > threshold). Classification
   * tasks: ROC AUC of the probability, positive class = label 1.
   */
  readonly roc_auc?: number | null;
  /** Band-gap tasks: the DFT class threshold in eV (0.025 by default); absent for classification tasks. */
  readonly threshold?: number;
  /**
   * The decision threshold the confusion counts are taken at: on the predicted gap in eV (band-gap tasks; absent in
   * older files, where it is `threshold`), or on the probability (classification tasks; predicted 1 when above it).
   */
  readonly decision_threshold?: number;
  /** Accuracy and F1 (of the positive class) at the decision threshold; absent in older files. */
  readonly accuracy?: number | null;
  readonly f1?: number | null;
  /** At the decision threshold. Band-gap tasks: positive = non-metal; classification tasks: positive = label 1. */
  readonly confusion?: ConfusionCounts;
}

/** The metrics JSON contract: {"tasks": {"<col>": {...}}, "average_mae": ...}. */
export interface ReportMetrics {
  readonly tasks: Readonly<Record<string, TaskMetrics>>;
  /** Mean of the finite per-task MAEs (mixed units); null when there are none. */
  readonly average_mae: number | null;
}

export interface TaskPredictions {
  /** DFT (reference) values; null = missing label. Same order as `ids`. */
  readonly true: readonly (number | null)[];
  readonly pred: readonly number[];
  /** Ensemble standard deviation, same units. */
  readonly std?: readonly number[];
}

export interface TestPredictions {
  readonly ids: readonly string[];
  readonly formulas?: readonly string[];
  readonly perTask: Readonly<Record<string, TaskPredictions>>;
}

export interface RocPoints {
  readonly fpr: readonly number[];
  readonly tpr: readonly number[];
}

export interface HistoryEntry {
  readonly epoch: number;
  /** Training loss per task (on standardised targets, so tasks are comparable). */
  readonly trainLoss: Readonly<Record<string, number>>;
  /** Validation MAE per task, original units. */
  readonly valMae: Readonly<Record<string, number>>;
  readonly lr?: number;
  /** Task weights in effect during this epoch (uncertainty / GradNorm weighting). */
  readonly taskWeights?: Readonly<Record<string, number>>;
}

/** A row of the optional comparison table: test MAE per task of some other model. */
export interface BaselineRow {
  /** "Predict the training mean", "CGCNN single-task", "Sanyal et al. 2018 (paper)". */
  readonly label: string;
  readonly mae: Readonly<Record<string, number | null>>;
  /** Short remark, e.g. "different split, 60k crystals". */
  readonly note?: string;
}

export interface RunReport {
  readonly title: string;
  /** When the report was generated (ISO 8601). */
  readonly createdIso: string;
  /** Application version, printed in the footer. */
  readonly appVersion: string;
  readonly dataset: DatasetCard;
  readonly model: ModelCard;
  readonly metrics: ReportMetrics;
  readonly predictions: TestPredictions;
  /** ROC curve per band-gap or classification task column (the renderer computes a missing classifier's curve). */
  readonly roc?: Readonly<Record<string, RocPoints>>;
  readonly history: readonly HistoryEntry[];
  readonly baselines?: readonly BaselineRow[];
  /** Free text from the user, printed under the title. */
  readonly notes?: string;
}

// ---------------------------------------------------------------------------------------------
// Experiment report: the paper-style study over task combinations and training fractions
// ---------------------------------------------------------------------------------------------

/** Test MAE of one trained model: one task combination, one repeat (seed). */
export interface CombinationRun {
  /** Task columns trained together; a single column is the single-task (CGCNN) baseline. */
  readonly combination: readonly string[];
  readonly repeat: number;
  readonly seed?: number;
  /** Test MAE per task of the combination, original units. */
  readonly mae: Readonly<Record<string, number>>;
}

/**
 * One point of a learning curve: a model trained on part of the data (the MT-CGCNN paper's "training on
 * 20, 30, 40, 50, 60 % of the data"), validated and tested on fixed validation and test parts.
 */
export interface FractionRun {
  /** Series label, e.g. "MT-CGCNN" or "CGCNN". */
  readonly label: string;
  /**
   * Training crystals as a share of ALL crystals of the dataset, in (0, 1] (as `mtcgcnn train --train-fraction`;
   * with a 60/20/20 split at most 0.6, the full training part).
   */
  readonly trainingFraction: number;
  /** Crystals actually used for training (optional, printed when given). */
  readonly trainSize?: number;
  readonly repeat: number;
  readonly mae: Readonly<Record<string, number>>;
  readonly spearman?: Readonly<Record<string, number>>;
  /** Metal/non-metal ROC AUC per band-gap task column. */
  readonly rocAuc?: Readonly<Record<string, number>>;
}

export interface ExperimentReport {
  readonly title: string;
  readonly createdIso: string;
  readonly appVersion: string;
  /** Backend the experiment ran on. */
  readonly backend: string;
  /** What was studied, in a sentence or two. */
  readonly description?: string;
  readonly dataset?: DatasetCard;
  /** Model settings shared by all runs (tasks listed there are ignored in favour of `tasks`). */
  readonly model?: ModelCard;
  /** Every property that appears in the study. */
  readonly tasks: readonly ReportTask[];
  readonly combinationRuns: readonly CombinationRun[];
  readonly fractionRuns?: readonly FractionRun[];
  /**
   * Models actually trained for the study. Runs are not models: a single-task learning-curve run merges one
   * model per property, and a learning-curve point may reuse a model of the combination study.
   */
  readonly trainedModels?: number;
}

// ---------------------------------------------------------------------------------------------
// Screening report: a trained model applied to new structures
// ---------------------------------------------------------------------------------------------

export interface ScreeningCandidate {
  readonly id: string;
  readonly formula?: string;
  readonly value: number;
  /** Ensemble standard deviation (same unit). */
  readonly std?: number;
  /** Out of the model's domain (e.g. elements or graph sizes not seen in training). */
  readonly ood: boolean;
}

export interface CandidateList {
  /** Which end of the ranking is interesting: 'min' (e.g. most stable) or 'max'. */
  readonly rankBy: 'min' | 'max';
  /** Optional target window, shown in the caption (e.g. band gap 1.1-1.7 eV). */
  readonly target?: { readonly min?: number; readonly max?: number };
  readonly items: readonly ScreeningCandidate[];
}

export interface HistogramBins {
  /** counts.length + 1 increasing bin edges. */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

export interface ScreeningReport {
  readonly title: string;
  readonly createdIso: string;
  readonly appVersion: string;
  readonly model: ModelCard;
  /** Where the screened structures came from. */
  readonly source?: { readonly name: string; readonly dir?: string };
  readonly counts: {
    /** Structures given to the screen. */
    readonly screened: number;
    /** Structures that could not be read or featurised. */
    readonly failed: number;
    /** Predicted but flagged out of domain. */
    readonly outOfDomain: number;
  };
  /** How "out of domain" was decided, in plain words. */
  readonly oodCriterion?: string;
  /** Top-N candidates per task column. */
  readonly candidates: Readonly<Record<string, CandidateList>>;
  /**
   * Optional second list per task column, printed below the first: usually the other end of the ranking
   * (`mtcgcnn report RESULTS.csv` lists both the lowest and the highest predictions).
   */
  readonly otherEnd?: Readonly<Record<string, CandidateList>>;
  /** Distribution of each predicted property over all predicted structures. */
  readonly histograms: Readonly<Record<string, HistogramBins>>;
  /** A few of the failures, for the appendix. */
  readonly failures?: readonly { readonly id: string; readonly reason: string }[];
  /** Free text under the title (e.g. what the screened structures are and how far to trust the predictions). */
  readonly notes?: string;
}

// ---------------------------------------------------------------------------------------------
// Computations
// ---------------------------------------------------------------------------------------------

export interface MeanStd {
  /** Number of finite values. */
  readonly n: number;
  /** NaN when n = 0. */
  readonly mean: number;
  /** Sample standard deviation (n - 1); NaN when n < 2. */
  readonly std: number;
}

/** Mean and sample standard deviation of the finite values. */
export function meanStd(values: readonly (number | null | undefined)[]): MeanStd {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { n, mean: NaN, std: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, std: NaN };
  const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { n, mean, std: Math.sqrt(ss / (n - 1)) };
}

/** Canonical key of a task combination: the columns in the order of `tasks`, joined by " + ". */
export function combinationKey(combination: readonly string[], taskOrder: readonly string[]): string {
  const rank = (c: string) => {
    const i = taskOrder.indexOf(c);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...new Set(combination)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)).join(' + ');
}

export interface CombinationSummary {
  readonly key: string;
  /** Columns, in task order. */
  readonly tasks: readonly string[];
  /** Distinct repeats seen. */
  readonly repeats: number;
  /** Per task: test MAE over repeats. */
  readonly perTask: Readonly<Record<string, MeanStd>>;
  /** Mean over the combination's tasks of the mean MAE (mixed units when units differ). */
  readonly averageMae: number;
  /** Same average for the single-task baselines of the same tasks; NaN if any is missing. */
  readonly baselineAverageMae: number;
  /**
   * Mean over the combination's tasks of the relative improvement of the mean MAE over that
   * task's single-task mean MAE, in percent (positive = multi-task is better). Relative
   * improvements are unit-free, so tasks in different units weigh equally. NaN for single-task
   * rows and when a baseline is missing.
   */
  readonly improvementPct: number;
}

/**
 * Summarises combination runs into the rows of tables (1) and (2): single-task rows first (in
 * task order), then the combinations by size and task order.
 */
export function summarizeCombinations(tasks: readonly ReportTask[], runs: readonly CombinationRun[]): CombinationSummary[] {
  const order = tasks.map((t) => t.name);
  const groups = new Map<string, { tasks: string[]; runs: CombinationRun[] }>();
  for (const run of runs) {
    const key = combinationKey(run.combination, order);
    let g = groups.get(key);
    if (!g) {
      g = { tasks: key.split(' + '), runs: [] };
      groups.set(key, g);
    }
    g.runs.push(run);
  }
  const perTaskOf = (g: { tasks: string[]; runs: CombinationRun[] }): Record<string, MeanStd> => {
    const out: Record<string, MeanStd> = {};
    for (const t of g.tasks) out[t] = meanStd(g.runs.map((r) => r.mae[t]));
    return out;
  };
  const single = new Map<string, MeanStd>();
  for (const [, g] of groups) if (g.tasks.length === 1) single.set(g.tasks[0], perTaskOf(g)[g.tasks[0]]);

  const rows: CombinationSummary[] = [];
  for (const [key, g] of groups) {
    const perTask = perTaskOf(g);
    const means = g.tasks.map((t) => perTask[t].mean);
    const averageMae = means.every(Number.isFinite) ? means.reduce((a, b) => a + b, 0) / means.length : NaN;
    const base = g.tasks.map((t) => single.get(t)?.mean ?? NaN);
    const baselineAverageMae = base.every(Number.isFinite) ? base.reduce((a, b) => a + b, 0) / base.length : NaN;
    let improvementPct = NaN;
    if (g.tasks.length > 1 && base.every((b) => Number.isFinite(b) && b > 0) && means.every(Number.isFinite)) {
      improvementPct = (100 * g.tasks.reduce((acc, _t, i) => acc + (base[i] - means[i]) / base[i], 0)) / g.tasks.length;
    }
    rows.push({
      key,
      tasks: g.tasks,
      repeats: new Set(g.runs.map((r) => r.repeat)).size,
      perTask,
      averageMae,
      baselineAverageMae,
      improvementPct,
    });
  }
  const rank = (c: string) => {
    const i = order.indexOf(c);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  rows.sort((a, b) => {
    if (a.tasks.length !== b.tasks.length) return a.tasks.length - b.tasks.length;
    for (let i = 0; i < a.tasks.length; i++) {
      const d = rank(a.tasks[i]) - rank(b.tasks[i]);
      if (d !== 0) return d;
    }
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  return rows;
}

export interface FractionPoint {
  readonly trainingFraction: number;
  /** Mean training-set size over repeats, when the runs reported it. */
  readonly trainSize?: number;
  readonly repeats: number;
  readonly mae: Readonly<Record<string, MeanStd>>;
  readonly spearman: Readonly<Record<string, MeanStd>>;
  readonly rocAuc: Readonly<Record<string, MeanStd>>;
}

export interface FractionSeries {
  readonly label: string;
  /** Sorted by increasing training fraction. */
  readonly points: readonly FractionPoint[];
}

/** Groups learning-curve runs by series label and training fraction (mean ± std over repeats). */
export function summarizeFractions(tasks: readonly ReportTask[], runs: readonly FractionRun[]): FractionSeries[] {
  const labels: string[] = [];
  const byLabel = new Map<string, Map<number, FractionRun[]>>();
  for (const r of runs) {
    let m = byLabel.get(r.label);
    if (!m) {
      m = new Map();
      byLabel.set(r.label, m);
      labels.push(r.label);
    }
    const list = m.get(r.trainingFraction) ?? [];
    list.push(r);
    m.set(r.trainingFraction, list);
  }
  return labels.map((label) => {
    const m = byLabel.get(label)!;
    const points = [...m.keys()]
      .sort((a, b) => a - b)
      .map((f) => {
        const list = m.get(f)!;
        const mae: Record<string, MeanStd> = {};
        const spearman: Record<string, MeanStd> = {};
        const rocAuc: Record<string, MeanStd> = {};
        for (const t of tasks) {
          const maes = list.map((r) => r.mae[t.name]);
          if (maes.some((x) => typeof x === 'number')) mae[t.name] = meanStd(maes);
          const sp = list.map((r) => r.spearman?.[t.name]);
          if (sp.some((x) => typeof x === 'number')) spearman[t.name] = meanStd(sp);
          const auc = list.map((r) => r.rocAuc?.[t.name]);
          if (auc.some((x) => typeof x === 'number')) rocAuc[t.name] = meanStd(auc);
        }
        const sizes = list.map((r) => r.trainSize).filter((x): x is number => typeof x === 'number');
        return {
          trainingFraction: f,
          trainSize: sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : undefined,
          repeats: new Set(list.map((r) => r.repeat)).size,
          mae,
          spearman,
          rocAuc,
        };
      });
    return { label, points };
  });
}

/**
 * Equal-width histogram of the finite values. With `range` given, values outside it are counted
 * in the first/last bin (so nothing disappears); otherwise the range is [min, max].
 */
export function histogram(values: ArrayLike<number>, bins = 30, range?: readonly [number, number]): HistogramBins {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: bins must be a positive integer, got ${bins}`);
  let lo = Infinity;
  let hi = -Infinity;
  if (range) {
    [lo, hi] = range;
  } else {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { edges: [0, 1], counts: [0] };
  if (hi <= lo) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 0.5;
    lo -= pad;
    hi += pad;
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    let k = Math.floor((v - lo) / width);
    if (k < 0) k = 0;
    if (k >= bins) k = bins - 1;
    counts[k]++;
  }
  return { edges, counts };
}

/**
 * True when the metrics are those of a band-gap regression read as a metal / non-metal classifier (the DFT class
 * `threshold` and the confusion counts present). A classifier head's metrics have no `threshold`: see isClassifierTask.
 */
export function hasClassification(m: TaskMetrics | undefined): boolean {
  return !!m && m.threshold !== undefined && m.confusion !== undefined;
}

/** True for a classifier head (kind 'classification' on the task or its metrics): a probability, no MAE. */
export function isClassifierTask(t: ReportTask, m?: TaskMetrics): boolean {
  return t.kind === 'classification' || m?.kind === 'classification';
}

/**
 * Checks the internal consistency of a run report (lengths, task keys) and throws a RangeError
 * that names the first problem. The renderers call it so that a bad report fails loudly
 * instead of printing a misleading chart.
 */
export function validateRunReport(r: RunReport): void {
  const n = r.predictions.ids.length;
  if (r.predictions.formulas && r.predictions.formulas.length !== n) {
    throw new RangeError(`predictions.formulas has ${r.predictions.formulas.length} entries but ids has ${n}`);
  }
  for (const [col, p] of Object.entries(r.predictions.perTask)) {
    if (p.true.length !== n || p.pred.length !== n) {
      throw new RangeError(`predictions.perTask["${col}"] has ${p.true.length} true / ${p.pred.length} pred values but ids has ${n}`);
    }
    if (p.std && p.std.length !== n) throw new RangeError(`predictions.perTask["${col}"].std has ${p.std.length} values but ids has ${n}`);
  }
  const taskNames = new Set(r.model.tasks.map((t) => t.name));
  for (const col of Object.keys(r.metrics.tasks)) {
    if (!taskNames.has(col)) throw new RangeError(`metrics.tasks has "${col}", which is not a task of the model card`);
  }
  for (const [col, c] of Object.entries(r.roc ?? {})) {
    if (c.fpr.length !== c.tpr.length) throw new RangeError(`roc["${col}"] has ${c.fpr.length} fpr but ${c.tpr.length} tpr values`);
  }
}
