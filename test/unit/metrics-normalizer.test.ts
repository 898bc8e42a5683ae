import { describe, expect, it } from 'vitest';
import { TargetNormalizer } from '../../src-main/core/metrics/normalizer';

describe('TargetNormalizer', () => {
  it('uses the unbiased std and ignores NaN', () => {
    // mean 5, sum of squares 32 -> unbiased std sqrt(32/7)
    const n = TargetNormalizer.fit([2, 4, NaN, 4, 4, 5, 5, 7, 9, NaN]);
    expect(n.mean).toBeCloseTo(5, 14);
    expect(n.std).toBeCloseTo(Math.sqrt(32 / 7), 14);
  });

  it('fits on the training indices only', () => {
    const values = new Float64Array([1, 3, 1000, -1000, NaN]);
    const n = TargetNormalizer.fit(values, new Int32Array([0, 1, 4]));
    expect(n.mean).toBe(2);
    expect(n.std).toBeCloseTo(Math.SQRT2, 14);
    expect(n.normalize(3)).toBeCloseTo(1 / Math.SQRT2, 14);
  });

  it('falls back to std 1 for constant values, n = 1, and no values', () => {
    expect(TargetNormalizer.fit([3, 3, 3]).toJSON()).toEqual({ mean: 3, std: 1 });
    expect(TargetNormalizer.fit([7, NaN]).toJSON()).toEqual({ mean: 7, std: 1 });
    expect(TargetNormalizer.fit([NaN]).toJSON()).toEqual({ mean: 0, std: 1 });
  });

  it('normalize/denormalize are inverse and denormalizeStd scales by std', () => {
    const n = TargetNormalizer.fit([-2.5, 0.1, 1.7, 4.2, 9.9]);
    for (const x of [-10, -1.3, 0, 2.2, 100]) expect(n.denormalize(n.normalize(x))).toBeCloseTo(x, 12);
    const z = n.normalizeArray([n.mean, n.mean + n.std, NaN]);
    expect(z[0]).toBeCloseTo(0, 14);
    expect(z[1]).toBeCloseTo(1, 14);
    expect(z[2]).toBeNaN();
    expect(Array.from(n.denormalizeArray(z)).slice(0, 2)).toEqual([n.mean, n.mean + n.std].map((v) => expect.closeTo(v, 12)));
    expect(n.denormalizeStd(0.5)).toBeCloseTo(0.5 * n.std, 14);
  });

  it('round-trips through JSON', () => {
    const n = TargetNormalizer.fit([0.31, -1.2, 5.5, 2.25]);
    const back = TargetNormalizer.fromJSON(JSON.parse(JSON.stringify(n)));
    expect(back.mean).toBe(n.mean);
    expect(back.std).toBe(n.std);
    expect(back.normalize(1.23)).toBe(n.normalize(1.23));
  });

  it('fromJSON rejects malformed objects', () => {
    for (const bad of [null, 3, [], {}, { mean: 1 }, { mean: 1, std: 0 }, { mean: 1, std: -2 }, { mean: 'a', std: 1 }, { mean: NaN, std: 1 }, { mean: 0, std: Infinity }]) {
      expect(() => TargetNormalizer.fromJSON(bad)).toThrow(TypeError);
    }
  });
});
