/**
 * Deterministic, seeded data splits (CGCNN style: shuffle once, then contiguous parts).
 */
import { createRng, shuffleInPlace } from '../seeded-random';
import { TRAIN_DEFAULTS } from '../../../src-shared/training-settings';

export interface SplitOptions {
  readonly seed: number;
  /** Default TRAIN_DEFAULTS' (0.6/0.2/0.2). train + val + test ratios must sum to 1; the train size is what is left. */
  readonly trainRatio?: number;
  /** Default 0.2. */
  readonly valRatio?: number;
  /** Default 0.2. */
  readonly testRatio?: number;
  /**
   * Use only round(n * trainFraction) training crystals (a fraction of the WHOLE data set, the
   * reduced-data study), taken as a prefix of the shuffled training part. Val and test are
   * unchanged. Must be in (0, trainRatio].
   */
  readonly trainFraction?: number;
}

export interface SplitIndices {
  readonly train: Int32Array;
  readonly val: Int32Array;
  readonly test: Int32Array;
}

/**
 * Shuffles 0..n-1 once with `seed`, then takes [train | val | test] as contiguous parts.
 * val = round(n * valRatio), test = round(n * testRatio) (clamped so val + test <= n),
 * train = the rest, so no crystal is dropped (unless trainFraction asks for fewer).
 */
export function splitIndices(n: number, options: SplitOptions): SplitIndices {
  const { seed, trainRatio = TRAIN_DEFAULTS.trainRatio, valRatio = TRAIN_DEFAULTS.valRatio, testRatio = TRAIN_DEFAULTS.testRatio, trainFraction } = options;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  for (const [name, r] of [['trainRatio', trainRatio], ['valRatio', valRatio], ['testRatio', testRatio]] as const) {
    if (!Number.isFinite(r) || r < 0 || r > 1) throw new RangeError(`${name} must be in [0, 1], got ${r}`);
  }
  if (Math.abs(trainRatio + valRatio + testRatio - 1) > 1e-9) {
    throw new RangeError(`trainRatio + valRatio + testRatio must be 1, got ${trainRatio + valRatio + testRatio}`);
  }
  const nVal = Math.min(Math.round(n * valRatio), n);
  const nTest = Math.min(Math.round(n * testRatio), n - nVal);
  const nTrainFull = n - nVal - nTest;
  let nTrain = nTrainFull;
  if (trainFraction !== undefined) {
    if (!Number.isFinite(trainFraction) || trainFraction <= 0 || trainFraction > trainRatio + 1e-9) {
      throw new RangeError(`trainFraction must be in (0, trainRatio=${trainRatio}], got ${trainFraction}`);
    }
    nTrain = Math.min(Math.round(n * trainFraction), nTrainFull);
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  shuffleInPlace(perm, createRng(seed));
  return {
    train: perm.slice(0, nTrain),
    val: perm.slice(nTrainFull, nTrainFull + nVal),
    test: perm.slice(nTrainFull + nVal),
  };
}

/** k seeds for repeated runs: baseSeed, baseSeed + 1, ..., baseSeed + k - 1. */
export function repeatSeeds(baseSeed: number, k: number): number[] {
  if (!Number.isSafeInteger(baseSeed)) throw new RangeError(`baseSeed must be a safe integer, got ${baseSeed}`);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  if (!Number.isSafeInteger(baseSeed + k)) throw new RangeError('baseSeed + k exceeds the safe integer range');
  return Array.from({ length: k }, (_, i) => baseSeed + i);
}
