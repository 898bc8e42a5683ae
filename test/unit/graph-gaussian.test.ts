import { describe, expect, it } from 'vitest';
import { DEFAULT_GRAPH_SETTINGS, GaussianBasis } from '../../src-main/core/graph';

describe('GaussianBasis', () => {
  it('has CGCNN centres: 0, 0.2, ..., 8.0 (41) and sigma = 0.2 by default', () => {
    const g = new GaussianBasis();
    expect(g.size).toBe(41);
    expect(g.centers[0]).toBe(0);
    expect(g.centers[1]).toBeCloseTo(0.2, 12);
    expect(g.centers[40]).toBeCloseTo(8, 12);
    expect(g.widthAngstrom).toBe(0.2);
    expect(GaussianBasis.fromSettings(DEFAULT_GRAPH_SETTINGS).size).toBe(41);
  });

  it('lays centres out like numpy.arange(min, max + step, step)', () => {
    // numpy: len(arange(0, 6.2, 0.2)) == 31, len(arange(0, 10.2, 0.2)) == 51, len(arange(0, 5.5, 0.5)) == 11
    expect(new GaussianBasis({ maxAngstrom: 6 }).size).toBe(31);
    expect(new GaussianBasis({ maxAngstrom: 10 }).size).toBe(51);
    expect(new GaussianBasis({ maxAngstrom: 5, stepAngstrom: 0.5 }).size).toBe(11);
    const off = new GaussianBasis({ minAngstrom: 1, maxAngstrom: 2, stepAngstrom: 0.25 });
    expect(Array.from(off.centers)).toEqual([1, 1.25, 1.5, 1.75, 2]);
  });

  it('computes exp(-(d - mu)^2 / sigma^2) (sigma squared, not 2 sigma squared)', () => {
    const g = new GaussianBasis();
    const d = Float32Array.of(0, 0.2, 2.345, 9, 8.0);
    const out = new Float32Array(d.length * 41);
    expect(g.expandInto(d, out)).toBe(out);
    for (let i = 0; i < d.length; i++) {
      for (let k = 0; k < 41; k++) {
        const expected = Math.exp(-((d[i] - 0.2 * k) ** 2) / 0.04);
        expect(out[i * 41 + k]).toBeCloseTo(expected, 6);
      }
    }
    expect(out[0]).toBe(1); // d = 0 at mu = 0
    expect(out[1]).toBeCloseTo(Math.exp(-1), 7); // one sigma away
    expect(out[41 + 1]).toBeCloseTo(1, 6); // d = 0.2 at mu = 0.2
    // padding distance 9 A: the last centre (8 A) is 5 sigma away
    expect(out[3 * 41 + 40]).toBeCloseTo(Math.exp(-25), 12);
    expect(Array.from(g.expand(d))).toEqual(Array.from(out));
    expect(Array.from(g.expandOne(2.345))).toEqual(Array.from(out.subarray(2 * 41, 3 * 41)));
  });

  it('honours a custom width and rejects bad input', () => {
    const g = new GaussianBasis({ widthAngstrom: 0.5 });
    expect(g.expandOne(1)[0]).toBeCloseTo(Math.exp(-4), 7);
    expect(() => g.expandInto(Float32Array.of(1, 2), new Float32Array(41))).toThrow(RangeError);
    expect(() => new GaussianBasis({ stepAngstrom: 0 })).toThrow(RangeError);
    expect(() => new GaussianBasis({ widthAngstrom: -1 })).toThrow(RangeError);
    expect(() => new GaussianBasis({ minAngstrom: 3, maxAngstrom: 1 })).toThrow(RangeError);
  });
});
