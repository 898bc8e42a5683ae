import { describe, expect, it } from 'vitest';
import {
  METAL_THRESHOLD_EV,
  confusion,
  isNonMetal,
  metalNonMetalMetrics,
  rocAuc,
  rocCurve,
} from '../../src-main/core/metrics/classification';
import { createRng } from '../../src-main/core/seeded-random';

/** Brute-force Mann-Whitney: P(score_pos > score_neg) + 0.5 P(equal). */
function mannWhitneyAuc(labels: boolean[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i]) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j]) continue;
      pairs++;
      if (scores[i] > scores[j]) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

describe('rocCurve', () => {
  it('reproduces the sklearn roc_curve documentation example (drop_intermediate=false)', () => {
    const labels = [false, false, true, true];
    const scores = [0.1, 0.4, 0.35, 0.8];
    const c = rocCurve(labels, scores);
    expect(c.thresholds).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
    expect(c.fpr).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(c.tpr).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(rocAuc(labels, scores)).toBeCloseTo(0.75, 14);
  });

  it('puts tied scores in one step (diagonal segment)', () => {
    const labels = [true, false, true, false];
    const scores = [0.5, 0.5, 0.9, 0.1];
    const c = rocCurve(labels, scores);
    expect(c.thresholds).toEqual([Infinity, 0.9, 0.5, 0.1]);
    expect(c.tpr).toEqual([0, 0.5, 1, 1]);
    expect(c.fpr).toEqual([0, 0, 0.5, 1]);
    // trapezoid: 0.5 * (0.5 + 1) / 2 + 0.5 * 2 / 2 = 0.875; Mann-Whitney: 3.5 / 4
    expect(rocAuc(labels, scores)).toBeCloseTo(0.875, 14);
  });
});

describe('rocAuc', () => {
  it('equals the pairwise Mann-Whitney statistic (ties = 1/2) on random data', () => {
    const rng = createRng(2024);
    for (let trial = 0; trial < 50; trial++) {
      const n = 2 + Math.floor(rng() * 60);
      const labels = Array.from({ length: n }, () => rng() < 0.4);
      labels[0] = true;
      labels[1] = false;
      // coarse rounding makes many ties across and within classes
      const scores = labels.map((l) => Math.round((rng() + (l ? 0.3 : 0)) * 8) / 8);
      expect(rocAuc(labels, scores)).toBeCloseTo(mannWhitneyAuc(labels, scores), 12);
    }
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 for all-tied scores', () => {
    expect(rocAuc([false, false, true, true], [1, 2, 3, 4])).toBe(1);
    expect(rocAuc([true, true, false, false], [1, 2, 3, 4])).toBe(0);
    expect(rocAuc([true, false, true, false], [7, 7, 7, 7])).toBe(0.5);
  });

  it('is NaN with a single class', () => {
    expect(rocAuc([true, true], [0.1, 0.2])).toBeNaN();
    expect(rocAuc([false, false], [0.1, 0.2])).toBeNaN();
    expect(rocAuc([], [])).toBeNaN();
  });
});

describe('confusion', () => {
  it('counts each cell', () => {
    const labels = [true, true, true, false, false, false, false];
    const pred = [true, true, false, true, false, false, false];
    expect(confusion(labels, pred)).toEqual({ tp: 2, fp: 1, tn: 3, fn: 1 });
    expect(() => confusion([true], [])).toThrow(RangeError);
  });
});

describe('metalNonMetalMetrics', () => {
  it('treats non-metal (gap > threshold) as positive, threshold 0.025 eV, skips missing labels', () => {
    expect(METAL_THRESHOLD_EV).toBe(0.025);
    expect(isNonMetal(0.025)).toBe(false);
    expect(isNonMetal(0.0251)).toBe(true);
    const m = metalNonMetalMetrics([0, 0.025, 0.03, 1.2, NaN], [0.1, 0.0, 0.5, 0.02, 3]);
    // labels F F T T ; predicted T F T F
    expect(m.thresholdEv).toBe(0.025);
    expect(m.confusion).toEqual({ tp: 1, fp: 1, tn: 1, fn: 1 });
    expect(m.accuracy).toBe(0.5);
    // positives score 0.5, 0.02 vs negatives 0.1, 0: wins 1 + 1 + 0 + 1 = 3 of 4
    expect(m.rocAuc).toBeCloseTo(0.75, 14);
    expect(m.roc.thresholds[0]).toBe(Infinity);
    expect(m.roc.thresholds.length).toBe(5);
  });

  it('honours a custom threshold', () => {
    const m = metalNonMetalMetrics([0.5, 2], [0.6, 1.5], 1);
    expect(m.confusion).toEqual({ tp: 1, fp: 0, tn: 1, fn: 0 });
    expect(m.accuracy).toBe(1);
    expect(m.rocAuc).toBe(1);
  });
});
