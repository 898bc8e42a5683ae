import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_GRAPH_SETTINGS,
  GraphCache,
  buildCrystalGraph,
  decodeGraphs,
  encodeGraphs,
  graphInputHash,
  graphsHash,
  sha256Hex,
  type CrystalGraph,
  type GraphCacheEntry,
} from '../../src-main/core/graph';
import { readFileSync } from 'node:fs';
import { loadFixture, loadMpStructure, mpCifPath } from './graph-helpers';
import { parseStructures } from '../../src-main/core/io';

function sampleGraphs(): CrystalGraph[] {
  return [
    buildCrystalGraph('mp-10000', loadMpStructure('mp-10000')),
    buildCrystalGraph('N2 in a box ünïcode', loadFixture('molecule-in-box')),
    buildCrystalGraph('random-large-triclinic', loadFixture('random-large-triclinic')), // 300 atoms: 2-byte indices
    buildCrystalGraph('po-r3', loadFixture('one-atom-sc'), { ...DEFAULT_GRAPH_SETTINGS, radiusAngstrom: 3, maxNeighbors: 5 }),
  ];
}

function synthetic(n: number, m: number, id = 'big'): CrystalGraph {
  const neighborIndex = new Int32Array(n * m);
  const neighborDistance = new Float32Array(n * m);
  for (let e = 0; e < n * m; e++) {
    neighborIndex[e] = (e * 7919) % n;
    neighborDistance[e] = 1 + (e % 97) / 13;
  }
  const atomicNumbers = Uint8Array.from({ length: n }, (_, i) => 1 + (i % 100));
  return { id, numAtoms: n, maxNeighbors: m, atomicNumbers, neighborIndex, neighborDistance, paddedAtoms: 3 };
}

describe('graph codec', () => {
  it('round-trips graphs exactly', () => {
    const graphs = sampleGraphs();
    const bytes = encodeGraphs(graphs);
    expect(bytes.length % 4).toBe(0);
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('CGRF');
    const back = decodeGraphs(bytes);
    expect(back).toEqual(graphs);
    expect(back[0].neighborIndex).toBeInstanceOf(Int32Array);
    expect(back[0].neighborDistance).toBeInstanceOf(Float32Array);
    expect(back[0].atomicNumbers).toBeInstanceOf(Uint8Array);
    expect(decodeGraphs(encodeGraphs([]))).toEqual([]);
  });

  it('is compact: 1-byte indices below 257 atoms, 2 below 65537, 4 above', () => {
    const g = sampleGraphs()[0]; // 6 atoms
    const n = g.numAtoms;
    const size = encodeGraphs([g]).length;
    expect(size).toBeLessThanOrEqual(16 + 20 + 8 + 4 + n + 3 + n * 12 * 5 + 3);
    for (const n2 of [256, 257, 65536, 65537]) {
      const big = synthetic(n2, 2);
      const bytes = encodeGraphs([big]);
      const width = n2 <= 256 ? 1 : n2 <= 65536 ? 2 : 4;
      expect(bytes[16 + 10]).toBe(width);
      const back = decodeGraphs(bytes)[0];
      // byte-wise comparisons: deep equality of large typed arrays is slow in the test runner
      const same = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
        Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      expect(same(back.neighborIndex, big.neighborIndex)).toBe(true);
      expect(same(back.neighborDistance, big.neighborDistance)).toBe(true);
      expect(same(back.atomicNumbers, big.atomicNumbers)).toBe(true);
      expect([back.id, back.numAtoms, back.maxNeighbors, back.paddedAtoms]).toEqual([big.id, n2, 2, 3]);
    }
  });

  it('works from an unaligned view of a larger buffer', () => {
    const bytes = encodeGraphs(sampleGraphs());
    const host = new Uint8Array(bytes.length + 3);
    host.set(bytes, 3);
    expect(decodeGraphs(host.subarray(3))).toEqual(sampleGraphs());
  });

  it('rejects malformed input', () => {
    const bytes = encodeGraphs(sampleGraphs());
    const bad = (mutate: (b: Uint8Array) => Uint8Array): void => {
      expect(() => decodeGraphs(mutate(bytes.slice()))).toThrow(RangeError);
    };
    bad((b) => ((b[0] = 0x58), b)); // magic
    bad((b) => ((b[4] = 9), b)); // version
    bad((b) => b.subarray(0, b.length - 4)); // truncated
    bad((b) => {
      const c = new Uint8Array(b.length + 4);
      c.set(b);
      return c;
    }); // trailing bytes
    bad((b) => ((b[16 + 10] = 3), b)); // index width
    expect(() =>
      encodeGraphs([{ ...synthetic(4, 2), neighborIndex: Int32Array.of(0, 1, 2, 4, 0, 0, 0, 0) }]),
    ).toThrow(RangeError);
  });

  it('hashes content deterministically', () => {
    const graphs = sampleGraphs();
    expect(graphsHash(graphs)).toMatch(/^[0-9a-f]{64}$/);
    expect(graphsHash(graphs)).toBe(graphsHash(decodeGraphs(encodeGraphs(graphs))));
    expect(graphsHash(graphs)).not.toBe(graphsHash(graphs.slice(1)));
    expect(sha256Hex('ab', 'c')).not.toBe(sha256Hex('a', 'bc'));
    const text = 'data_x\n';
    const h = graphInputHash(text, DEFAULT_GRAPH_SETTINGS);
    expect(graphInputHash(Buffer.from(text), DEFAULT_GRAPH_SETTINGS)).toBe(h);
    expect(graphInputHash(text, { ...DEFAULT_GRAPH_SETTINGS, radiusAngstrom: 6 })).not.toBe(h);
    expect(graphInputHash(text, { ...DEFAULT_GRAPH_SETTINGS, growRadius: true })).not.toBe(h);
    // the Gaussian expansion does not change a stored graph
    expect(graphInputHash(text, { ...DEFAULT_GRAPH_SETTINGS, gaussianWidthAngstrom: 0.5 })).toBe(h);
  });
});

