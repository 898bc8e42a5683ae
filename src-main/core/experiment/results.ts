/**
 * EXP_DIR/results.json: every finished job of an experiment plus what the tables and the report need
 * (settings, dataset card, the runs of both studies). Written after every job, so it also describes an
 * experiment that is still running or was stopped (`complete: false`, `missingJobs`).
 */
import type { CombinationRun } from '../report/report-model';
import { isBandGapTask } from '../../../src-shared/task-kind';
import { FULL_TRAIN_FRACTION, splitSizes, type Combination, type ExperimentPlan, type ExperimentSettings } from './plan';
import type { ExperimentDataset, JobRecord } from './runner';

export const RESULTS_FORMAT = 'crystal-property-studio/experiment-results';
export const RESULTS_FILE = 'results.json';

/** Series labels of the reduced-data study. */
export const MT_SERIES = 'MT-CGCNN (all tasks)';
export const ST_SERIES = 'CGCNN (single-task)';

/**
 * One point of the reduced-data study for one repeat. The single-task series merges the k single-task models
 * of the same fraction and seed into one run (one MAE per property, each from its own model).
 */
export interface ExperimentFractionRun {
  readonly label: string;
  /** Training crystals as a fraction of the WHOLE dataset (0.6 = the full training part). */
  readonly trainFraction: number;
  readonly trainSize: number;
  readonly repeat: number;
  readonly mae: Readonly<Record<string, number>>;
  readonly spearman: Readonly<Record<string, number>>;
  /** Metal / non-metal ROC AUC per band-gap property. */
  readonly rocAuc: Readonly<Record<string, number>>;
}

export interface ExperimentDatasetInfo {
  readonly name: string;
  readonly dir: string;
  readonly contentHash: string;
  readonly crystals: number;
  /** Structure files left out because they could not be read. */
  readonly failed: number;
  readonly labelsPerTask: Readonly<Record<string, number>>;
  /** Sizes of the 60/20/20 split. */
  readonly split: { readonly train: number; readonly val: number; readonly test: number };
  /** Crystal graph settings of every job. */
  readonly graph: { readonly radiusAngstrom: number; readonly maxNeighbors: number };
}

export interface ExperimentResults {
  readonly format: typeof RESULTS_FORMAT;
  readonly formatVersion: 1;
  readonly updatedAt: string;
  readonly appVersion: string;
  readonly complete: boolean;
  readonly settings: ExperimentSettings;
  readonly combinations: readonly Combination[];
  readonly allTasksLabel: string;
  readonly cappedCombinations: boolean;
  readonly dataset: ExperimentDatasetInfo;
  /** Backends the jobs ran on (usually one). */
  readonly backends: readonly string[];
  /** Sum of the jobs' training seconds. */
  readonly trainingSeconds: number;
  readonly totalJobs: number;
  readonly missingJobs: readonly string[];
  readonly jobs: readonly JobRecord[];
  /** Task-combination study: test MAE per task for each (combination, repeat). */
  readonly combinationRuns: readonly CombinationRun[];
  readonly fractionRuns: readonly ExperimentFractionRun[];
}

export function datasetInfo(data: ExperimentDataset, settings: ExperimentSettings): ExperimentDatasetInfo {
  const labelsPerTask: Record<string, number> = {};
  for (const t of settings.tasks) {
    const col = data.labels[t.name];
    let c = 0;
    for (let i = 0; i < col.length; i++) if (!Number.isNaN(col[i])) c++;
    labelsPerTask[t.name] = c;
  }
  return {
    name: data.name,
    dir: data.dir,
    contentHash: data.contentHash,
    crystals: data.graphs.length,
    failed: data.failed ?? 0,
    labelsPerTask,
    split: splitSizes(data.graphs.length, FULL_TRAIN_FRACTION),
    graph: { radiusAngstrom: data.graphSettings.radiusAngstrom, maxNeighbors: data.graphSettings.maxNeighbors },
  };
}

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Test MAE, Spearman and (band-gap tasks) AUC of a job, by task; missing values left out. */
function jobMetrics(rec: JobRecord, unitOf: Map<string, string>) {
  const mae: Record<string, number> = {};
  const spearman: Record<string, number> = {};
  const rocAuc: Record<string, number> = {};
  for (const t of rec.tasks) {
    const m = rec.test?.tasks[t];
    if (!m) continue;
    if (finite(m.mae)) mae[t] = m.mae;
    if (finite(m.spearman)) spearman[t] = m.spearman;
    if (finite(m.roc_auc) && isBandGapTask(t, unitOf.get(t))) rocAuc[t] = m.roc_auc;
  }
  return { mae, spearman, rocAuc };
}

