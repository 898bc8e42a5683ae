import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorker } from '../bundle-worker';
import { DEFAULT_GRAPH_SETTINGS } from '../../src-main/core/graph/crystal-graph';
import { runTrainingInWorker } from '../../src-main/core/train/worker-client';
import type { TrainProgress, TrainingData } from '../../src-main/core/train/types';
import { syntheticElementTable, syntheticGraphs, syntheticTargets } from '../fixtures/synthetic-training';

// Bundle the worker entry the way the app build does (CommonJS, dependencies external) into a folder
// inside the repository so that node_modules resolves as it does for out/main/train-worker.js.
const outDir = path.resolve(__dirname, '../../node_modules/.cache/mtcgcnn-test/out/main');
const script = path.join(outDir, 'train-worker.js');

function data(): TrainingData {
  const graphs = syntheticGraphs(24, { seed: 4, minAtoms: 2, maxAtoms: 5 });
  const matrix = syntheticElementTable(92);
  return {
    graphs,
    targets: syntheticTargets(graphs, 2, 0.1, 2),
    tasks: [{ name: 'a_eV', unit: 'eV' }, { name: 'b', unit: '' }],
    elementTable: { dimension: 92, matrix: () => matrix },
    graphSettings: DEFAULT_GRAPH_SETTINGS,
  };
}

describe('training in a worker thread (bundled entry)', () => {
  beforeAll(async () => {
    fs.mkdirSync(outDir, { recursive: true });
    await bundleWorker(path.resolve(__dirname, '../../src-main/core/train/train-worker.ts'), outDir);
  });

  it('streams progress and returns the result; wasm binaries are found from the bundle', async () => {
    const events: TrainProgress[] = [];
    const r = await runTrainingInWorker(
      script,
      { model: { convDim: 8, numConv: 1, hiddenDim: 8 }, epochs: 2, batchSize: 8, seed: 1 },
      data(),
      { onProgress: (p) => events.push(p) },
      { backend: 'wasm', progressIntervalMs: 0 },
    );
    expect(r.backend.name).toBe('wasm');
    expect(r.members[0].history).toHaveLength(2);
    expect(r.members[0].params[0].data).toBeInstanceOf(Float32Array);
    expect(r.split.train).toBeInstanceOf(Int32Array);
    expect(events.some((e) => e.phase === 'train')).toBe(true);
    expect(events.filter((e) => e.phase === 'epoch-end')).toHaveLength(2);
  });

  it('cancels through an AbortSignal', async () => {
    const ac = new AbortController();
    const p = runTrainingInWorker(
      script,
      { model: { convDim: 8, numConv: 1, hiddenDim: 8 }, epochs: 50, batchSize: 4, signal: ac.signal },
      data(),
      { onProgress: (e) => { if (e.step >= 2) ac.abort(); } },
      { backend: 'wasm', progressIntervalMs: 0 },
    );
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
});
