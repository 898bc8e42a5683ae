/**
 * screenFolder: predict every structure file of a folder with a trained model and write one CSV row per
 * crystal, streaming.
 *
 * Pipeline (bounded memory, input order preserved):
 *   walk (sorted, streaming) -> shard + resume filter -> chunks of `chunkSize` files
 *   -> featurize and predict (worker threads, each with its own copy of the model: model.workerModel), or
 *      featurize only (workers without a model, or in-process) with at most `maxChunksInFlight` chunks alive
 *   -> in input order: predict what the workers did not, in batches of up to `batchSize` crystals across chunks
 *   -> append rows + fsync per flushed block (a block: at least `batchSize` crystals, or the end).
 * Predictions made in the workers equal those made here bit for bit (model/worker-predictor.ts), so the output does
 * not depend on where they were made; a chunk a worker could not predict (a worker restarted on a bad file, workers
 * that cannot start) is predicted here.
 * A chunk stays "alive" (counted against maxChunksInFlight) from submission until its rows are on disk,
 * which is the backpressure: the walk pauses when the predictor or the disk falls behind.
 *
 * Cancellation (AbortSignal): no new work starts, a flush already predicting still writes its rows,
 * and the run resolves with `cancelled: true`. Nothing half-written is left; --resume continues.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ReadOptions } from '../io';
import type { CrystalGraph } from '../graph/crystal-graph';
import { defaultThreadCount, workerScriptPath } from '../parallel/worker-pool';
import { FILE_COLUMN, errorColumn, errorRow, outputLayout, predictionRow, type OutputLayout } from './columns';
import { ModelOutputError, predictOutcomes, type GraphOutcome } from './predict-outcomes';
import { DurableAppender, csvLine } from './csv-writer';
import { DomainChecker } from './domain';
import { acquireLock, LockError } from '../fs/lock-file';
import { SkipTally, STRUCTURE_FILE_KINDS, countStructureFiles, describeSkipped, walkStructureFiles, type FoundFile, type SkipSummary } from './file-walk';
import { createFeaturizer, FEATURIZE_WORKER_NAME, type ChunkFeaturizer, type FeaturizedChunk } from '../featurize/featurizer';
import type { ScreeningModel } from './model';
import { ResumeError, readResumeState } from './resume';
import { inShard, validateShard, type ShardSpec } from './shard';

export const DEFAULT_CHUNK_SIZE = 64;
export const DEFAULT_BATCH_SIZE = 512;
/** Name of the worker bundle entry screening uses (out/main/featurize-worker.js). */
export const SCREEN_WORKER_NAME = FEATURIZE_WORKER_NAME;

export interface ScreenOptions {
  /** Folder with the structure files. */
  inputDir: string;
  /** CSV to write (appended to with `resume`). */
  outPath: string;
  /** Also screen subfolders. */
  recursive?: boolean;
  /** Take only this shard of the files. */
  shard?: ShardSpec;
  /** Continue an existing output: skip files already in it. */
  resume?: boolean;
  /** Overwrite an existing output (ignored with `resume`). */
  force?: boolean;
  /**
   * Worker threads (default: defaultScreenThreads); 0: in-process. They featurize, and predict too when the model
   * says how they can load it (model.workerModel).
   */
  threads?: number;
  /** Files per featurization task (default 64). */
  chunkSize?: number;
  /** Crystals per predict call (default 512). */
  batchSize?: number;
  /** Chunks alive at once (default: enough to fill two batches, plus two per thread). */
  maxChunksInFlight?: number;
  /** Structure reader options (partial occupancy policy, size limits). */
  readOptions?: ReadOptions;
  signal?: AbortSignal;
  /** Count the files first (names only, concurrently) so progress has a total and an ETA (default true). */
  countFiles?: boolean;
  /**
   * Worker script: default `workerScriptPath('featurize-worker')`, i.e. the bundled worker next to the
   * running bundle; null forces in-process featurization.
   */
  workerScript?: string | null;
  /** fsync after each flushed block (default true; tests may turn it off for speed). */
  fsync?: boolean;
  /** Minimum milliseconds between progress callbacks (default 250; the final one always comes). */
  progressIntervalMs?: number;
}

