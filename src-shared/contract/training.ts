/** Training runs: settings (with their limits and the paper's defaults), live progress, results. */
import type { EpochRecord } from '../epoch-record';
import { call, displayName, folderName, IpcArgumentError, idString, list, num, oneOf, onlyKeys, record, singleKey, str, type Guard } from './guards';
import type { ProjectRun } from './projects';



export type SharingModeName = 'hard' | 'soft';
export type WeightingModeName = 'fixed' | 'uncertainty' | 'gradnorm';

/** Everything that defines a training run (stored in run.json; resume reuses it unchanged). */
export interface TrainSettings {
  dataset: string;
  name: string;
  /** Task names of the dataset to learn: one = single-task CGCNN, several = MT-CGCNN. */
  tasks: string[];
  sharing: SharingModeName;
  softSharingStrength: number;
  weighting: WeightingModeName;
  /** Fixed loss weights, one per task (used when weighting is 'fixed'). */
  weights: number[];
  epochs: number;
  learningRate: number;
  weightDecay: number;
  batchSize: number;
  /** Atom feature width in the convolutions (F). */
  convDim: number;
  numConv: number;
  /** Hidden width after pooling (H). */
  hiddenDim: number;
  /** Hidden layers per task head (n_hp). */
  headHidden: number;
  /** Early stopping after this many epochs without a better validation MAE; null = off. */
  patience: number | null;
  /** Ensemble members (1 = a single model). */
  members: number;
  seed: number;
  trainRatio: number;
  valRatio: number;
  testRatio: number;
}

type NumericSetting = Exclude<{ [K in keyof TrainSettings]: TrainSettings[K] extends number ? K : never }[keyof TrainSettings], undefined>;

/** Range, step and help of every numeric setting; the guard and the form use the same table. */
export const TRAIN_LIMITS: Record<NumericSetting, { min: number; max: number; integer?: boolean; help: string }> = {
  softSharingStrength: { min: 0, max: 10, help: 'L2 penalty tying the task towers together (soft sharing).' },
  epochs: { min: 1, max: 10_000, integer: true, help: 'Passes over the training split (MT-CGCNN paper: 30).' },
  learningRate: { min: 1e-6, max: 1, help: 'Adam step size (paper: 0.003); cosine decay after one warm-up epoch.' },
  weightDecay: { min: 0, max: 1, help: 'Decoupled (AdamW) weight decay (paper: 0).' },
  batchSize: { min: 1, max: 4096, integer: true, help: 'Crystals per batch (paper: 128); also capped by memory.' },
  convDim: { min: 4, max: 512, integer: true, help: 'Atom feature width F in the convolutions (paper: 64).' },
  numConv: { min: 1, max: 10, integer: true, help: 'Graph convolution layers (paper: 3).' },
  hiddenDim: { min: 4, max: 2048, integer: true, help: 'Hidden width H after pooling (paper: 128).' },
  headHidden: { min: 0, max: 6, integer: true, help: 'Hidden layers in each task head (paper n_hp: 1).' },
  members: { min: 1, max: 20, integer: true, help: 'Models in the ensemble; more than one gives an uncertainty per prediction.' },
  seed: { min: 0, max: 2_147_483_647, integer: true, help: 'Seed of the split, the initialisation and the shuffles.' },
  trainRatio: { min: 0.05, max: 0.95, help: 'Share of the crystals used for training (paper: 0.6).' },
  valRatio: { min: 0.025, max: 0.5, help: 'Share for validation: model selection and early stopping (paper: 0.2).' },
  testRatio: { min: 0.025, max: 0.5, help: 'Share held out for the test metrics (paper: 0.2).' },
};

/** The MT-CGCNN paper's defaults (Sanyal et al. 2018, on CGCNN's architecture). */
export const TRAIN_DEFAULTS: Omit<TrainSettings, 'dataset' | 'name' | 'tasks' | 'weights'> = {
  sharing: 'hard',
  softSharingStrength: 0.001,
  weighting: 'fixed',
  epochs: 30,
  learningRate: 0.003,
  weightDecay: 0,
  batchSize: 128,
  convDim: 64,
  numConv: 3,
  hiddenDim: 128,
  headHidden: 1,
  patience: null,
  members: 1,
  seed: 0,
  trainRatio: 0.6,
  valRatio: 0.2,
  testRatio: 0.2,
};

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
  /** Band-gap tasks: metal / non-metal classification from the predicted gap. */
  rocAuc?: number | null;
  thresholdEv?: number;
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
  tasks: { name: string; unit: string }[];
  metrics: Record<string, TaskMetrics>;
  averageMae: number | null;
  split: { seed: number | null; train: number; val: number; test: number };
  /** Test split: crystal ids, true labels (null = missing) and predictions per task. */
  test: { ids: string[]; true: (number | null)[][]; pred: number[][] };
  /** ROC curve of each band-gap task (non-metal = positive class), by task name. */
  roc: Record<string, { fpr: number[]; tpr: number[]; auc: number | null; thresholdEv: number }>;
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
  onlyKeys(o, keys, 'argument');
  for (const k of keys) if (!(k in o)) throw new IpcArgumentError(`argument: missing field "${k}"`);
  const tasks = list(o.tasks, 'tasks', (x, w) => {
    const t = str(x, w, { maxLength: 64 });
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(t)) throw new IpcArgumentError(`${w} is not a task name`);
    return t;
  }, { min: 1, max: 64 });
  if (new Set(tasks).size !== tasks.length) throw new IpcArgumentError('tasks: a task is listed twice');
  const weights = list(o.weights, 'weights', (x, w) => num(x, w, { min: 0, max: 1000 }), { min: tasks.length, max: tasks.length });
  const weighting = oneOf(o.weighting, ['fixed', 'uncertainty', 'gradnorm'] as const, 'weighting');
  if (weighting === 'fixed' && !weights.some((w) => w > 0)) throw new IpcArgumentError('weights: at least one task needs a weight above 0');
  const numbers = Object.fromEntries((Object.keys(TRAIN_LIMITS) as NumericSetting[]).map((k) => [k, numberSetting(o, k)])) as Pick<TrainSettings, NumericSetting>;
  const sum = numbers.trainRatio + numbers.valRatio + numbers.testRatio;
  if (Math.abs(sum - 1) > 1e-6) throw new IpcArgumentError(`the train, validation and test shares must add up to 1 (they add up to ${sum.toFixed(3)})`);
  return {
    dataset: folderName(o.dataset, 'dataset'),
    name: displayName(o.name, 'name'),
    tasks,
    sharing: oneOf(o.sharing, ['hard', 'soft'] as const, 'sharing'),
    weighting,
    weights,
    patience: o.patience === null ? null : num(o.patience, 'patience', { min: 1, max: 10_000, integer: true }),
    ...numbers,
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
