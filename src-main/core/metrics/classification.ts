/**
 * Binary classification metrics, and metal / non-metal classification derived from band-gap regression.
 *
 * Convention for a regressed gap (as in the MT-CGCNN paper, sec. 4.5): the POSITIVE class is "non-metal", i.e. a
 * crystal whose TRUE band gap is strictly greater than the label threshold, kT at 300 K = 0.025 eV. The predicted
 * band gap is the classifier score; the DECISION threshold on it (predicted non-metal when gap > it) defaults to
 * the same 0.025 eV but is better chosen on the validation split (chooseThreshold): a regressed gap is biased
 * upwards near 0, and the fixed cut calls about half of the metals non-metals.
 */

/** kT at 300 K in eV (8.617e-5 eV/K * 300 K ≈ 0.0259, conventionally rounded to 0.025). */
export const METAL_THRESHOLD_EV = 0.025;

export interface RocCurve {
  /** False-positive rate at each threshold, starting at 0. */
  readonly fpr: number[];
  /** True-positive rate at each threshold, starting at 0. */
  readonly tpr: number[];
  /** Decreasing score thresholds; the first is +Infinity (nothing predicted positive). */
  readonly thresholds: number[];
}

export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export interface MetalNonMetalMetrics {
  /** Label threshold: a true gap above it is a non-metal. */
  readonly thresholdEv: number;
  /** Decision threshold on the predicted gap. */
  readonly decisionThresholdEv: number;
  /** F1 of the positive class (non-metal) at the decision threshold; NaN when undefined. */
  readonly f1: number;
  /** NaN when the labelled set contains only one class. */
  readonly rocAuc: number;
  readonly roc: RocCurve;
  readonly confusion: Confusion;
  /** (tp + tn) / n; NaN when n = 0. */
  readonly accuracy: number;
}

/** True when the gap makes the crystal a non-metal (the positive class). */
export function isNonMetal(gapEv: number, thresholdEv: number = METAL_THRESHOLD_EV): boolean {
  return gapEv > thresholdEv;
}

function checkScores(labels: readonly boolean[], scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) {
    throw new RangeError(`labels has ${labels.length} entries but scores has ${scores.length}`);
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`score at index ${i} is NaN`);
  }
}

/**
 * Exact ROC curve, one point per distinct score (like sklearn's roc_curve with
 * drop_intermediate=false): a sample is predicted positive when score >= threshold.
 * If there are no positives (negatives) the tpr (fpr) entries are NaN.
 */
export function rocCurve(labels: readonly boolean[], scores: ArrayLike<number>): RocCurve {
  checkScores(labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let P = 0;
  for (const l of labels) if (l) P++;
  const N = n - P;
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  const thresholds: number[] = [Infinity];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < n) {
    const s = scores[order[i]];
    while (i < n && scores[order[i]] === s) {
      if (labels[order[i]]) tp++;
      else fp++;
      i++;
    }
    thresholds.push(s);
    tpr.push(P > 0 ? tp / P : NaN);
    fpr.push(N > 0 ? fp / N : NaN);
  }
  if (P === 0) tpr[0] = NaN;
  if (N === 0) fpr[0] = NaN;
  return { fpr, tpr, thresholds };
}

/** Area under a ROC curve by the trapezoid rule. */
export function aucFromCurve(curve: RocCurve): number {
  const { fpr, tpr } = curve;
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return area;
}

/**
 * ROC AUC (trapezoid over the exact curve). Equals the Mann-Whitney probability that a random
 * positive scores above a random negative, ties counting 1/2. NaN if only one class is present.
 */
export function rocAuc(labels: readonly boolean[], scores: ArrayLike<number>): number {
  const curve = rocCurve(labels, scores);
  if (labels.length === 0 || !labels.includes(true) || !labels.includes(false)) return NaN;
  return aucFromCurve(curve);
}

