/**
 * Runs featurization tasks either on a pool of worker threads (the bundled featurize-worker.js) or, when
 * no bundle is available (tests running TypeScript sources), in-process with the same task function.
 *
 * A worker that crashes (out of memory on a pathological file, a native fault) fails every task the
 * pool had. The pool is replaced, and the files of the failed chunks are redone one at a time on a
 * separate one-worker "quarantine" pool: a file that crashes a worker there on its own gets an error
 * entry, bystanders get their graphs. Every new pool is probed with an empty task per worker; when
 * workers cannot even start (a broken worker bundle), the run continues in-process.
 */
import { WorkerPool } from '../parallel/worker-pool';
import { featurizeFile, type FeaturizeRequest, type FeaturizeResponse, type FeaturizedFile } from './featurize-chunk';
import { decodeGraphs } from '../graph/graph-codec';
import { fileStem } from '../io/util';
import type { CrystalGraph, GraphSettings } from '../graph/crystal-graph';
import type { ReadOptions } from '../io';
import type { FoundFile } from '../screen/file-walk';
import type { GraphOutcome } from '../screen/predict-outcomes';
import type { ModelWorkerData } from '../model/worker-predictor';

/** Name of the featurize worker's bundle entry (out/main/featurize-worker.js; see workerScriptPath). */
export const FEATURIZE_WORKER_NAME = 'featurize-worker';

export interface FeaturizedChunk {
  readonly files: FeaturizedFile[];
  /** Graphs referenced by the entries' `graph` index. */
  readonly graphs: CrystalGraph[];
  /** One per graph when the workers predicted them too (workers given a model); absent: not predicted yet. */
  readonly predictions?: readonly GraphOutcome[];
}

export interface ChunkFeaturizer {
  readonly mode: 'workers' | 'in-process';
  readonly threads: number;
  featurize(files: readonly FoundFile[], signal?: AbortSignal): Promise<FeaturizedChunk>;
  close(): Promise<void>;
}

/** The part of WorkerPool this module uses (tests substitute a fake). */
export interface TaskRunner<Req, Res> {
  run(request: Req): Promise<Res>;
  close(): Promise<void>;
}

export interface FeaturizerConfig {
  readonly graphSettings: GraphSettings;
  readonly readOptions: ReadOptions;
  onWarning?: (message: string) => void;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Featurizes on the calling thread, one chunk at a time, yielding between files. */
export class InProcessFeaturizer implements ChunkFeaturizer {
  readonly mode = 'in-process' as const;
  readonly threads = 1;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly config: FeaturizerConfig) {}

  featurize(files: readonly FoundFile[], signal?: AbortSignal): Promise<FeaturizedChunk> {
    // Chunks run strictly one after another so the earliest finishes first.
    const run = this.tail.then(() => this.run(files, signal));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async run(files: readonly FoundFile[], signal?: AbortSignal): Promise<FeaturizedChunk> {
    const graphs: CrystalGraph[] = [];
    const out: FeaturizedFile[] = [];
    for (const f of files) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      out.push(featurizeFile(f, this.config.graphSettings, this.config.readOptions, graphs));
      await yieldToEventLoop();
    }
    return { files: out, graphs };
  }

  async close(): Promise<void> {}
}

function errorChunk(file: FoundFile, reason: string): FeaturizedChunk {
  return { files: [{ relPath: file.relPath, entries: [{ id: fileStem(file.relPath), error: reason }], warnings: [] }], graphs: [] };
}

/** The parts as one chunk; with predictions only when every part that has graphs came with them. */
function concatChunks(parts: readonly FeaturizedChunk[]): FeaturizedChunk {
  const files: FeaturizedFile[] = [];
  const graphs: CrystalGraph[] = [];
  for (const p of parts) {
    const base = graphs.length;
    graphs.push(...p.graphs);
    for (const f of p.files) files.push({ ...f, entries: f.entries.map((e) => (e.graph === undefined ? e : { ...e, graph: e.graph + base })) });
  }
  const predicted = parts.some((p) => p.predictions) && parts.every((p) => p.predictions || p.graphs.length === 0);
  return predicted ? { files, graphs, predictions: parts.flatMap((p) => p.predictions ?? []) } : { files, graphs };
}

function fromResponse(res: FeaturizeResponse): FeaturizedChunk {
  const graphs = decodeGraphs(res.graphs);
  return res.predictions && res.predictions.length === graphs.length ? { files: res.files, graphs, predictions: res.predictions } : { files: res.files, graphs };
}

