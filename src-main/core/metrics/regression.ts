/**
 * Regression metrics for one task, in the task's original (de-normalised) units.
 *
 * Missing labels are encoded as NaN in `yTrue`; those pairs are ignored. A NaN/infinite
 * prediction for a labelled crystal is a bug upstream and throws instead of being hidden.
 */

export type NumericArray = ArrayLike<number>;

export interface RegressionMetrics {
  /** Number of labelled (yTrue not NaN) pairs used. */
  readonly n: number;
  /** Mean absolute error. NaN when n = 0. */
  readonly mae: number;
  /** Root mean squared error. NaN when n = 0. */
  readonly rmse: number;
  /** Coefficient of determination 1 - SS_res / SS_tot. NaN when n < 2 or the labels are constant. */
  readonly r2: number;
  /** Spearman rank correlation (Pearson on average ranks). NaN when n < 2 or either side is constant. */
  readonly spearman: number;
}

/** Keeps the pairs whose label is not NaN. Throws on length mismatch or a non-finite prediction. */
export function labelledPairs(yTrue: NumericArray, yPred: NumericArray): { t: Float64Array; p: Float64Array } {
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue has ${yTrue.length} values but yPred has ${yPred.length}`);
  }
  let n = 0;
  for (let i = 0; i < yTrue.length; i++) if (!Number.isNaN(yTrue[i])) n++;
  const t = new Float64Array(n);
  const p = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const yt = yTrue[i];
    if (Number.isNaN(yt)) continue;
    const yp = yPred[i];
    if (!Number.isFinite(yt) || !Number.isFinite(yp)) {
      throw new RangeError(`non-finite value at index ${i} (label ${yt}, prediction ${yp})`);
    }
    t[k] = yt;
    p[k] = yp;
    k++;
  }
  return { t, p };
}

function mean(x: NumericArray): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Pearson correlation; NaN when n < 2 or either input has zero variance. */
export function pearson(x: NumericArray, y: NumericArray): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError('pearson: length mismatch');
  if (n < 2) return NaN;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/** 1-based ranks; tied values get the average of the ranks they span. */
export function averageRanks(x: NumericArray): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && x[order[j]] === x[order[i]]) j++;
    // positions i..j-1 (0-based) -> ranks i+1..j, average (i+1+j)/2
    const r = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) ranks[order[k]] = r;
    i = j;
  }
  return ranks;
}

/** Spearman rank correlation with average ranks for ties. */
export function spearman(x: NumericArray, y: NumericArray): number {
  if (x.length !== y.length) throw new RangeError('spearman: length mismatch');
  if (x.length < 2) return NaN;
  return pearson(averageRanks(x), averageRanks(y));
}

export function regressionMetrics(yTrue: NumericArray, yPred: NumericArray): RegressionMetrics {
  const { t, p } = labelledPairs(yTrue, yPred);
  const n = t.length;
  if (n === 0) return { n, mae: NaN, rmse: NaN, r2: NaN, spearman: NaN };
  let sAbs = 0;
  let sSq = 0;
  for (let i = 0; i < n; i++) {
    const e = p[i] - t[i];
    sAbs += Math.abs(e);
    sSq += e * e;
  }
  const mae = sAbs / n;
  const rmse = Math.sqrt(sSq / n);
  let r2 = NaN;
  if (n >= 2) {
    const mt = mean(t);
    let ssTot = 0;
    for (let i = 0; i < n; i++) ssTot += (t[i] - mt) ** 2;
    r2 = ssTot > 0 ? 1 - sSq / ssTot : NaN;
  }
  return { n, mae, rmse, r2, spearman: spearman(t, p) };
}