export function confusion(labels: readonly boolean[], predictedLabels: readonly boolean[]): Confusion {
  if (labels.length !== predictedLabels.length) {
    throw new RangeError(`labels has ${labels.length} entries but predictedLabels has ${predictedLabels.length}`);
  }
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    if (predictedLabels[i]) {
      if (labels[i]) tp++;
      else fp++;
    } else if (labels[i]) fn++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

/**
 * Metal/non-metal metrics from true and predicted band gaps (eV). Crystals whose true gap is
 * NaN (missing label) are skipped; a NaN prediction for a labelled crystal throws.
 */
export function metalNonMetalMetrics(
  trueGapEv: ArrayLike<number>,
  predictedGapEv: ArrayLike<number>,
  thresholdEv: number = METAL_THRESHOLD_EV,
  decisionThresholdEv: number = thresholdEv,
): MetalNonMetalMetrics {
  if (trueGapEv.length !== predictedGapEv.length) {
    throw new RangeError(`trueGapEv has ${trueGapEv.length} values but predictedGapEv has ${predictedGapEv.length}`);
  }
  if (!Number.isFinite(thresholdEv)) throw new RangeError(`thresholdEv must be finite, got ${thresholdEv}`);
  if (!Number.isFinite(decisionThresholdEv)) throw new RangeError(`decisionThresholdEv must be finite, got ${decisionThresholdEv}`);
  const labels: boolean[] = [];
  const predicted: boolean[] = [];
  const scores: number[] = [];
  for (let i = 0; i < trueGapEv.length; i++) {
    const t = trueGapEv[i];
    if (Number.isNaN(t)) continue;
    const p = predictedGapEv[i];
    if (Number.isNaN(p)) throw new RangeError(`predicted gap at index ${i} is NaN`);
    labels.push(isNonMetal(t, thresholdEv));
    predicted.push(isNonMetal(p, decisionThresholdEv));
    scores.push(p);
  }
  const conf = confusion(labels, predicted);
  const n = labels.length;
  return {
    thresholdEv,
    decisionThresholdEv,
    rocAuc: rocAuc(labels, scores),
    roc: rocCurve(labels, scores),
    confusion: conf,
    accuracy: n > 0 ? (conf.tp + conf.tn) / n : NaN,
    f1: f1Score(conf),
  };
}

/** F1 of the positive class, 2 tp / (2 tp + fp + fn); NaN when there is no positive, true or predicted. */
export function f1Score(c: Confusion): number {
  const d = 2 * c.tp + c.fp + c.fn;
  return d > 0 ? (2 * c.tp) / d : NaN;
}

/**
 * The decision threshold with the best accuracy when `score > threshold` is called positive: the midpoint between
 * two consecutive distinct scores (or just below the lowest / at the highest score). Ties in accuracy go to the
 * threshold closest to `preferred` (the conventional cut), so a perfectly separating score keeps a natural value.
 * Returns `preferred` when there are no labelled samples or only one class.
 */
export function chooseThreshold(labels: readonly boolean[], scores: ArrayLike<number>, preferred: number): number {
  checkScores(labels, scores);
  const n = labels.length;
  if (n === 0 || !labels.includes(true) || !labels.includes(false)) return preferred;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // Threshold below everything: all predicted positive -> correct = number of positives.
  let correct = labels.reduce((a, l) => a + (l ? 1 : 0), 0);
  let best = correct;
  let bestT = scores[order[0]] - 1e-9 - Math.abs(scores[order[0]]) * 1e-9;
  let i = 0;
  while (i < n) {
    const s = scores[order[i]];
    while (i < n && scores[order[i]] === s) {
      correct += labels[order[i]] ? -1 : 1; // moves from predicted positive to predicted negative
      i++;
    }
    const t = i < n ? (s + scores[order[i]]) / 2 : s;
    if (correct > best || (correct === best && Math.abs(t - preferred) < Math.abs(bestT - preferred))) {
      best = correct;
      bestT = t;
    }
  }
  return bestT;
}

export interface BinaryMetrics {
  readonly threshold: number;
  readonly rocAuc: number;
  readonly confusion: Confusion;
  readonly accuracy: number;
  readonly f1: number;
}

/**
 * Metrics of a probability (or any score) for a 0/1 label: positive = label 1, predicted positive when
 * score > threshold. Samples whose label is NaN are skipped.
 */
export function binaryMetrics(trueLabels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): BinaryMetrics {
  if (trueLabels.length !== scores.length) throw new RangeError(`${trueLabels.length} labels but ${scores.length} scores`);
  const labels: boolean[] = [];
  const predicted: boolean[] = [];
  const kept: number[] = [];
  for (let i = 0; i < trueLabels.length; i++) {
    if (Number.isNaN(trueLabels[i])) continue;
    if (Number.isNaN(scores[i])) throw new RangeError(`score at index ${i} is NaN`);
    labels.push(trueLabels[i] > 0.5);
    predicted.push(scores[i] > threshold);
    kept.push(scores[i]);
  }
  const conf = confusion(labels, predicted);
  const n = labels.length;
  return { threshold, rocAuc: rocAuc(labels, kept), confusion: conf, accuracy: n > 0 ? (conf.tp + conf.tn) / n : NaN, f1: f1Score(conf) };
}
