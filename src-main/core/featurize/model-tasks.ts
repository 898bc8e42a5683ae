/**
 * The tasks of a featurize worker given a model (workerData: ModelWorkerData): featurize a chunk of structure files
 * and predict its crystals (screening), or predict packed graphs (evaluate). Loaded by featurize-worker.ts only in
 * such workers, so that featurization alone (datasets, training) never loads tfjs.
 */
import { predictPackedGraphs, workerPredictor, type ModelWorkerData, type PredictGraphsRequest, type PredictGraphsResponse } from '../model/worker-predictor';
import { predictOutcomes } from '../screen/predict-outcomes';
import { encodeGraphs } from '../graph/graph-codec';
import { featurizeFiles, type FeaturizeRequest, type FeaturizeResponse } from './featurize-chunk';

/** Screening's default batch size, used when the worker data names none. */
const DEFAULT_PREDICT_BATCH = 512;

export type ModelTaskRequest = FeaturizeRequest | PredictGraphsRequest;
export type ModelTaskResponse = FeaturizeResponse | PredictGraphsResponse;

/** Starts loading the model (the first task waits for it). */
export function preloadModel(data: ModelWorkerData): Promise<unknown> {
  return workerPredictor(data.model);
}

/** Runs one task; the model is loaded on the first (the pool's start-up probe), so a model that cannot load fails it. */
export async function runModelTask(data: ModelWorkerData, req: ModelTaskRequest): Promise<{ result: ModelTaskResponse; transfer: ArrayBuffer[] }> {
  if ('packedGraphs' in req) {
    const result = await predictPackedGraphs(data.model, req);
    return { result, transfer: [...result.mean, ...(result.std ?? [])].map((a) => a.buffer as ArrayBuffer) };
  }
  const predictor = await workerPredictor(data.model);
  const { files, graphs } = featurizeFiles(req);
  const predictions = graphs.length === 0 ? [] : await predictOutcomes((g) => predictor.predict(g), graphs, predictor.tasks, data.batchSize ?? DEFAULT_PREDICT_BATCH);
  const packed = encodeGraphs(graphs);
  return { result: { files, graphs: packed, predictions }, transfer: [packed.buffer as ArrayBuffer] };
}
