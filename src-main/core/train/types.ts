/**
 * Public types of the training API: trainModel(options, data, callbacks) -> TrainResult.
 */
import type { CrystalGraph, GraphSettings } from '../graph/crystal-graph';
import type { MetricsJson } from '../metrics/summary';
import type { TargetNormalizerJson } from '../metrics/normalizer';
import type { ModelConfig, ModelTaskSpec } from '../model/config';
import type { TensorRecord } from '../model/params';
import type { ComputePath } from '../model/inference';
import type { BackendInfo } from '../compute/backend';
import type { LossWeightingSpec, LossWeightingState, RegressionLoss } from './loss';
import type { TransferOptions } from './transfer';
import type { LrSchedule } from './schedule';
import type { EpochRecord } from '../../../src-shared/epoch-record';

/** The element feature table (ElementFeatureTable satisfies this). */
export interface ElementTableLike {
  /** Features per element (CGCNN: 92). */
  readonly dimension: number;
  /** Row-major [rows (119: Z = 0..118), dimension]. */
  matrix(): Float32Array;
}

export interface TrainingData {
  readonly graphs: readonly CrystalGraph[];
  /** One column per task, original units, NaN = missing label. */
  readonly targets: readonly ArrayLike<number>[];
  readonly tasks: readonly ModelTaskSpec[];
  readonly elementTable: ElementTableLike;
  readonly graphSettings: GraphSettings;
  readonly datasetName?: string;
  /** Content hash of the dataset (recorded in the training card). */
  readonly datasetHash?: string;
}

export type SplitSpec =
  | { seed: number; trainRatio?: number; valRatio?: number; testRatio?: number; trainFraction?: number }
  | { train: ArrayLike<number>; val: ArrayLike<number>; test: ArrayLike<number> };

export interface TrainOptions {
  /** Architecture overrides (defaults: F=64, 3 convs, H=128, 1 head hidden layer, hard sharing). */
  model?: Partial<Omit<ModelConfig, 'tasks' | 'atomFeatureDim' | 'bondFeatureDim'>>;
  /** Default 30. */
  epochs?: number;
  /** Adam learning rate (default 0.003). */
  learningRate?: number;
  /** Decoupled (AdamW) weight decay (default 0). */
  weightDecay?: number;
  /** Default cosine with 1 warm-up epoch. */
  lrSchedule?: LrSchedule;
  /** Warm-up epochs of the cosine schedule (overrides lrSchedule's; default 1). */
  warmupEpochs?: number;
  /** Loss of the regression tasks on normalised targets (default 'mse', the reference's); classification tasks
   *  always use the logistic loss. */
  loss?: RegressionLoss;
  /** Start from a trained model (transfer learning, transfer.ts). */
  transfer?: TransferOptions;
  /** Max crystals per batch (default 128). */
  batchSize?: number;
  /** Max edges (sum of atoms x neighbours) per training batch (default from the 4 GB wasm heap). */
  edgeBudget?: number;
  /** Early-stopping patience in epochs on the validation average MAE (default: off). */
  patience?: number;
  /** Seed for initialisation and shuffles (default 0). */
  seed?: number;
  /** Split (default: seeded 60/20/20 with `seed`). */
  split?: SplitSpec;
  /** Default fixed equal weights (the reference's mean over tasks). */
  lossWeighting?: LossWeightingSpec;
  /** Ensemble size (default 1); member k uses seed + 1000 k for its initialisation and shuffles. */
  members?: number;
  /**
   * Training threads K (default 1). An ensemble first trains up to K members at once, each in its own thread
   * (results identical to one after the other); the threads left per member cut every batch into slices whose
   * gradients replicas compute at once (data-parallel.ts). Needs the bundled workers (out/main/train-worker.js,
   * gradient-worker.js) or `workerScripts`; without them training runs on one thread and says so.
   */
  workers?: number;
  /** Worker scripts (default: the bundled ones next to this module); tests bundle their own. */
  workerScripts?: { gradient?: string; member?: string };
  /** Internal (concurrent ensemble members): train only this member and skip the ensemble evaluation. */
  onlyMember?: number;
  /** Checkpoint file; written atomically after every epoch. Members > 1 append `.m{k}`. */
  checkpointPath?: string;
  /** Resume from checkpointPath if it exists (default true when checkpointPath is set). */
  resume?: boolean;
  /** Compute path (default auto: fused kernels on wasm/cpu, plain tfjs ops elsewhere). */
  path?: ComputePath;
  /** Cancellation. */
  signal?: AbortSignal;
  /** Stop after this many epochs of this call (testing resume); the checkpoint stays resumable. */
  stopAfterEpochs?: number;
}

export type { EpochRecord } from '../../../src-shared/epoch-record';

export interface TrainProgress {
  member: number;
  members: number;
  /** 1-based epoch. */
  epoch: number;
  epochs: number;
  /** 1-based step within the epoch (= stepsPerEpoch at epoch end). */
  step: number;
  stepsPerEpoch: number;
  phase: 'train' | 'epoch-end';
  /** Running mean of the epoch's per-task training loss (normalised MSE), by task name. */
  perTaskTrainLoss: Record<string, number>;
  /** Validation MAE per task in original units (epoch-end only). */
  valMae?: Record<string, number | null>;
  valAverageMae?: number | null;
  bestValAverageMae?: number | null;
  elapsedSeconds: number;
  etaSeconds: number;
  /** Task weights by task name. */
  weights: Record<string, number>;
  learningRate: number;
  crystalsPerSecond: number;
}

export interface TrainCallbacks {
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (r: EpochRecord) => void;
  onLog?: (msg: string) => void;
}

export interface TrainedMember {
  seed: number;
  /** Best-validation parameters (trainable + BN state). */
  params: TensorRecord[];
  bestEpoch: number;
  bestValAverageMae: number | null;
  epochsRun: number;
  stoppedEarly: boolean;
  history: EpochRecord[];
  lossWeighting: LossWeightingState;
}

export interface TrainResult {
  config: ModelConfig;
  normalizers: TargetNormalizerJson[];
  split: { train: Int32Array; val: Int32Array; test: Int32Array; seed: number | null };
  members: TrainedMember[];
  /** Test metrics of the (ensemble mean) best model at the decision thresholds; null when the test split is empty. */
  testMetrics: MetricsJson | null;
  /**
   * Decision thresholds chosen on the validation split, by task name: classification tasks on the probability,
   * band-gap tasks on the predicted gap (eV) for the metal / non-metal call. Empty without a validation split.
   */
  decisionThresholds: Record<string, number>;
  /** Test predictions (original units; ensemble mean) per task, aligned with split.test. */
  testPredictions: Float64Array[];
  validationMetrics: MetricsJson | null;
  backend: BackendInfo;
  path: 'fused' | 'reference';
  durationSeconds: number;
  trainOptions: ResolvedTrainOptions;
  startedAt: string;
  finishedAt: string;
}

export interface ResolvedTrainOptions {
  epochs: number;
  learningRate: number;
  weightDecay: number;
  lrSchedule: LrSchedule;
  batchSize: number;
  edgeBudget: number;
  patience: number | null;
  seed: number;
  members: number;
  /** Data-parallel training threads (data-parallel.ts); 1 = the one-thread path. */
  workers: number;
  lossWeighting: LossWeightingSpec;
  loss: RegressionLoss;
  /** Transfer learning settings, null for a run from a random initialisation. */
  transfer: { from: string; freezeConvs: boolean; trunkLrFactor: number } | null;
}
