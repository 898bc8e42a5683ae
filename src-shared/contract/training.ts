/** Training runs: settings (with their limits and the paper's defaults), live progress, results. */
import type { EpochRecord } from '../epoch-record';
import type { TaskKind } from '../task-kind';
import { call, displayName, folderName, IpcArgumentError, idString, list, num, oneOf, onlyKeys, record, singleKey, str, type Guard } from './guards';
import type { ProjectRun } from './projects';



// Values: the training settings' one home (src-shared/training-settings.ts), so main and renderer check the same ranges.
import {
  PATIENCE_LIMITS, SHARING_MODES, TRAIN_DEFAULTS, TRAIN_LIMITS, WEIGHTING_MODES, WORKER_LIMITS, type NumericTrainingSetting, type SharingModeName,
  type TrainingConfig, type WeightingModeName,
} from '../training-settings';
import { modelName } from './models';

export { TRAIN_DEFAULTS, TRAIN_LIMITS, WORKER_LIMITS };
export type { SharingModeName, WeightingModeName };

/**
 * Everything that defines a training run (stored in run.json; resume reuses it unchanged): the training settings
 * (src-shared/training-settings.ts, with their defaults and ranges) plus what the run is trained on.
 */
export interface TrainSettings extends TrainingConfig {
  dataset: string;
  name: string;
  /** Task names of the dataset to learn: one = single-task CGCNN, several = MT-CGCNN. */
  tasks: string[];
  /** Fixed loss weights, one per task (used when weighting is 'fixed'). */
  weights: number[];
  /**
   * Fine-tuning: the name of an installed model (models:list) whose trunk, and heads of the tasks it has, the run
   * starts from (its architecture replaces convDim, numConv, hiddenDim and headHidden). Absent or null: a random
   * initialisation (runs stored before this field existed have none).
   */
  startFrom?: string | null;
  /**
   * Data-parallel training threads (each batch cut into this many slices, one WebAssembly instance each). Absent:
   * the machine's default (app:info trainingWorkers). Results depend on it slightly (batch norm per slice).
   */
  workers?: number;
}

type NumericSetting = NumericTrainingSetting;

/** One finished epoch of one ensemble member (the trainer's record, src-shared/epoch-record.ts). */
export type EpochPoint = EpochRecord;

/** Step-level progress of a running training (in job:progress metrics and here). */
export interface TrainLive {
  member: number;
  members: number;
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Running per-task training loss of the current epoch. */
  trainLoss: number[];
  weights: number[];
  learningRate: number;
  crystalsPerSecond: number;
  etaSeconds: number;
  phase: 'featurize' | 'train';
}

export interface TaskMetrics {
  n: number;
  mae: number | null;
  rmse: number | null;
  r2: number | null;
  spearman: number | null;
  /** 'classification' for a classifier head (a probability: mae, rmse, r2, spearman null); absent for regression. */
  kind?: TaskKind;
  /**
   * Band-gap tasks: metal / non-metal classification from the predicted gap (positive = non-metal, DFT class at
   * thresholdEv). Classifier heads: ROC AUC of the probability (positive = label 1).
   */
  rocAuc?: number | null;
  thresholdEv?: number;
  /** The cut the confusion counts are at: eV on the predicted gap, or a probability (predicted 1 above it). */
  decisionThreshold?: number;
  accuracy?: number | null;
  f1?: number | null;
  confusion?: { tp: number; fp: number; tn: number; fn: number };
}

export interface RunDetail {
  run: ProjectRun;
  settings: TrainSettings;
  /** Units of the run's tasks, aligned with settings.tasks. */
  units: string[];
  history: EpochPoint[];
  /** The live job of this run in this session, if any. */
  jobId: string | null;
  /** Compute backend that ran (or runs) it. */
  backend: string | null;
  featurized?: { crystals: number; failed: number; seconds: number };
  /** Test metrics once done, per task name. */
  testMetrics: Record<string, TaskMetrics> | null;
  averageMae: number | null;
  durationSeconds: number | null;
  /** Model bundle folder once done. */
  modelDir: string | null;
}

