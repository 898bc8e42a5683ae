/**
 * Worker-thread entry of the native-path comparison: a fresh tfjs world (a worker has its own global
 * registries) set up as the app would be under tfjs-node. The real backend chooser (initBackend, forced to
 * 'node') loads the tfjs-node stand-in, so @tensorflow/tfjs registers tfjs's own gradients first and the
 * project's registerGradientsIfMissing adds none; the model then resolves its 'auto' path on the 'tensorflow'
 * backend. Bundled by the test into a CommonJS file, as the app's workers are.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/core/compute/backend';
import { GRADIENT_KERNELS, projectGradientsInUse } from '../../src-main/core/compute/gradients';
import { tfjsNodeStandIn } from './tfjs-node-stand-in';
import { type StepInput, autoPath, predictShipped, runSteps, trainAndRecord } from './one-step';

export interface NativeLikeRequest {
  step: StepInput;
  modelsDir: string;
  inferenceGraphs: Record<string, Uint8Array>;
  /** Empty folder for the model bundle of trainAndRecord. */
  bundleDir: string;
}

async function main(): Promise<void> {
  const req = workerData as NativeLikeRequest;
  const backend = await initBackend({ force: 'node', native: tfjsNodeStandIn(), warn: () => undefined });
  const path = autoPath();
  const steps = runSteps(req.step, path === 'fused');
  const inference = predictShipped(req.modelsDir, req.inferenceGraphs);
  const recorded = await trainAndRecord(req.step, req.bundleDir);
  parentPort!.postMessage({
    backend: { name: backend.name, tfBackend: tf.getBackend(), versions: backend.versions },
    path,
    projectGradients: projectGradientsInUse(),
    gradientKernelsCovered: GRADIENT_KERNELS.filter((k) => tf.getGradient(k) !== undefined),
    steps,
    inference,
    recorded,
  });
}

main().catch((e: unknown) => {
  parentPort!.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
});
