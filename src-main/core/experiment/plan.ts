/**
 * The MT-CGCNN paper's protocol (Sanyal et al. 2018) as a list of training jobs.
 *
 * - Single-task baselines S1..Sk (one CGCNN per property) and the task combinations E1..Em (every subset of
 *   two or more properties; for 3 properties E1 = 1+2, E2 = 1+3, E3 = 2+3, E4 = all), each trained on
 *   `repeats` random 60/20/20 splits with the seeds repeatSeeds(baseSeed, repeats).
 * - The reduced-training-data study: the all-task model and the single-task baselines trained on a fraction
 *   of the WHOLE dataset (0.2 .. 0.6) with the validation and test parts of the same seed's split unchanged.
 *   Fraction 0.6 is the full training part, i.e. exactly the combination job of the same model and seed, so it
 *   is not trained twice (and is always part of the study when any fraction is asked for).
 *
 * Jobs are run repeat-major (all combinations of repeat 0, then of repeat 1, ...) so that an experiment stopped
 * early already holds complete repeats; the fraction study follows.
 */
import { createHash } from 'node:crypto';
import { repeatSeeds } from '../metrics/split';
import { TRAIN_DEFAULTS } from '../../../src-shared/training-settings';

/** The training split of the paper's 60/20/20 protocol (fraction of the whole dataset; src-shared/training-settings.ts). */
export const FULL_TRAIN_FRACTION = TRAIN_DEFAULTS.trainRatio;
export const VAL_FRACTION = TRAIN_DEFAULTS.valRatio;
export const TEST_FRACTION = TRAIN_DEFAULTS.testRatio;

/** Above this many subsets of size >= 2 (i.e. more than 4 properties) only pairs and the all-task model are run. */
export const MAX_ALL_SUBSETS = 11;
/** More properties than this need --tasks (pairs alone would be 36+ models per repeat). */
export const MAX_TASKS = 8;

export interface ExperimentTask {
  readonly name: string;
  readonly unit: string;
}

export interface ExperimentModelSettings {
  /** Atom feature width in the convolutions. */
  readonly convDim: number;
  readonly numConv: number;
  readonly hiddenDim: number;
  readonly headHidden: number;
  readonly sharing: 'hard' | 'soft';
}

export interface ExperimentTrainSettings {
  readonly epochs: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly batchSize: number;
  readonly weighting: 'fixed' | 'uncertainty' | 'gradnorm';
  readonly model: ExperimentModelSettings;
}

export interface ExperimentSettings {
  /** Name of the preset the settings started from ("paper", "tiny"). */
  readonly preset: string;
  /** The properties studied, in dataset column order. */
  readonly tasks: readonly ExperimentTask[];
  readonly repeats: number;
  readonly baseSeed: number;
  /** Training fractions of the whole dataset for the reduced-data study, ascending; [] = no study. */
  readonly fractions: readonly number[];
  readonly train: ExperimentTrainSettings;
}

export interface ExperimentPreset {
  readonly name: string;
  readonly description: string;
  readonly repeats: number;
  readonly fractions: readonly number[];
  readonly train: ExperimentTrainSettings;
}

/** The paper's training settings (src-shared/training-settings.ts) with the network `model`. */
function paperTraining(epochs: number, model: Pick<ExperimentModelSettings, 'convDim' | 'numConv' | 'hiddenDim'>): ExperimentTrainSettings {
  const d = TRAIN_DEFAULTS;
  return {
    epochs,
    learningRate: d.learningRate,
    weightDecay: d.weightDecay,
    batchSize: d.batchSize,
    weighting: d.weighting,
    model: { convDim: model.convDim, numConv: model.numConv, hiddenDim: model.hiddenDim, headHidden: d.headHidden, sharing: d.sharing },
  };
}

