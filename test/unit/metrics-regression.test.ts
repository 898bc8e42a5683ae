import { describe, expect, it } from 'vitest';
import { averageRanks, pearson, regressionMetrics, spearman } from '../../src-main/core/metrics/regression';
import { createRng, shuffleInPlace } from '../../src-main/core/seeded-random';

describe('regressionMetrics', () => {
  it('matches a hand-computed example (sklearn docs values)', () => {
    // errors: -0.5, 0.5, 0, 1 -> MAE 0.5, MSE 0.375; SS_tot = 29.1875 -> R2 = 1 - 1.5/29.1875
    const m = regressionMetrics([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]);
    expect(m.n).toBe(4);
    expect(m.mae).toBeCloseTo(0.5, 14);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 14);
    expect(m.r2).toBeCloseTo(0.9486081370449679, 12);
    expect(m.spearman).toBeCloseTo(1, 14); // same ordering
  });

  it('R2 is 1 for perfect predictions, 0 for predicting the mean, negative when worse', () => {
    expect(regressionMetrics([1, 2, 3], [1, 2, 3]).r2).toBe(1);
    expect(regressionMetrics([1, 2, 3], [2, 2, 2]).r2).toBeCloseTo(0, 14);
    // SS_res = 4+0+4 = 8, SS_tot = 2 -> -3
    expect(regressionMetrics([1, 2, 3], [3, 2, 1]).r2).toBeCloseTo(-3, 14);
  });

  it('ignores pairs with a NaN label, whatever their prediction', () => {
    const t = [1, NaN, 2, 4, NaN];
    const p = [1.5, 1e9, 2, 3, -1e9];
    const masked = regressionMetrics(t, p);
    const clean = regressionMetrics([1, 2, 4], [1.5, 2, 3]);
    expect(masked).toEqual(clean);
    expect(masked.n).toBe(3);
    expect(masked.mae).toBeCloseTo(0.5, 14);
  });

  it('returns NaN fields rather than throwing when n < 2', () => {
    const empty = regressionMetrics(new Float64Array([NaN, NaN]), new Float64Array([1, 2]));
    expect(empty.n).toBe(0);
    expect(empty.mae).toBeNaN();
    expect(empty.rmse).toBeNaN();
    expect(empty.r2).toBeNaN();
    expect(empty.spearman).toBeNaN();
    const one = regressionMetrics([2], [5]);
    expect(one.n).toBe(1);
    expect(one.mae).toBe(3);
    expect(one.rmse).toBe(3);
    expect(one.r2).toBeNaN();
    expect(one.spearman).toBeNaN();
  });

  it('throws on length mismatch or a NaN prediction for a labelled crystal', () => {
    expect(() => regressionMetrics([1, 2], [1])).toThrow(RangeError);
    expect(() => regressionMetrics([1, 2], [1, NaN])).toThrow(RangeError);
  });
});

describe('spearman', () => {
  it('uses average ranks for ties (hand-worked)', () => {
    // x ranks [1, 2.5, 2.5, 4], y ranks [1, 3, 2, 4]: Sxy = 4.5, Sxx = 4.5, Syy = 5 -> sqrt(0.9)
    expect(Array.from(averageRanks([1, 2, 2, 3]))).toEqual([1, 2.5, 2.5, 4]);
    expect(Array.from(averageRanks([7, 7, 7, 1]))).toEqual([3, 3, 3, 1]);
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(Math.sqrt(0.9), 14);
  });

  it('matches the scipy.stats.spearmanr documentation example', () => {
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
  });

  it('agrees with 1 - 6 sum d^2 / (n(n^2-1)) on random permutations without ties', () => {
    const rng = createRng(42);
    for (let trial = 0; trial < 20; trial++) {
      const n = 3 + Math.floor(rng() * 30);
      const x = Array.from({ length: n }, (_, i) => i * 1.7 - 5);
      const perm = shuffleInPlace(Array.from({ length: n }, (_, i) => i), rng);
      const y = perm.map((r) => Math.exp(r / 10)); // monotone transform of ranks
      let d2 = 0;
      for (let i = 0; i < n; i++) d2 += (i - perm[i]) ** 2;
      expect(spearman(x, y)).toBeCloseTo(1 - (6 * d2) / (n * (n * n - 1)), 12);
    }
  });

  it('is -1 for a reversed order and NaN for a constant side', () => {
    expect(spearman([1, 2, 3, 4], [10, 5, 1, -3])).toBeCloseTo(-1, 14);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
  });
});
