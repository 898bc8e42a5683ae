/**
 * Disk cache of crystal graphs, so that a dataset is featurized once.
 *
 * Layout: one shard file per CHUNK of a dataset (default 1,000 crystals, in dataset order), named by the chunk key
 *   <dir>/<key>.cgraph        encodeGraphs() bytes of the chunk's graphs, in entry order
 * where key = sha256(cache layout version, GRAPH_ALGORITHM_VERSION, graph settings that matter, and for every
 * crystal of the chunk its id and the full file content).
 *
 * Why chunks rather than one file per crystal or one per dataset:
 *  - per crystal, 25k tiny files are slow to create, list and delete (antivirus scanning on Windows makes it worse)
 *    and waste disk blocks (a graph is ~1.3 KB);
 *  - per dataset, editing one CIF or appending rows would invalidate and rebuild everything;
 *  - chunks of ~1,000 (~1.3 MB) cost a handful of files per dataset, load with one read each, can be built and
 *    written progressively (a cancelled run keeps its finished chunks), and an edit rebuilds ~1,000 crystals.
 * Keys are content hashes, so renaming or moving the dataset folder keeps the cache valid, and two datasets that
 * share chunks share shards. Writes are atomic (temporary file + rename); an unreadable or mismatching shard is
 * treated as a miss and rebuilt. Stale shards are never read again; `prune` deletes shards not used recently.
 */
import { readFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../fs/atomic-write';
import { join } from 'node:path';
import type { CrystalGraph, GraphSettings } from './crystal-graph';
import { GRAPH_ALGORITHM_VERSION, decodeGraphs, encodeGraphs, graphSettingsKey } from './graph-codec';

export const GRAPH_CACHE_LAYOUT_VERSION = 1;
export const DEFAULT_CHUNK_SIZE = 1000;
const SHARD_SUFFIX = '.cgraph';

/** One crystal to featurize: its id and the exact bytes (or text) of its structure file. */
export interface GraphCacheEntry {
  readonly id: string;
  readonly content: string | Uint8Array;
}

export interface GraphCacheStats {
  /** Crystals served from shards. */
  readonly hits: number;
  /** Crystals built (and written). */
  readonly built: number;
  readonly chunks: number;
  readonly chunksFromCache: number;
}

export interface GetOrBuildOptions {
  /** Crystals per shard (default 1000). Part of the key: changing it rebuilds. */
  readonly chunkSize?: number;
  /** Called after each chunk with the number of crystals done so far. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Checked between chunks; when it returns true the call stops with an AbortError. */
  readonly isCancelled?: () => boolean;
}

export class GraphCache {
  /** Directory of the shards (created on first write). */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Key of a chunk of crystals under given settings. */
  static chunkKey(entries: readonly GraphCacheEntry[], settings: GraphSettings): string {
    const h = createHash('sha256');
    const len = Buffer.alloc(8);
    const part = (p: string | Uint8Array): void => {
      const buf = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
      len.writeBigUInt64LE(BigInt(buf.length));
      h.update(len);
      h.update(buf);
    };
    part(`graph-cache v${GRAPH_CACHE_LAYOUT_VERSION} algorithm v${GRAPH_ALGORITHM_VERSION}`);
    part(graphSettingsKey(settings));
    part(String(entries.length));
    for (const e of entries) {
      part(e.id);
      part(e.content);
    }
    return h.digest('hex');
  }

  shardPath(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new RangeError('cache keys are sha256 hex strings');
    return join(this.dir, key + SHARD_SUFFIX);
  }

  /** The graphs of a shard, or undefined when absent or unreadable. */
  async read(key: string): Promise<CrystalGraph[] | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.shardPath(key));
    } catch {
      return undefined;
    }
    try {
      const graphs = decodeGraphs(bytes);
      // mark as recently used for prune(); failures here are harmless
      const now = new Date();
      await utimes(this.shardPath(key), now, now).catch(() => undefined);
      return graphs;
    } catch {
      return undefined;
    }
  }

  /** Write a shard atomically. */
  async write(key: string, graphs: readonly CrystalGraph[]): Promise<void> {
    await writeFileAtomic(this.shardPath(key), encodeGraphs(graphs));
  }

  /**
   * Graphs for all entries, in entry order: chunks found in the cache are read, the others built with `build`
   * and written. `build` must produce the graph of `entry` under `settings` (its id should be entry.id).
   */
  async getOrBuild(
    entries: readonly GraphCacheEntry[],
    settings: GraphSettings,
    build: (entry: GraphCacheEntry, index: number) => CrystalGraph | Promise<CrystalGraph>,
    options: GetOrBuildOptions = {},
  ): Promise<{ graphs: CrystalGraph[]; stats: GraphCacheStats }> {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError('chunkSize must be a positive integer');
    const graphs: CrystalGraph[] = [];
    let hits = 0;
    let built = 0;
    let chunks = 0;
    let chunksFromCache = 0;
    for (let start = 0; start < entries.length; start += chunkSize) {
      if (options.isCancelled?.()) {
        const err = new Error('featurization cancelled');
        err.name = 'AbortError';
        throw err;
      }
      const chunk = entries.slice(start, start + chunkSize);
      const key = GraphCache.chunkKey(chunk, settings);
      chunks++;
      const cached = await this.read(key);
      if (cached && cached.length === chunk.length && cached.every((g, t) => g.id === chunk[t].id)) {
        graphs.push(...cached);
        hits += chunk.length;
        chunksFromCache++;
      } else {
        const fresh: CrystalGraph[] = [];
        for (let t = 0; t < chunk.length; t++) fresh.push(await build(chunk[t], start + t));
        await this.write(key, fresh);
        graphs.push(...fresh);
        built += chunk.length;
      }
      options.onProgress?.(Math.min(start + chunkSize, entries.length), entries.length);
    }
    return { graphs, stats: { hits, built, chunks, chunksFromCache } };
  }

  /** Delete shards not read or written for `olderThanMs` (default 30 days); returns how many were removed. */
  async prune(olderThanMs = 30 * 24 * 3600 * 1000): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith(SHARD_SUFFIX) && !name.endsWith('.tmp')) continue;
      const p = join(this.dir, name);
      try {
        if ((await stat(p)).mtimeMs < cutoff) {
          await rm(p, { force: true });
          removed++;
        }
      } catch {
        // vanished meanwhile
      }
    }
    return removed;
  }

  /** Delete every shard of this cache directory (other files are left alone). */
  async clear(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(
      names
        .filter((n) => n.endsWith(SHARD_SUFFIX) || n.endsWith('.tmp'))
        .map((n) => rm(join(this.dir, n), { force: true })),
    );
  }
}