export const PRESETS: Readonly<Record<string, ExperimentPreset>> = {
  paper: {
    name: 'paper',
    description: 'MT-CGCNN paper protocol: 5 repeats, 30 epochs, CGCNN default network (64 atom features, 3 convolutions, hidden 128)',
    repeats: 5,
    fractions: [0.2, 0.3, 0.4, 0.5, 0.6],
    train: paperTraining(TRAIN_DEFAULTS.epochs, TRAIN_DEFAULTS),
  },
  tiny: {
    name: 'tiny',
    description: 'smoke test: 2 repeats, 2 epochs, a small network (16 atom features, 1 convolution, hidden 32)',
    repeats: 2,
    fractions: [0.3, 0.6],
    train: paperTraining(2, { convDim: 16, numConv: 1, hiddenDim: 32 }),
  },
};

export interface Combination {
  /** "S1".."Sk" for single-task baselines (task index, 1-based), "E1".."Em" for the combinations. */
  readonly label: string;
  /** Task names in dataset column order. */
  readonly tasks: readonly string[];
}

export type JobStudy = 'combination' | 'fraction';

export interface JobSpec {
  /** File-name-safe unique key: "S1-r0", "E4-r2", "F0.2-E4-r0". */
  readonly key: string;
  readonly study: JobStudy;
  /** Combination label (S1, E2, ...). */
  readonly combination: string;
  readonly tasks: readonly string[];
  /** 0-based repeat index. */
  readonly repeat: number;
  /** Split, initialisation and shuffle seed. */
  readonly seed: number;
  /** Training crystals as a fraction of the whole dataset (0.6 = the full training part). */
  readonly trainFraction: number;
}

/** One point of the reduced-data study: which job holds the model for (series, fraction, repeat). */
export interface FractionPointRef {
  readonly series: 'multi' | 'single';
  readonly combination: string;
  readonly fraction: number;
  readonly repeat: number;
  readonly jobKey: string;
}

export interface ExperimentPlan {
  readonly settings: ExperimentSettings;
  /** Single-task baselines first (S1..Sk), then E1..Em. */
  readonly combinations: readonly Combination[];
  /** Label of the all-task combination (the MT model of the fraction study). */
  readonly allTasksLabel: string;
  /** True when only pairs and the all-task model are run (more than 4 properties). */
  readonly cappedCombinations: boolean;
  /** Unique jobs in run order. */
  readonly jobs: readonly JobSpec[];
  readonly fractionPoints: readonly FractionPointRef[];
}

/** "0.2", "0.35": the fraction as it appears in keys and tables (at most 4 decimals). */
export function fractionText(f: number): string {
  return String(Number(f.toFixed(4)));
}

function isFullTraining(f: number): boolean {
  return Math.abs(f - FULL_TRAIN_FRACTION) < 1e-9;
}

/**
 * Subsets of two or more task indices: all of them when there are at most MAX_ALL_SUBSETS (up to 4 tasks),
 * otherwise the pairs and the full set. Ordered by size, then lexicographically by task index.
 */
export function multiTaskSubsets(k: number): { subsets: number[][]; capped: boolean } {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`the experiment needs at least 2 properties, got ${k}`);
  if (k > MAX_TASKS) throw new RangeError(`the experiment handles at most ${MAX_TASKS} properties, got ${k}; choose some with --tasks`);
  const total = 2 ** k - k - 1;
  const out: number[][] = [];
  const capped = total > MAX_ALL_SUBSETS;
  const sizes = capped ? [2, k] : Array.from({ length: k - 1 }, (_, i) => i + 2);
  for (const size of sizes) {
    const rec = (start: number, acc: number[]): void => {
      if (acc.length === size) {
        out.push(acc.slice());
        return;
      }
      for (let i = start; i < k; i++) {
        acc.push(i);
        rec(i + 1, acc);
        acc.pop();
      }
    };
    rec(0, []);
  }
  return { subsets: out, capped };
}

