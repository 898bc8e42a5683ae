/**
 * Prediction in worker threads: each worker loads the model bundle once, on its own tfjs backend instance, and
 * predicts the crystals sent to it, so that prediction uses every core (one wasm backend uses one). The worker entry
 * is the featurize worker (featurize/featurize-worker.ts, tasks in featurize/model-tasks.ts), which screening also
 * uses to featurize and predict its chunks in one go.
 *
 * A crystal's prediction does not depend on the other crystals of its batch (batch norm is folded, pooling is per
 * crystal, and the matrix products accumulate each row in the same order whatever the number of rows), so
 * predictions made in workers equal those of Predictor.predict on the calling thread bit for bit; the tests check it.
 */
import path from 'node:path';
import type { CrystalGraph } from '../graph/crystal-graph';
import { decodeGraphs, encodeGraphs } from '../graph/graph-codec';
import { currentBackend, initBackend } from '../compute/backend';
import { WorkerPool, workerScriptPath } from '../parallel/worker-pool';
import { FEATURIZE_WORKER_NAME } from '../featurize/featurizer';
import { Predictor, type PredictionResult } from './predictor';

/** What a worker needs to load the model itself. */
export interface WorkerModelSpec {
  /** The model bundle folder (model.json, members/). */
  readonly bundleDir: string;
  /** The backend the calling thread predicts on; the workers use the same. */
  readonly backend: 'wasm' | 'cpu';
}

/**
 * The spec for predicting with the bundle in `bundleDir` in workers, when the calling thread's backend allows it:
 * wasm and cpu run one instance per thread; the native TensorFlow backend already uses every core and is not
 * loaded in worker threads (undefined).
 */
export function workerModelSpec(bundleDir: string): WorkerModelSpec | undefined {
  const kind = currentBackend()?.kind;
  return kind === 'wasm' || kind === 'cpu' ? { bundleDir: path.resolve(bundleDir), backend: kind } : undefined;
}

/** workerData of a featurize worker that predicts too. */
export interface ModelWorkerData {
  readonly model: WorkerModelSpec;
  /** Crystals per predict call when the worker predicts the chunks it featurized (screening's batch size). */
  readonly batchSize?: number;
}

let loaded: { dir: string; predictor: Promise<Predictor> } | undefined;

/** Worker side: the thread's predictor for `spec`, loaded on first use (its backend is initialised then, silently). */
export function workerPredictor(spec: WorkerModelSpec): Promise<Predictor> {
  if (loaded?.dir !== spec.bundleDir) {
    const predictor = initBackend({ force: spec.backend, skipNative: true, log: () => undefined, warn: () => undefined }).then(() => Predictor.load(spec.bundleDir));
    loaded = { dir: spec.bundleDir, predictor };
  }
  return loaded.predictor;
}

/** A task of a worker given a model: predict packed graphs. */
export interface PredictGraphsRequest {
  /** encodeGraphs of the crystals. */
  readonly packedGraphs: Uint8Array;
}

export interface PredictGraphsResponse {
  readonly mean: Float64Array[];
  readonly std?: Float64Array[];
}

/** Worker side of PredictGraphsRequest. */
export async function predictPackedGraphs(spec: WorkerModelSpec, req: PredictGraphsRequest): Promise<PredictGraphsResponse> {
  const predictor = await workerPredictor(spec);
  return predictor.predict(decodeGraphs(req.packedGraphs));
}

/** Crystals per worker task: small enough to share the work evenly, large enough to fill a forward batch. */
const GRAPHS_PER_TASK = 256;

export interface PredictInWorkersOptions {
  /** Worker threads (at least 1). */
  readonly threads: number;
  /** The bundled worker script (featurize-worker.js). */
  readonly workerScript: string;
  /** Crystals per task (default 256). */
  readonly graphsPerTask?: number;
}

/**
 * Calling side: predicts `graphs` on `threads` workers (the same result as Predictor.predict of `spec`'s bundle on
 * this thread). Rejects when a worker cannot load the model or fails; callers fall back to predicting here.
 */
export async function predictInWorkers(graphs: readonly CrystalGraph[], spec: WorkerModelSpec, options: PredictInWorkersOptions): Promise<PredictionResult> {
  const size = Math.max(1, Math.floor(options.graphsPerTask ?? GRAPHS_PER_TASK));
  const pool = new WorkerPool<PredictGraphsRequest, PredictGraphsResponse>(options.workerScript, Math.max(1, options.threads), { model: spec } satisfies ModelWorkerData);
  try {
    const parts: Promise<PredictGraphsResponse>[] = [];
    for (let start = 0; start < graphs.length; start += size) {
      const packedGraphs = encodeGraphs(graphs.slice(start, start + size));
      parts.push(pool.run({ packedGraphs }, [packedGraphs.buffer as ArrayBuffer]));
    }
    const results = await Promise.all(parts);
    const join = (cols: (r: PredictGraphsResponse) => Float64Array[] | undefined, t: number): Float64Array => {
      const out = new Float64Array(graphs.length);
      let at = 0;
      for (const r of results) {
        const col = cols(r)![t];
        out.set(col, at);
        at += col.length;
      }
      return out;
    };
    const tasks = results[0]?.mean.length ?? 0;
    const mean = Array.from({ length: tasks }, (_, t) => join((r) => r.mean, t));
    if (results.length === 0 || !results[0].std) return { mean };
    return { mean, std: Array.from({ length: tasks }, (_, t) => join((r) => r.std, t)) };
  } finally {
    await pool.close();
  }
}

export interface PredictOnThreadsOptions {
  /** Worker threads; 0 predicts on this thread. */
  readonly threads: number;
  /** The bundle folder `predictor` was loaded from (the workers load it too). */
  readonly bundleDir: string;
  /** Bundled worker script (default: the featurize worker next to the running bundle). */
  readonly workerScript?: string;
  /** Says why the workers were not used when they failed. */
  readonly onWarning?: (message: string) => void;
}

/**
 * `predictor.predict(graphs)`, on `threads` worker threads where they can be used (a bundled worker script, a wasm or
 * cpu backend, a model the workers can load), else on this thread; the result is the same either way.
 */
export async function predictOnThreads(
  predictor: Predictor,
  graphs: readonly CrystalGraph[],
  options: PredictOnThreadsOptions,
): Promise<PredictionResult & { threads: number }> {
  const spec = workerModelSpec(options.bundleDir);
  const workerScript = options.workerScript ?? workerScriptPath(FEATURIZE_WORKER_NAME);
  if (options.threads >= 1 && spec && workerScript && graphs.length > 0) {
    try {
      return { ...(await predictInWorkers(graphs, spec, { threads: options.threads, workerScript })), threads: options.threads };
    } catch (err) {
      options.onWarning?.(`prediction workers failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); predicting on the main thread`);
    }
  }
  return { ...predictor.predict(graphs), threads: 0 };
}