export interface ScreenProgress {
  /** Files finished: done in this run plus those skipped because the output already had them. */
  done: number;
  /** Files in this shard (undefined until the counting pass ends, or with countFiles false). */
  total?: number;
  /** Files skipped because they were already in the output (resume). */
  skipped: number;
  /** Files with an error row (this run and, with resume, the kept part of the output). */
  failed: number;
  /** Rows written in this run. */
  rows: number;
  /** Files per second in this run. */
  ratePerSecond: number;
  /** Seconds left at the current rate (undefined while the total is unknown). */
  etaSeconds?: number;
  elapsedSeconds: number;
}

export interface ScreenCallbacks {
  onProgress?: (p: ScreenProgress) => void;
  /** Non-fatal problems of the run itself (unreadable subfolder, worker restarts); file errors go to the CSV. */
  onWarning?: (message: string) => void;
}

export interface ScreenSummary {
  outPath: string;
  header: string[];
  /** Files screened in this run. */
  files: number;
  /** Rows written in this run. */
  rows: number;
  /** Files screened in this run that got an error row. */
  failed: number;
  /** Files skipped because the output already had them (resume). */
  skipped: number;
  /** Files with an error row in the kept part of the output (resume). */
  previouslyFailed: number;
  /** failed + previouslyFailed: error files in the whole output. */
  totalFailed: number;
  /** Files in this shard, when counted. */
  total?: number;
  cancelled: boolean;
  elapsedSeconds: number;
  ratePerSecond: number;
  featurizer: 'workers' | 'in-process';
  /**
   * Where the predictions were made: in the worker threads (each with its copy of the model), or on the calling
   * thread (all or some of them: a chunk redone after a worker crash is predicted there).
   */
  predictor: 'workers' | 'in-process';
  threads: number;
  /** Entries of the folder not read (unknown kind, hidden, subfolders without recursive, unreadable). */
  notRead: SkipSummary;
}

/** 'locked': another run is writing the same output (see lockOutput). */
export type ScreenErrorCode = 'input' | 'output-exists' | 'output' | 'resume' | 'model' | 'locked';

/** A problem that stops the run before or while it works (not a bad input file). */
export class ScreenError extends Error {
  constructor(
    readonly code: ScreenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ScreenError';
  }
}

interface AliveChunk {
  readonly result: Promise<{ ok: true; chunk: FeaturizedChunk } | { ok: false; error: unknown; files: readonly FoundFile[] }>;
}

interface ReadyChunk {
  readonly chunk: FeaturizedChunk;
}

const ABORTED = Symbol('aborted');

/**
 * Worker threads of a screening by default: every logical core when the workers predict (this thread then only
 * orders and writes rows), all but one when this thread predicts while the workers featurize.
 */