/** Checks and normalises the fractions: each in (0, 0.6], ascending, duplicates removed. */
export function normalizeFractions(fractions: readonly number[]): number[] {
  const out: number[] = [];
  for (const f of fractions) {
    if (!Number.isFinite(f) || f <= 0 || f > FULL_TRAIN_FRACTION + 1e-9) {
      throw new RangeError(`training fractions must be in (0, ${FULL_TRAIN_FRACTION}] (a fraction of the whole dataset; validation and test take 0.2 each), got ${f}`);
    }
    const v = isFullTraining(f) ? FULL_TRAIN_FRACTION : Number(f.toFixed(4));
    if (!out.includes(v)) out.push(v);
  }
  return out.sort((a, b) => a - b);
}

export function validateSettings(s: ExperimentSettings): void {
  if (s.tasks.length < 2) throw new RangeError(`the experiment needs at least 2 properties, got ${s.tasks.length}`);
  const names = s.tasks.map((t) => t.name);
  if (new Set(names).size !== names.length) throw new RangeError(`a property is listed twice: ${names.join(', ')}`);
  if (!Number.isInteger(s.repeats) || s.repeats < 1) throw new RangeError(`repeats must be a positive integer, got ${s.repeats}`);
  if (!Number.isSafeInteger(s.baseSeed) || s.baseSeed < 0) throw new RangeError(`the seed must be a non-negative integer, got ${s.baseSeed}`);
  if (!Number.isInteger(s.train.epochs) || s.train.epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${s.train.epochs}`);
  normalizeFractions(s.fractions);
}

export function planExperiment(settings: ExperimentSettings): ExperimentPlan {
  validateSettings(settings);
  // The full training part (0.6) anchors the learning curves and costs nothing (it is the first study's model).
  const fractions = normalizeFractions(settings.fractions);
  if (fractions.length && !fractions.includes(FULL_TRAIN_FRACTION)) fractions.push(FULL_TRAIN_FRACTION);
  const s: ExperimentSettings = { ...settings, fractions };
  const names = s.tasks.map((t) => t.name);
  const { subsets, capped } = multiTaskSubsets(names.length);
  const combinations: Combination[] = [
    ...names.map((n, i) => ({ label: `S${i + 1}`, tasks: [n] })),
    ...subsets.map((idx, j) => ({ label: `E${j + 1}`, tasks: idx.map((i) => names[i]) })),
  ];
  const all = combinations[combinations.length - 1];
  const seeds = repeatSeeds(s.baseSeed, s.repeats);
  const jobs: JobSpec[] = [];
  seeds.forEach((seed, r) => {
    for (const c of combinations) {
      jobs.push({ key: `${c.label}-r${r}`, study: 'combination', combination: c.label, tasks: c.tasks, repeat: r, seed, trainFraction: FULL_TRAIN_FRACTION });
    }
  });
  const fractionPoints: FractionPointRef[] = [];
  const studied = [all, ...combinations.filter((c) => c.tasks.length === 1)];
  for (const f of s.fractions) {
    seeds.forEach((seed, r) => {
      for (const c of studied) {
        const series = c.tasks.length > 1 ? 'multi' : 'single';
        if (isFullTraining(f)) {
          fractionPoints.push({ series, combination: c.label, fraction: f, repeat: r, jobKey: `${c.label}-r${r}` });
          continue;
        }
        const key = `F${fractionText(f)}-${c.label}-r${r}`;
        jobs.push({ key, study: 'fraction', combination: c.label, tasks: c.tasks, repeat: r, seed, trainFraction: f });
        fractionPoints.push({ series, combination: c.label, fraction: f, repeat: r, jobKey: key });
      }
    });
  }
  return { settings: s, combinations, allTasksLabel: all.label, cappedCombinations: capped, jobs, fractionPoints };
}

/**
 * Everything that determines a job's result: a finished job file is reused only when its spec matches.
 * The dataset is identified by its content hash (graphs and labels).
 */
export interface JobFingerprint {
  readonly tasks: readonly string[];
  readonly seed: number;
  readonly trainFraction: number;
  readonly train: ExperimentTrainSettings;
  readonly datasetHash: string;
}

export function jobFingerprint(job: JobSpec, settings: ExperimentSettings, datasetHash: string): JobFingerprint {
  return { tasks: [...job.tasks], seed: job.seed, trainFraction: job.trainFraction, train: settings.train, datasetHash };
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function fingerprintHash(fp: JobFingerprint): string {
  return createHash('sha256').update(stableStringify(fp)).digest('hex').slice(0, 16);
}

/** Human-readable list of what differs between two fingerprints ("epochs 2 -> 30", "dataset changed"). */
export function describeFingerprintDifference(a: JobFingerprint, b: JobFingerprint): string {
  const diffs: string[] = [];
  if (a.datasetHash !== b.datasetHash) diffs.push('the dataset changed');
  if (a.tasks.join(',') !== b.tasks.join(',')) diffs.push(`tasks ${a.tasks.join('+')} -> ${b.tasks.join('+')}`);
  if (a.seed !== b.seed) diffs.push(`seed ${a.seed} -> ${b.seed}`);
  if (a.trainFraction !== b.trainFraction) diffs.push(`training fraction ${a.trainFraction} -> ${b.trainFraction}`);
  const ta = a.train as unknown as Record<string, unknown>;
  const tb = b.train as unknown as Record<string, unknown>;
  for (const k of Object.keys({ ...ta, ...tb })) {
    if (k === 'model') continue;
    if (stableStringify(ta[k]) !== stableStringify(tb[k])) diffs.push(`${k} ${String(ta[k])} -> ${String(tb[k])}`);
  }
  const ma = (a.train?.model ?? {}) as unknown as Record<string, unknown>;
  const mb = (b.train?.model ?? {}) as unknown as Record<string, unknown>;
  for (const k of Object.keys({ ...ma, ...mb })) {
    if (stableStringify(ma[k]) !== stableStringify(mb[k])) diffs.push(`${k} ${String(ma[k])} -> ${String(mb[k])}`);
  }
  return diffs.length ? diffs.join(', ') : 'settings differ';
}

/** Sizes of the parts of the seeded split (same rounding as splitIndices). */
export function splitSizes(n: number, trainFraction: number): { train: number; val: number; test: number } {
  const val = Math.min(Math.round(n * VAL_FRACTION), n);
  const test = Math.min(Math.round(n * TEST_FRACTION), n - val);
  const full = n - val - test;
  const train = isFullTraining(trainFraction) ? full : Math.min(Math.round(n * trainFraction), full);
  return { train, val, test };
}

/**
 * Relative cost of a job for ETAs, in "crystal passes": each epoch trains on the training part (a backward
 * pass costs about twice a forward pass) and evaluates the validation part; the test part is predicted once.
 */
export function jobCost(job: Pick<JobSpec, 'trainFraction'>, n: number, epochs: number): number {
  const s = splitSizes(n, job.trainFraction);
  return epochs * (3 * s.train + s.val) + s.test;
}

/**
 * Seconds left: the remaining cost at the rate (seconds per cost unit) measured on the jobs finished so far.
 * undefined before any job has finished.
 */
export function estimateRemainingSeconds(doneCost: number, doneSeconds: number, remainingCost: number): number | undefined {
  if (!(doneCost > 0) || !(doneSeconds >= 0)) return undefined;
  return (remainingCost * doneSeconds) / doneCost;
}

/** Short description of a job for progress lines: "E1 r0 (seed 0, 60 % of the training part)". */
export function describeJob(job: JobSpec): string {
  const frac = job.study === 'fraction' ? `, training fraction ${fractionText(job.trainFraction)}` : '';
  return `${job.combination} r${job.repeat} (${job.tasks.join(' + ')}; seed ${job.seed}${frac})`;
}
