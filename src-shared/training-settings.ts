/**
 * The one home of the training settings: their defaults (the MT-CGCNN paper's, Sanyal et al. 2018, on CGCNN's
 * architecture) and the range each numeric setting may take. One record like ALIGNN's TrainingConfig.
 *
 * Read by the trainer (resolveTrainOptions fills and checks options with it), the model config's architecture
 * defaults, the IPC contract (TRAIN_DEFAULTS / TRAIN_LIMITS and the train:start guard), the desktop form, the
 * CLI's `train` and `experiment` options and the experiment presets.
 *
 * No imports and no Node APIs: the renderer compiles this module through the IPC contract.
 */

export type SharingModeName = 'hard' | 'soft';
export type WeightingModeName = 'fixed' | 'uncertainty' | 'gradnorm';

export const SHARING_MODES: readonly SharingModeName[] = ['hard', 'soft'];
export const WEIGHTING_MODES: readonly WeightingModeName[] = ['fixed', 'uncertainty', 'gradnorm'];
/** Loss of the regression tasks on scaled targets (train/loss.ts); classification tasks use the logistic loss. */
export type LossKindName = 'mse' | 'l1' | 'huber';
export const LOSS_KINDS: readonly LossKindName[] = ['mse', 'l1', 'huber'];

/** Every training setting that has a default (what a run needs besides its dataset, name, tasks and weights). */
export interface TrainingConfig {
  sharing: SharingModeName;
  /** Soft sharing: L2 penalty strength between the task towers. */
  softSharingStrength: number;
  weighting: WeightingModeName;
  epochs: number;
  /** Adam learning rate (peak of the schedule). */
  learningRate: number;
  /** Decoupled (AdamW) weight decay. */
  weightDecay: number;
  /** Max crystals per batch (also capped by the edge budget). */
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
  /** Seed of the split, the initialisation and the shuffles. */
  seed: number;
  /** Shares of the whole dataset for training, validation and test (add up to 1). */
  trainRatio: number;
  valRatio: number;
  testRatio: number;
}

/** The numeric settings (those with a range in TRAIN_LIMITS). */
export type NumericTrainingSetting = Exclude<
  { [K in keyof TrainingConfig]: TrainingConfig[K] extends number ? K : never }[keyof TrainingConfig],
  undefined
>;

export interface SettingLimit {
  min: number;
  max: number;
  integer?: boolean;
  /** One sentence for the form and the CLI help. */
  help: string;
}

/** The MT-CGCNN paper's defaults. */
export const TRAIN_DEFAULTS: Readonly<TrainingConfig> = Object.freeze({
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
});

/** Range and help of every numeric setting; the IPC guard, the form, the CLI and the trainer use the same table. */
export const TRAIN_LIMITS: Readonly<Record<NumericTrainingSetting, SettingLimit>> = Object.freeze({
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
});

/**
 * Recipe settings of the command line (mtcgcnn train --loss, --warmup-epochs) and of fine-tuning (--from with
 * --trunk-lr-factor): kept apart from TrainingConfig, which is also the desktop form's and every stored run's record.
 */
export const RECIPE_DEFAULTS = Object.freeze({
  /** Regression loss: mse (the reference), l1 (what is reported: MAE), huber. */
  loss: 'mse' as LossKindName,
  /** Linear learning-rate warm-up before the cosine decay, in epochs (may be fractional). */
  warmupEpochs: 1,
  /** Fine-tuning: learning rate of the transferred trunk relative to the heads'. */
  trunkLrFactor: 1,
});

export const RECIPE_LIMITS = Object.freeze({
  warmupEpochs: { min: 0, max: 10_000, help: 'Epochs of linear learning-rate warm-up before the cosine decay (default 1).' } as SettingLimit,
  trunkLrFactor: { min: 1e-4, max: 1, help: 'Fine-tuning: the shared trunk learns at this fraction of the learning rate (1: as the heads).' } as SettingLimit,
});

/** Early-stopping patience in epochs when it is on. */
export const PATIENCE_LIMITS: Readonly<SettingLimit> = Object.freeze({
  min: 1, max: 10_000, integer: true, help: 'Stop after this many epochs without a better validation average MAE.',
});

/**
 * Data-parallel training threads (mtcgcnn train --workers K, the app's Training settings): K replicas each compute
 * the gradients of a slice of every batch. The default is machine-dependent (core/train/data-parallel.ts
 * defaultTrainingWorkers: the physical cores, at most MAX_DEFAULT_TRAINING_WORKERS, minus one for the UI).
 */
export const MAX_DEFAULT_TRAINING_WORKERS = 8;
export const WORKER_LIMITS: Readonly<SettingLimit> = Object.freeze({
  min: 1, max: 64, integer: true,
  help: 'Threads that share each batch (data-parallel, one WebAssembly instance each); 1 = one thread, as before.',
});

/**
 * Training share of the whole dataset in the reduced-data study (CLI --train-fraction, experiment fractions):
 * validation and test keep their default shares, so the training part can only shrink.
 */
export const TRAIN_FRACTION_LIMITS: Readonly<SettingLimit> = Object.freeze({
  min: 0.001, max: TRAIN_DEFAULTS.trainRatio, help: 'Share of ALL crystals used for training; validation and test stay fixed.',
});

/** Learning-rate schedule of every run: cosine decay to 1 % after one linear warm-up epoch (warmupEpochs changes it). */
export const DEFAULT_LR_SCHEDULE = Object.freeze({ kind: 'cosine', warmupEpochs: RECIPE_DEFAULTS.warmupEpochs, minFactor: 0.01 } as const);

/** Why `value` is not a valid `what` under `limit`, or null when it is. */
export function limitViolation(value: number, what: string, limit: Pick<SettingLimit, 'min' | 'max' | 'integer'>): string | null {
  if (!Number.isFinite(value)) return `${what} must be a finite number, got ${value}`;
  if (limit.integer && !Number.isInteger(value)) return `${what} must be an integer, got ${value}`;
  if (value < limit.min) return `${what} must be at least ${limit.min}, got ${value}`;
  if (value > limit.max) return `${what} must be at most ${limit.max}, got ${value}`;
  return null;
}
