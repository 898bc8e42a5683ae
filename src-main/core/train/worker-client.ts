/**
 * Parent side of the training worker: runTrainingInWorker(workerScript, options, data, callbacks).
 * The worker entry is train-worker.ts (bundled by vite to out/main/train-worker.js). This module imports no
 * tfjs, so the main process stays light.
 *
 * Protocol (structured clone; typed arrays are copied):
 *   parent -> worker  { type: 'start', options, data: WorkerTrainingData, backend? }   then optionally { type: 'cancel' }
 *   worker -> parent  { type: 'progress', progress } | { type: 'epoch', record } | { type: 'log', message }
 *                     { type: 'done', result } | { type: 'error', name, message, stack }
 * Cancellation: the parent's AbortSignal posts 'cancel'; the worker aborts between steps and replies with an
 * error named 'AbortError' (the checkpoint of the last finished epoch stays resumable).
 */
import { Worker } from 'node:worker_threads';
import type { BackendKind } from '../compute/backend';
import type { GraphSettings, CrystalGraph } from '../graph/crystal-graph';
import type { ModelTaskSpec } from '../model/config';
import type { EpochRecord, TrainCallbacks, TrainOptions, TrainProgress, TrainResult, TrainingData } from './types';

export const WORKER_MARK = 'mtcgcnnTrainWorker';
/** Name of the worker bundle entry (out/main/train-worker.js). */
export const TRAIN_WORKER_NAME = 'train-worker';

/** TrainingData in a cloneable form (the element table as its matrix). */
export interface WorkerTrainingData {
  graphs: CrystalGraph[];
  targets: Float64Array[];
  tasks: ModelTaskSpec[];
  elementMatrix: Float32Array;
  elementDimension: number;
  graphSettings: GraphSettings;
  datasetName?: string;
  datasetHash?: string;
}

export type ToWorker =
  | { type: 'start'; options: Omit<TrainOptions, 'signal'>; data: WorkerTrainingData; backend?: BackendKind }
  | { type: 'cancel' };

export type FromWorker =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'log'; message: string }
  | { type: 'done'; result: TrainResult }
  | { type: 'error'; name: string; message: string; stack?: string };

export function toWorkerData(data: TrainingData): WorkerTrainingData {
  return {
    graphs: data.graphs.map((g) => ({ ...g })),
    targets: data.targets.map((c) => Float64Array.from(c)),
    tasks: data.tasks.map((t) => ({ ...t })),
    elementMatrix: Float32Array.from(data.elementTable.matrix()),
    elementDimension: data.elementTable.dimension,
    graphSettings: { ...data.graphSettings },
    datasetName: data.datasetName,
    datasetHash: data.datasetHash,
  };
}

export function fromWorkerData(w: WorkerTrainingData): TrainingData {
  const m = w.elementMatrix;
  return {
    graphs: w.graphs,
    targets: w.targets,
    tasks: w.tasks,
    elementTable: { dimension: w.elementDimension, matrix: () => m },
    graphSettings: w.graphSettings,
    datasetName: w.datasetName,
    datasetHash: w.datasetHash,
  };
}

export interface WorkerRunOptions {
  /** Force a backend in the worker (else env MTCGCNN_BACKEND / auto). */
  backend?: BackendKind;
  /** Extra env for the worker. */
  env?: NodeJS.ProcessEnv;
  /** Keep progress messages to at most one per this many ms (epoch ends always pass). Default 100. */
  progressIntervalMs?: number;
}

/**
 * Runs trainModel in a worker thread running `workerScript` (the bundled train-worker.js), streaming
 * progress to `callbacks`. `options.signal` cancels.
 */
export function runTrainingInWorker(
  workerScript: string,
  options: TrainOptions,
  data: TrainingData,
  callbacks: TrainCallbacks = {},
  run: WorkerRunOptions = {},
): Promise<TrainResult> {
  const { signal, ...rest } = options;
  return new Promise<TrainResult>((resolve, reject) => {
    const worker = new Worker(workerScript, { env: run.env ?? process.env, workerData: { [WORKER_MARK]: true } });
    let settled = false;
    let lastProgress = 0;
    const interval = run.progressIntervalMs ?? 100;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => {
      worker.postMessage({ type: 'cancel' } satisfies ToWorker);
    };
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    worker.on('message', (msg: FromWorker) => {
      switch (msg.type) {
        case 'progress': {
          const now = Date.now();
          if (msg.progress.phase === 'epoch-end' || now - lastProgress >= interval) {
            lastProgress = now;
            callbacks.onProgress?.(msg.progress);
          }
          break;
        }
        case 'epoch':
          callbacks.onEpoch?.(msg.record);
          break;
        case 'log':
          callbacks.onLog?.(msg.message);
          break;
        case 'done':
          finish(() => resolve(msg.result));
          break;
        case 'error':
          finish(() => {
            const e = new Error(msg.message);
            e.name = msg.name;
            if (msg.stack) e.stack = msg.stack;
            reject(e);
          });
          break;
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`training worker exited with code ${code}`))));
    worker.postMessage({ type: 'start', options: rest, data: toWorkerData(data), backend: run.backend } satisfies ToWorker);
  });
}