export interface RunResults {
  runId: string;
  name: string;
  dataset: string;
  /** kind and displayName from the model bundle (absent for bundles written before task metadata). */
  tasks: { name: string; unit: string; kind?: TaskKind; displayName?: string }[];
  metrics: Record<string, TaskMetrics>;
  averageMae: number | null;
  split: { seed: number | null; train: number; val: number; test: number };
  /** Test split: crystal ids, true labels (null = missing) and predictions per task. */
  test: { ids: string[]; true: (number | null)[][]; pred: number[][] };
  /**
   * ROC curve by task name: of each band-gap task (non-metal = positive class) and of each classifier head (label 1 =
   * positive). thresholdEv: the DFT metal threshold; decisionThreshold: the cut the confusion counts are at.
   */
  roc: Record<string, { fpr: number[]; tpr: number[]; auc: number | null; thresholdEv: number; decisionThreshold?: number }>;
  backend: string;
  durationSeconds: number;
  epochsRun: number;
  bestEpoch: number | null;
  settings: TrainSettings;
}

function numberSetting(o: Record<string, unknown>, key: NumericSetting): number {
  const lim = TRAIN_LIMITS[key];
  return num(o[key], key, { min: lim.min, max: lim.max, integer: lim.integer });
}

const trainSettingsGuard: Guard<TrainSettings> = (v) => {
  const o = record(v, 'argument');
  const keys = ['dataset', 'name', 'tasks', 'sharing', 'weighting', 'weights', 'patience', ...Object.keys(TRAIN_LIMITS)];
  onlyKeys(o, [...keys, 'startFrom', 'workers'], 'argument');
  for (const k of keys) if (!(k in o)) throw new IpcArgumentError(`argument: missing field "${k}"`);
  const tasks = list(o.tasks, 'tasks', (x, w) => {
    const t = str(x, w, { maxLength: 64 });
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(t)) throw new IpcArgumentError(`${w} is not a task name`);
    return t;
  }, { min: 1, max: 64 });
  if (new Set(tasks).size !== tasks.length) throw new IpcArgumentError('tasks: a task is listed twice');
  const weights = list(o.weights, 'weights', (x, w) => num(x, w, { min: 0, max: 1000 }), { min: tasks.length, max: tasks.length });
  const weighting = oneOf(o.weighting, WEIGHTING_MODES, 'weighting');
  if (weighting === 'fixed' && !weights.some((w) => w > 0)) throw new IpcArgumentError('weights: at least one task needs a weight above 0');
  const numbers = Object.fromEntries((Object.keys(TRAIN_LIMITS) as NumericSetting[]).map((k) => [k, numberSetting(o, k)])) as Pick<TrainSettings, NumericSetting>;
  const sum = numbers.trainRatio + numbers.valRatio + numbers.testRatio;
  if (Math.abs(sum - 1) > 1e-6) throw new IpcArgumentError(`the train, validation and test shares must add up to 1 (they add up to ${sum.toFixed(3)})`);
  return {
    dataset: folderName(o.dataset, 'dataset'),
    name: displayName(o.name, 'name'),
    tasks,
    sharing: oneOf(o.sharing, SHARING_MODES, 'sharing'),
    weighting,
    weights,
    patience: o.patience === null ? null : num(o.patience, 'patience', PATIENCE_LIMITS),
    ...numbers,
    ...(o.startFrom !== undefined && o.startFrom !== null ? { startFrom: modelName(o.startFrom, 'startFrom') } : {}),
    ...(o.workers !== undefined ? { workers: num(o.workers, 'workers', WORKER_LIMITS) } : {}),
  };
};

const runIdGuard = singleKey('runId', idString);

export const trainingChannels = {
  /** Start a training run on a project dataset (featurize, then train, as a job); the run is saved in runs/<id>. */
  'train:start': call<TrainSettings, { runId: string; jobId: string }>(trainSettingsGuard),
  /** Continue an interrupted, cancelled or failed run from its last checkpoint, with its settings. */
  'train:resume': call<{ runId: string }, { jobId: string }>(runIdGuard),
  /** A run's settings, state and per-epoch history (for the live curves). */
  'train:run': call<{ runId: string }, RunDetail>(runIdGuard),
  /** Test-split metrics and predictions of a finished run. */
  'results:run': call<{ runId: string }, RunResults>(runIdGuard),
} as const;
