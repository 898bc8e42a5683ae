/**
 * Worker-thread entry for featurization, used by featurize, train and screen (bundled as out/main/featurize-worker.js):
 * each task is a chunk of structure files; the answer carries the packed graphs as transferable buffers. A worker
 * started with a model (workerData: ModelWorkerData, see model/worker-predictor.ts) also predicts: it loads the model
 * once on its own tfjs backend and answers screening chunks with their predictions, and packed graphs (evaluate) with
 * theirs (model-tasks.ts).
 */
import { workerData } from 'node:worker_threads';
import { serveWorkerTasks } from '../parallel/worker-pool';
import { featurizeChunk, type FeaturizeRequest, type FeaturizeResponse } from './featurize-chunk';
import type { ModelWorkerData } from '../model/worker-predictor';
import type { ModelTaskRequest, ModelTaskResponse } from './model-tasks';

const data = workerData as Partial<ModelWorkerData> | null | undefined;

if (data?.model) {
  const withModel = { ...data, model: data.model };
  // Imported only here: featurization alone never loads tfjs. Loading starts at once (the model is ready sooner).
  const tasks = import('./model-tasks');
  void tasks.then((m) => m.preloadModel(withModel)).catch(() => undefined);
  serveWorkerTasks<ModelTaskRequest, ModelTaskResponse>(async (req) => (await tasks).runModelTask(withModel, req));
} else {
  serveWorkerTasks<FeaturizeRequest, FeaturizeResponse>((req) => {
    const result = featurizeChunk(req);
    return { result, transfer: [result.graphs.buffer as ArrayBuffer] };
  });
}
