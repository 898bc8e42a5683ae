import { describe, expect, it } from 'vitest';
import { repeatSeeds, splitIndices } from '../../src-main/core/metrics/split';
import { createRng, shuffleInPlace } from '../../src-main/core/seeded-random';

describe('createRng', () => {
  it('is deterministic, seed-dependent, in [0, 1) and roughly uniform', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const xa = Array.from({ length: 10000 }, () => a());
    const xb = Array.from({ length: 10000 }, () => b());
    const xc = Array.from({ length: 10000 }, () => c());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
    expect(Math.min(...xa)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xa)).toBeLessThan(1);
    const mean = xa.reduce((s, v) => s + v, 0) / xa.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    const buckets = new Array(10).fill(0);
    for (const v of xa) buckets[Math.floor(v * 10)]++;
    for (const k of buckets) expect(Math.abs(k - 1000)).toBeLessThan(150);
    expect(createRng(2 ** 40)()).not.toBe(createRng(0)());
    expect(() => createRng(1.5)).toThrow(RangeError);
  });
});

describe('shuffleInPlace', () => {
  it('returns a permutation, deterministic for a seed', () => {
    const a = shuffleInPlace(Array.from({ length: 50 }, (_, i) => i), createRng(1));
    const b = shuffleInPlace(Array.from({ length: 50 }, (_, i) => i), createRng(1));
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('splitIndices', () => {
  it.each([
    [10, 6, 2, 2],
    [7, 5, 1, 1],
    [3, 1, 1, 1],
    [1, 1, 0, 0],
    [0, 0, 0, 0],
    [1003, 601, 201, 201],
  ])('n=%i gives train %i, val %i, test %i covering every crystal once', (n, nTrain, nVal, nTest) => {
    const s = splitIndices(n, { seed: 123 });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([nTrain, nVal, nTest]);
    expect(s.train).toBeInstanceOf(Int32Array);
    const all = [...s.train, ...s.val, ...s.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('is reproducible for a seed and changes with the seed', () => {
    const a = splitIndices(500, { seed: 5 });
    const b = splitIndices(500, { seed: 5 });
    const c = splitIndices(500, { seed: 6 });
    expect(a).toEqual(b);
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
  });

  it('keeps val and test identical across trainFraction values; train is a nested prefix', () => {
    const n = 1000;
    const full = splitIndices(n, { seed: 99 });
    let previous: Int32Array | undefined;
    for (const f of [0.2, 0.3, 0.4, 0.5, 0.6]) {
      const s = splitIndices(n, { seed: 99, trainFraction: f });
      expect(Array.from(s.val)).toEqual(Array.from(full.val));
      expect(Array.from(s.test)).toEqual(Array.from(full.test));
      expect(s.train.length).toBe(Math.round(n * f));
      expect(Array.from(s.train)).toEqual(Array.from(full.train.subarray(0, s.train.length)));
      if (previous) expect(Array.from(s.train.subarray(0, previous.length))).toEqual(Array.from(previous));
      previous = s.train;
      const used = new Set([...s.train, ...s.val, ...s.test]);
      expect(used.size).toBe(s.train.length + s.val.length + s.test.length);
    }
  });

  it('supports custom ratios and rejects bad options', () => {
    const s = splitIndices(100, { seed: 1, trainRatio: 0.8, valRatio: 0.1, testRatio: 0.1 });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([80, 10, 10]);
    expect(() => splitIndices(100, { seed: 1, trainRatio: 0.5 })).toThrow(RangeError);
    expect(() => splitIndices(100, { seed: 1, trainFraction: 0.7 })).toThrow(RangeError);
    expect(() => splitIndices(100, { seed: 1, trainFraction: 0 })).toThrow(RangeError);
    expect(() => splitIndices(-1, { seed: 1 })).toThrow(RangeError);
  });
});

describe('repeatSeeds', () => {
  it('gives k consecutive distinct seeds starting at the base', () => {
    expect(repeatSeeds(10, 4)).toEqual([10, 11, 12, 13]);
    expect(repeatSeeds(3, 0)).toEqual([]);
    expect(() => repeatSeeds(1, -1)).toThrow(RangeError);
  });
});
