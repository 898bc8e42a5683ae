import { describe, expect, it } from 'vitest';
import { fnv1a32, formatShard, inShard, parseShard, shardOf } from '../../src-main/core/screen/shard';

describe('sharding', () => {
  it('uses 32-bit FNV-1a over UTF-8 (reference vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    // UTF-8, not UTF-16: "é" is the two bytes C3 A9.
    expect(fnv1a32('é')).toBe(fnv1a32(Buffer.from([0xc3, 0xa9]).toString('utf8')));
  });

  it('partitions paths: every path in exactly one shard, roughly balanced, independent of order', () => {
    const paths = Array.from({ length: 2000 }, (_, i) => `dir${i % 13}/mp-${i * 7 + 1}.cif`);
    for (const n of [1, 2, 3, 10]) {
      const counts = new Array(n).fill(0);
      let misassigned = 0;
      for (const p of paths) {
        const s = shardOf(p, n);
        const owners = Array.from({ length: n }, (_, k) => k + 1).filter((k) => inShard(p, { index: k, count: n }));
        if (owners.length !== 1 || owners[0] !== s || s < 1 || s > n) misassigned++;
        counts[s - 1]++;
      }
      expect(misassigned).toBe(0);
      for (const c of counts) expect(c).toBeGreaterThan((paths.length / n) * 0.85);
      const reversed = [...paths].reverse();
      expect(reversed.map((p) => shardOf(p, n))).toEqual(paths.map((p) => shardOf(p, n)).reverse());
    }
    expect(inShard('x.cif', undefined)).toBe(true);
  });

  it('parses I/N and rejects nonsense', () => {
    expect(parseShard('3/10')).toEqual({ index: 3, count: 10 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    expect(formatShard({ index: 2, count: 5 })).toBe('2/5');
    for (const bad of ['0/3', '4/3', '1/0', '3', 'a/b', '1.5/3', '-1/3', '']) expect(() => parseShard(bad), bad).toThrow(RangeError);
  });
});
