/**
 * Featurize a labelled dataset: every structure file to its crystal graph, in parallel worker threads,
 * with the graphs cached on disk (keyed by file path, size and modification time, and the graph settings)
 * so a dataset is featurized once.
 *
 * The result is aligned with the input entries: `graphs[i]` is the graph of `entries[i]`, or undefined
 * when that file could not be read (then `errors` says why). Nothing is dropped silently.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { CrystalGraph, GraphSettings } from '../graph/crystal-graph';
import { GraphCache, type GraphCacheEntry } from '../graph/graph-cache';
import type { ReadOptions } from '../io';
import { workerScriptPath, defaultThreadCount } from '../parallel/worker-pool';
import { createFeaturizer, FEATURIZE_WORKER_NAME, type ChunkFeaturizer } from './featurizer';

export interface FeaturizeEntry {
  readonly id: string;
  /** Absolute path of the structure file. */
  readonly file: string;
}

export interface FeaturizeDatasetOptions {
  readonly settings: GraphSettings;
  readonly readOptions?: ReadOptions;
  /** Folder of graph cache shards; undefined disables the cache. */
  readonly cacheDir?: string;
  /** Worker threads (default: all logical cores; 0 = in-process). */
  readonly threads?: number;
  /** Files per worker task. */
  readonly taskSize?: number;
  /** Crystals per cache shard. */
  readonly shardSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number, fromCache: number) => void;
}

export interface FeaturizeError {
  readonly id: string;
  readonly file: string;
  readonly reason: string;
}

export interface FeaturizeDatasetResult {
  readonly graphs: (CrystalGraph | undefined)[];
  readonly errors: FeaturizeError[];
  readonly fromCache: number;
  readonly built: number;
  readonly seconds: number;
  readonly threads: number;
  readonly mode: 'workers' | 'in-process';
}

export async function featurizeDataset(entries: readonly FeaturizeEntry[], options: FeaturizeDatasetOptions): Promise<FeaturizeDatasetResult> {
  const start = performance.now();
  const threads = options.threads ?? defaultThreadCount();
  const taskSize = options.taskSize ?? 64;
  const shardSize = options.shardSize ?? 1000;
  const readOptions = options.readOptions ?? {};
  const cache = options.cacheDir ? new GraphCache(options.cacheDir) : undefined;
  const featurizer: ChunkFeaturizer = createFeaturizer({
    graphSettings: options.settings,
    readOptions,
    threads,
    workerScript: workerScriptPath(FEATURIZE_WORKER_NAME),
  });
  const graphs: (CrystalGraph | undefined)[] = new Array(entries.length).fill(undefined);
  const errors: FeaturizeError[] = [];
  let fromCache = 0;
  let built = 0;
  let done = 0;
  try {
    for (let s = 0; s < entries.length; s += shardSize) {
      if (options.signal?.aborted) throw abortError();
      const shard = entries.slice(s, s + shardSize);
      let key: string | undefined;
      if (cache) {
        const keyed: GraphCacheEntry[] = [{ id: '#read-options', content: JSON.stringify(readOptions) }];
        // Files are identified by path, size and modification time (as make does): re-reading and hashing every
        // file would cost as much as featurizing it. The graphs themselves carry a content hash in the shard.
        const stats = await Promise.all(shard.map((e) => stat(e.file).catch(() => undefined)));
        shard.forEach((e, i) => keyed.push({ id: e.id, content: `${e.file}\0${stats[i]?.size ?? -1}\0${stats[i]?.mtimeMs ?? -1}` }));
        key = GraphCache.chunkKey(keyed, options.settings);
        const cached = await cache.read(key);
        if (cached && cached.length === shard.length && cached.every((g, i) => g.id === shard[i].id)) {
          cached.forEach((g, i) => (graphs[s + i] = g));
          fromCache += shard.length;
          done += shard.length;
          options.onProgress?.(done, entries.length, fromCache);
          continue;
        }
      }
      // Build the shard: its files split into worker tasks that run concurrently.
      const tasks: Promise<void>[] = [];
      const shardGraphs: (CrystalGraph | undefined)[] = new Array(shard.length).fill(undefined);
      let shardFailed = false;
      for (let t = 0; t < shard.length; t += taskSize) {
        const part = shard.slice(t, t + taskSize);
        const files = part.map((e) => ({ path: e.file, relPath: path.basename(e.file) }));
        tasks.push(
          featurizer.featurize(files, options.signal).then((chunk) => {
            chunk.files.forEach((f, i) => {
              const entry = part[i];
              const ok = f.entries.length >= 1 && f.entries[0].graph !== undefined && !f.entries[0].error;
              if (ok) {
                // A dataset row is one crystal: the first block of a multi-block file, under the row's id.
                shardGraphs[t + i] = { ...chunk.graphs[f.entries[0].graph!], id: entry.id };
              } else {
                shardFailed = true;
                errors.push({ id: entry.id, file: entry.file, reason: f.entries[0]?.error ?? 'no structure in the file' });
              }
            });
            done += part.length;
            options.onProgress?.(done, entries.length, fromCache);
          }),
        );
      }
      await Promise.all(tasks);
      shardGraphs.forEach((g, i) => (graphs[s + i] = g));
      built += shard.length;
      // Shards with a failed file are not cached, so the failure is reported again next time.
      if (cache && key && !shardFailed) await cache.write(key, shardGraphs as CrystalGraph[]);
    }
  } finally {
    await featurizer.close();
  }
  errors.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { graphs, errors, fromCache, built, seconds: (performance.now() - start) / 1000, threads, mode: featurizer.mode };
}

function abortError(): Error {
  const err = new Error('featurization cancelled');
  err.name = 'AbortError';
  return err;
}