describe('GraphCache', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const newCache = async (): Promise<GraphCache> => {
    const d = await mkdtemp(join(tmpdir(), 'graph-cache-'));
    dirs.push(d);
    return new GraphCache(join(d, 'graphs'));
  };
  const ids = ['mp-10000', 'mp-1001', 'mp-10010', 'mp-1016882', 'mp-12782', 'mp-1221', 'mp-2'];
  const entries: GraphCacheEntry[] = ids.map((id) => ({ id, content: readFileSync(mpCifPath(id), 'utf8') }));
  const build = (e: GraphCacheEntry): CrystalGraph => buildCrystalGraph(e.id, parseStructures(String(e.content), `${e.id}.cif`)[0].structure);

  it('featurizes once, then serves every chunk from disk', async () => {
    const cache = await newCache();
    let calls = 0;
    const counting = (e: GraphCacheEntry): CrystalGraph => (calls++, build(e));
    const progress: number[] = [];
    const first = await cache.getOrBuild(entries, DEFAULT_GRAPH_SETTINGS, counting, {
      chunkSize: 3,
      onProgress: (done) => progress.push(done),
    });
    expect(calls).toBe(7);
    expect(progress).toEqual([3, 6, 7]);
    expect(first.stats).toEqual({ hits: 0, built: 7, chunks: 3, chunksFromCache: 0 });
    expect((await readdir(cache.dir)).filter((f) => f.endsWith('.cgraph'))).toHaveLength(3);
    const second = await cache.getOrBuild(entries, DEFAULT_GRAPH_SETTINGS, counting, { chunkSize: 3 });
    expect(calls).toBe(7);
    expect(second.stats).toEqual({ hits: 7, built: 0, chunks: 3, chunksFromCache: 3 });
    expect(second.graphs).toEqual(first.graphs);
    expect(second.graphs).toEqual(entries.map(build));
  });

  it('rebuilds only the chunk whose content changed, and on new settings', async () => {
    const cache = await newCache();
    await cache.getOrBuild(entries, DEFAULT_GRAPH_SETTINGS, build, { chunkSize: 3 });
    const edited = entries.map((e, i) => (i === 4 ? { ...e, content: String(e.content).replace('_cell_length_a', '_cell_length_a ') } : e));
    let calls = 0;
    const r = await cache.getOrBuild(edited, DEFAULT_GRAPH_SETTINGS, (e) => (calls++, build(e)), { chunkSize: 3 });
    expect(calls).toBe(3);
    expect(r.stats.chunksFromCache).toBe(2);
    const r6 = await cache.getOrBuild(entries, { ...DEFAULT_GRAPH_SETTINGS, radiusAngstrom: 6 }, build, { chunkSize: 3 });
    expect(r6.stats.built).toBe(7);
  });

  it('treats a corrupt shard as a miss, and can prune and clear', async () => {
    const cache = await newCache();
    const chunk = entries.slice(0, 2);
    await cache.getOrBuild(chunk, DEFAULT_GRAPH_SETTINGS, build);
    const key = GraphCache.chunkKey(chunk, DEFAULT_GRAPH_SETTINGS);
    expect(await cache.read(key)).toHaveLength(2);
    await writeFile(cache.shardPath(key), 'garbage');
    expect(await cache.read(key)).toBeUndefined();
    const again = await cache.getOrBuild(chunk, DEFAULT_GRAPH_SETTINGS, build);
    expect(again.stats.built).toBe(2);
    expect(await cache.read(key)).toHaveLength(2);
    expect(await cache.prune(60_000)).toBe(0);
    expect(await cache.prune(-1)).toBe(1);
    await cache.getOrBuild(chunk, DEFAULT_GRAPH_SETTINGS, build);
    await cache.clear();
    expect(await readdir(cache.dir)).toEqual([]);
    expect(() => cache.shardPath('../escape')).toThrow(RangeError);
  });

  it('stops between chunks when cancelled', async () => {
    const cache = await newCache();
    let done = 0;
    await expect(
      cache.getOrBuild(entries, DEFAULT_GRAPH_SETTINGS, build, {
        chunkSize: 2,
        onProgress: (d) => (done = d),
        isCancelled: () => done >= 4,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect((await readdir(cache.dir)).filter((f) => f.endsWith('.cgraph'))).toHaveLength(2);
  });
});
