/**
 * Worker-thread entry for featurization, used by featurize, train and screen (bundled as out/main/featurize-worker.js): each task is a chunk of
 * structure files; the answer carries the packed graphs as transferable buffers.
 */
import { serveWorkerTasks } from '../parallel/worker-pool';
import { featurizeChunk, type FeaturizeRequest, type FeaturizeResponse } from './featurize-chunk';

serveWorkerTasks<FeaturizeRequest, FeaturizeResponse>((req) => {
  const result = featurizeChunk(req);
  return { result, transfer: [result.graphs.buffer as ArrayBuffer] };
});