export function collectResults(plan: ExperimentPlan, records: readonly JobRecord[], dataset: ExperimentDatasetInfo, appVersion: string): ExperimentResults {
  const byKey = new Map(records.map((r) => [r.key, r]));
  const unitOf = new Map(plan.settings.tasks.map((t) => [t.name, t.unit]));
  const combinationRuns: CombinationRun[] = [];
  for (const job of plan.jobs) {
    if (job.study !== 'combination') continue;
    const rec = byKey.get(job.key);
    if (!rec) continue;
    combinationRuns.push({ combination: job.tasks, repeat: job.repeat, seed: job.seed, mae: jobMetrics(rec, unitOf).mae });
  }
  const fractionRuns: ExperimentFractionRun[] = [];
  const fractions = [...new Set(plan.fractionPoints.map((p) => p.fraction))].sort((a, b) => a - b);
  const repeats = [...new Set(plan.fractionPoints.map((p) => p.repeat))].sort((a, b) => a - b);
  for (const f of fractions) {
    for (const r of repeats) {
      const points = plan.fractionPoints.filter((p) => p.fraction === f && p.repeat === r);
      for (const series of ['multi', 'single'] as const) {
        const recs = points.filter((p) => p.series === series).flatMap((p) => (byKey.has(p.jobKey) ? [byKey.get(p.jobKey)!] : []));
        if (recs.length === 0) continue;
        const merged = { mae: {} as Record<string, number>, spearman: {} as Record<string, number>, rocAuc: {} as Record<string, number> };
        for (const rec of recs) {
          const m = jobMetrics(rec, unitOf);
          Object.assign(merged.mae, m.mae);
          Object.assign(merged.spearman, m.spearman);
          Object.assign(merged.rocAuc, m.rocAuc);
        }
        fractionRuns.push({
          label: series === 'multi' ? MT_SERIES : ST_SERIES,
          trainFraction: f,
          trainSize: recs[0].trainSize,
          repeat: r,
          ...merged,
        });
      }
    }
  }
  const ordered = plan.jobs.flatMap((j) => (byKey.has(j.key) ? [byKey.get(j.key)!] : []));
  const missingJobs = plan.jobs.filter((j) => !byKey.has(j.key)).map((j) => j.key);
  return {
    format: RESULTS_FORMAT,
    formatVersion: 1,
    updatedAt: new Date().toISOString(),
    appVersion,
    complete: missingJobs.length === 0,
    settings: plan.settings,
    combinations: plan.combinations,
    allTasksLabel: plan.allTasksLabel,
    cappedCombinations: plan.cappedCombinations,
    dataset,
    backends: [...new Set(ordered.map((r) => r.backend.name))],
    trainingSeconds: ordered.reduce((a, r) => a + r.seconds, 0),
    totalJobs: plan.jobs.length,
    missingJobs,
    jobs: ordered,
    combinationRuns,
    fractionRuns,
  };
}

/** Parses results.json text; throws with a clear message when it is not an experiment results file. */
export function parseResults(text: string, file = RESULTS_FILE): ExperimentResults {
  let r: ExperimentResults;
  try {
    r = JSON.parse(text) as ExperimentResults;
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!r || r.format !== RESULTS_FORMAT) throw new Error(`${file} is not an experiment results file (written by mtcgcnn experiment)`);
  if (r.formatVersion > 1) throw new Error(`${file} has format version ${r.formatVersion}, newer than this app supports`);
  return r;
}