export class WorkerFeaturizer implements ChunkFeaturizer {
  private pool!: TaskRunner<FeaturizeRequest, FeaturizeResponse>;
  private generation = 0;
  /**
   * Whether every worker of the current pool answers an empty task. Probing each worker right after
   * creation makes a worker that fails to load (a broken bundle) show up at once, instead of
   * silently swallowing a later task.
   */
  private healthy!: Promise<boolean>;
  private probeError = '';
  private fallback: InProcessFeaturizer | undefined;
  private closed = false;
  /** One-worker pool for files retried after a crash, one at a time (created on demand). */
  private quarantinePool: TaskRunner<FeaturizeRequest, FeaturizeResponse> | undefined;
  private quarantineTail: Promise<unknown> = Promise.resolve();

  constructor(
    /** Makes a pool of `size` workers. */
    private readonly createPool: (size: number) => TaskRunner<FeaturizeRequest, FeaturizeResponse>,
    readonly threads: number,
    private readonly config: FeaturizerConfig,
  ) {
    this.startPool();
  }

  get mode(): 'workers' | 'in-process' {
    return this.fallback ? 'in-process' : 'workers';
  }

  private request(files: readonly FoundFile[]): FeaturizeRequest {
    return { files, graphSettings: this.config.graphSettings, readOptions: this.config.readOptions };
  }

  private startPool(): void {
    const pool = this.createPool(this.threads);
    this.pool = pool;
    this.healthy = Promise.all(Array.from({ length: Math.max(1, this.threads) }, () => pool.run(this.request([])))).then(
      () => true,
      (err: unknown) => {
        this.probeError = err instanceof Error ? err.message : String(err);
        return false;
      },
    );
  }

  async featurize(files: readonly FoundFile[], signal?: AbortSignal): Promise<FeaturizedChunk> {
    if (!this.fallback && !(await this.healthy) && !this.closed) this.switchToInProcess(this.probeError);
    if (this.fallback) return this.fallback.featurize(files, signal);
    const generation = this.generation;
    let res: FeaturizeResponse;
    try {
      res = await this.pool.run(this.request(files));
    } catch (err) {
      if (this.closed) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      this.replacePool(generation, reason);
      if (!(await this.healthy)) return this.switchToInProcess(this.probeError).featurize(files, signal);
      // A crash fails every task the pool had, so this chunk may be a bystander. Its files are redone one
      // at a time on a separate one-worker pool, where a crash can only be the fault of that file.
      return concatChunks(await Promise.all(files.map((f) => this.quarantined(f))));
    }
    return fromResponse(res);
  }

  private quarantined(file: FoundFile): Promise<FeaturizedChunk> {
    const run = this.quarantineTail.then(async (): Promise<FeaturizedChunk> => {
      if (this.closed) throw new Error('featurizer closed');
      const pool = (this.quarantinePool ??= this.createPool(1));
      try {
        return fromResponse(await pool.run(this.request([file])));
      } catch (err) {
        if (this.closed) throw err;
        this.quarantinePool = undefined;
        void pool.close().catch(() => undefined);
        return errorChunk(file, `worker crashed while reading this file: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    this.quarantineTail = run.catch(() => undefined);
    return run;
  }

  /** Fresh workers cannot even answer an empty task: the worker bundle itself is broken. */
  private switchToInProcess(reason: string): InProcessFeaturizer {
    if (!this.fallback) {
      this.config.onWarning?.(`featurization workers do not start (${reason}); continuing in-process`);
      this.fallback = new InProcessFeaturizer(this.config);
      void this.pool.close().catch(() => undefined);
    }
    return this.fallback;
  }

  private replacePool(failedGeneration: number, reason: string): void {
    if (failedGeneration !== this.generation) return; // already replaced after this failure
    this.generation++;
    void this.pool.close().catch(() => undefined);
    this.config.onWarning?.(`a featurization worker failed (${reason}); restarting the workers`);
    this.startPool();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.pool.close(), this.quarantinePool?.close()]);
  }
}

export interface CreateFeaturizerOptions extends FeaturizerConfig {
  /** Worker threads; 0 runs in-process. */
  readonly threads: number;
  /** Bundled worker script, or undefined to run in-process. */
  readonly workerScript: string | undefined;
  /**
   * Chunks queued on each worker ahead of its answers (default 1): lets the workers go on featurizing
   * while the calling thread is busy (see WorkerPoolOptions.tasksPerWorker).
   */
  readonly tasksPerWorker?: number;
  /** Starts the workers with a model, so that they predict each chunk too (FeaturizedChunk.predictions). */
  readonly workerData?: ModelWorkerData;
}

export function createFeaturizer(options: CreateFeaturizerOptions): ChunkFeaturizer {
  if (options.threads < 1 || options.workerScript === undefined) return new InProcessFeaturizer(options);
  const script = options.workerScript;
  const poolOptions = { tasksPerWorker: options.tasksPerWorker ?? 1 };
  return new WorkerFeaturizer(
    (size) => new WorkerPool<FeaturizeRequest, FeaturizeResponse>(script, size, options.workerData, poolOptions),
    options.threads,
    options,
  );
}