export function defaultScreenThreads(workersPredict: boolean): number {
  return workersPredict ? defaultThreadCount() : Math.max(1, defaultThreadCount() - 1);
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Takes `<out>.lock` (host, pid; stale when that process is gone), so two runs never append to one output — a
 * re-queued cluster job or the same command started twice would otherwise write every remaining row twice.
 */
function lockOutput(outPath: string): () => void {
  const out = path.resolve(outPath);
  try {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    return acquireLock(`${out}.lock`, { purpose: 'a screening run', target: outPath });
  } catch (err) {
    if (err instanceof LockError) {
      throw new ScreenError('locked', `${err.message.replace(/; wait for it/, '; it is writing that output: wait for it')}`);
    }
    throw new ScreenError('output', `cannot use ${outPath}: ${(err as Error).message}`);
  }
}

/** Opens the output according to resume / force; returns the appender and what resume kept. */
async function openOutput(
  options: ScreenOptions,
  layout: OutputLayout,
  onWarning: (m: string) => void,
): Promise<{ appender: DurableAppender; done: Map<string, boolean>; previouslyFailed: number }> {
  const out = path.resolve(options.outPath);
  let exists = false;
  try {
    const st = fs.statSync(out);
    if (!st.isFile()) throw new ScreenError('output', `${options.outPath} exists and is not a file`);
    exists = true;
  } catch (err) {
    if (err instanceof ScreenError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ScreenError('output', `cannot use ${options.outPath}: ${(err as Error).message}`);
  }
  const fsync = options.fsync ?? true;
  const headerLine = csvLine(layout.header);
  if (exists && options.resume) {
    let state;
    try {
      state = await readResumeState(out, { header: layout.header, fileColumn: FILE_COLUMN, errorColumn: errorColumn(layout) });
    } catch (err) {
      if (err instanceof ResumeError) throw new ScreenError('resume', err.message);
      throw err;
    }
    if (state.droppedPartialLine) onWarning(`resume: dropped a partial last line of ${options.outPath}`);
    const appender = new DurableAppender(out, { truncateTo: state.keepBytes, fsync });
    if (!state.hasHeader) appender.append(headerLine);
    return { appender, done: state.doneFiles, previouslyFailed: state.failedFiles };
  }
  if (exists && !options.force) {
    throw new ScreenError('output-exists', `${options.outPath} already exists: use --resume to continue it or --force to overwrite it`);
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const appender = new DurableAppender(out, { truncateTo: 0, fsync });
  appender.append(headerLine);
  return { appender, done: new Map(), previouslyFailed: 0 };
}

/** Screens a folder; see the module comment. Rejects with ScreenError for problems of the run itself. */
export async function screenFolder(options: ScreenOptions, model: ScreeningModel, callbacks: ScreenCallbacks = {}): Promise<ScreenSummary> {
  const started = performance.now();
  const signal = options.signal;
  const onWarning = callbacks.onWarning ?? ((): void => {});
  const chunkSize = positiveInt('chunkSize', options.chunkSize, DEFAULT_CHUNK_SIZE);
  const batchSize = positiveInt('batchSize', options.batchSize, DEFAULT_BATCH_SIZE);
  const workerScript = options.workerScript === null ? undefined : (options.workerScript ?? workerScriptPath(SCREEN_WORKER_NAME));
  const workerModel = workerScript !== undefined ? model.workerModel : undefined;
  const threads = options.threads ?? defaultScreenThreads(workerModel !== undefined);
  if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`threads must be a non-negative integer, got ${threads}`);
  // Enough chunks alive for one batch being predicted plus the next one being featurized meanwhile (the
  // workers keep going while this thread predicts: each has its share of a batch queued), plus two per thread.
  const chunksPerBatch = Math.ceil(batchSize / chunkSize);
  const maxAlive = positiveInt('maxChunksInFlight', options.maxChunksInFlight, 2 * chunksPerBatch + 2 * Math.max(1, threads));
  const tasksPerWorker = Math.ceil(chunksPerBatch / Math.max(1, threads)) + 1;
  const shard = options.shard ? validateShard(options.shard) : undefined;

  let layout: OutputLayout;
  let domain: DomainChecker;
  try {
    layout = outputLayout({ ...model, decisionThresholds: model.decisionThresholds });
    domain = new DomainChecker(model.domain);
  } catch (err) {
    throw new ScreenError('model', `the model cannot be used for screening: ${(err as Error).message}`);
  }

  const inputDir = path.resolve(options.inputDir);
  try {
    if (!fs.statSync(inputDir).isDirectory()) throw new Error('not a folder');
  } catch (err) {
    throw new ScreenError('input', `cannot screen ${options.inputDir}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (err as Error).message}`);
  }

  const recursiveWalk = options.recursive ?? false;
  {
    // a folder without any structure file is a mistake (wrong folder, unknown extensions): say so before writing
    const tally = new SkipTally();
    let any = false;
    for await (const f of walkStructureFiles(inputDir, { recursive: recursiveWalk, onSkipped: tally.add })) {
      void f;
      any = true;
      break;
    }
    if (!any) {
      const what = describeSkipped(tally.summary());
      throw new ScreenError('input', `${options.inputDir} holds no structure file (${STRUCTURE_FILE_KINDS})${what ? `; ${what}` : ''}`);
    }
  }

  const releaseLock = lockOutput(options.outPath);
  let opened: Awaited<ReturnType<typeof openOutput>>;
  try {
    opened = await openOutput(options, layout, onWarning);
  } catch (err) {
    releaseLock();
    throw err;
  }
  const { appender, done: doneFiles, previouslyFailed } = opened;

  const recursive = recursiveWalk;
  let total: number | undefined;
  let skipped = 0;
  let files = 0;
  let rows = 0;
  let failed = 0;
  let lastProgress = -Infinity;
  const progressInterval = options.progressIntervalMs ?? 250;

  const elapsed = (): number => (performance.now() - started) / 1000;
  const progress = (force = false): void => {
    if (!callbacks.onProgress) return;
    const now = performance.now();
    if (!force && now - lastProgress < progressInterval) return;
    lastProgress = now;
    const secs = elapsed();
    const rate = secs > 0 ? files / secs : 0;
    const doneNow = files + skipped;
    const p: ScreenProgress = { done: doneNow, skipped, failed: failed + previouslyFailed, rows, ratePerSecond: rate, elapsedSeconds: secs };
    if (total !== undefined) {
      p.total = total;
      if (rate > 0) p.etaSeconds = Math.max(0, total - doneNow) / rate;
      else if (doneNow >= total) p.etaSeconds = 0;
    }
    callbacks.onProgress(p);
  };

  const countController = new AbortController();
  const stopCount = (): void => countController.abort();
  signal?.addEventListener('abort', stopCount, { once: true });
  if (options.countFiles ?? true) {
    countStructureFiles(inputDir, { recursive, signal: countController.signal, filter: (rel) => inShard(rel, shard) }).then(
      (n) => {
        if (!countController.signal.aborted) {
          total = n;
          progress(true);
        }
      },
      () => undefined,
    );
  }

  const notRead = new SkipTally();
  const walker = walkStructureFiles(inputDir, { recursive, signal, onWarning, onSkipped: notRead.add });
  let inputDone = false;
  async function nextChunk(): Promise<FoundFile[] | undefined> {
    const chunk: FoundFile[] = [];
    while (chunk.length < chunkSize) {
      const r = await walker.next();
      if (r.done) {
        inputDone = true;
        break;
      }
      const f = r.value;
      if (!inShard(f.relPath, shard)) continue;
      if (doneFiles.has(f.relPath)) {
        skipped++;
        continue;
      }
      chunk.push(f);
    }
    return chunk.length > 0 ? chunk : undefined;
  }

  let featurizer: ChunkFeaturizer;
  try {
    featurizer = createFeaturizer({
      threads,
      workerScript,
      tasksPerWorker,
      graphSettings: model.graphSettings,
      readOptions: options.readOptions ?? {},
      onWarning,
      ...(workerModel ? { workerData: { model: workerModel, batchSize } } : {}),
    });
  } catch (err) {
    appender.close();
    releaseLock();
    countController.abort();
    throw err;
  }

  /** Crystals predicted (a value or a non-finite one) so far, in input order: a failure before any is the model's. */
  let predictedOk = 0;
  /** Crystals predicted on this thread (none when the workers predicted everything). */
  let predictedHere = 0;

  async function predictHere(graphs: readonly CrystalGraph[]): Promise<GraphOutcome[]> {
    predictedHere += graphs.length;
    try {
      return await predictOutcomes((g) => model.predict(g), graphs, layout.tasks, batchSize);
    } catch (err) {
      if (err instanceof ModelOutputError) throw new ScreenError('model', err.message);
      throw err;
    }
  }

  async function flush(ready: ReadyChunk[]): Promise<void> {
    // The chunks the workers did not predict are predicted here, together.
    const unpredicted = ready.filter((r) => !r.chunk.predictions).flatMap((r) => r.chunk.graphs);
    const here = unpredicted.length > 0 ? await predictHere(unpredicted) : [];
    let next = 0;
    const outcomes = ready.map((r) => r.chunk.predictions ?? here.slice(next, (next += r.chunk.graphs.length)));
    let text = '';
    let nFiles = 0;
    let nRows = 0;
    let nFailed = 0;
    ready.forEach((r, k) => {
      for (const f of r.chunk.files) {
        let fileFailed = false;
        for (const e of f.entries) {
          let row: string[];
          if (e.error !== undefined || e.graph === undefined) {
            row = errorRow(layout, e.id, f.relPath, e.error ?? 'no graph', { formula: e.formula, numAtoms: e.numAtoms });
            fileFailed = true;
          } else {
            const g = r.chunk.graphs[e.graph];
            const p = outcomes[k][e.graph];
            if ('error' in p && p.failure !== undefined && predictedOk === 0) throw new ScreenError('model', `the model failed to predict: ${p.failure}`);
            if ('error' in p) {
              if (p.failure === undefined) predictedOk++;
              row = errorRow(layout, e.id, f.relPath, p.error, { formula: e.formula, numAtoms: e.numAtoms });
              fileFailed = true;
            } else {
              predictedOk++;
              row = predictionRow(layout, {
                id: e.id,
                file: f.relPath,
                formula: e.formula ?? '',
                numAtoms: e.numAtoms ?? g.numAtoms,
                mean: p.mean,
                ...(p.std ? { std: p.std } : {}),
                outOfDomain: domain.check(g.atomicNumbers, g.numAtoms).outOfDomain,
              });
            }
          }
          text += csvLine(row);
          nRows++;
        }
        nFiles++;
        if (fileFailed) nFailed++;
      }
    });
    try {
      appender.append(text);
    } catch (err) {
      throw new ScreenError('output', `cannot write ${options.outPath}: ${(err as Error).message}`);
    }
    files += nFiles;
    rows += nRows;
    failed += nFailed;
    progress();
  }

  const alive: AliveChunk[] = []; // submitted, not yet ready, in input order
  let ready: ReadyChunk[] = []; // featurized, in input order, awaiting predict + write
  let readyCrystals = 0;
  let cancelled = false;
  try {
    while (true) {
      if (signal?.aborted) {
        cancelled = true;
        break;
      }
      while (!inputDone && alive.length + ready.length < maxAlive) {
        const filesOfChunk = await untilAborted(nextChunk(), signal);
        if (filesOfChunk === ABORTED) break;
        if (filesOfChunk === undefined) break;
        const result = featurizer.featurize(filesOfChunk, signal).then(
          (chunk) => ({ ok: true as const, chunk }),
          (error: unknown) => ({ ok: false as const, error, files: filesOfChunk }),
        );
        alive.push({ result });
      }
      if (signal?.aborted) {
        cancelled = true;
        break;
      }
      if (ready.length > 0 && (readyCrystals >= batchSize || alive.length === 0)) {
        const batch = ready;
        ready = [];
        readyCrystals = 0;
        await flush(batch);
        continue;
      }
      if (alive.length === 0) break; // input exhausted and everything written
      const head = await untilAborted(alive[0].result, signal);
      if (head === ABORTED) {
        cancelled = true;
        break;
      }
      alive.shift();
      if (!head.ok) {
        if (signal?.aborted) {
          cancelled = true;
          break;
        }
        throw head.error;
      }
      ready.push({ chunk: head.chunk });
      readyCrystals += head.chunk.graphs.length;
    }
  } finally {
    countController.abort();
    signal?.removeEventListener('abort', stopCount);
    // Not awaited: a pending directory read finishes on its own (the walk checks the signal per entry).
    void walker.return(undefined).catch(() => undefined);
    await featurizer.close().catch(() => undefined);
    appender.close();
    releaseLock();
  }
  if (!cancelled) {
    if (total === undefined && (options.countFiles ?? true)) total = files + skipped;
  }
  progress(true);
  const secs = elapsed();
  const mode = featurizer.mode;
  return {
    outPath: options.outPath,
    header: [...layout.header],
    files,
    rows,
    failed,
    skipped,
    previouslyFailed,
    totalFailed: failed + previouslyFailed,
    ...(total !== undefined ? { total } : {}),
    cancelled,
    elapsedSeconds: secs,
    ratePerSecond: secs > 0 ? files / secs : 0,
    featurizer: mode,
    predictor: workerModel !== undefined && mode === 'workers' && predictedHere === 0 ? 'workers' : 'in-process',
    threads: mode === 'workers' ? featurizer.threads : 1,
    notRead: notRead.summary(),
  };
}
