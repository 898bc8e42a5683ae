/**
 * Worker-thread entry of a gradient worker (bundled by vite to out/main/gradient-worker.js); data-parallel.ts is the
 * trainer's side and documents the protocol. The worker keeps a replica of the network on its own tfjs backend and,
 * per step, computes the gradients of one slice of the batch into its region of the shared gradient buffer.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import { initBackend } from '../compute/backend';
import { BatchBuilder, BondBasis } from '../model/batch';
import { ParamStore } from '../model/params';
import { GRADIENT_WORKER_MARK, type FromGradientWorker, type GradientWorkerInit, type ToGradientWorker } from './data-parallel';
import { type SliceModel, sliceGradients } from './slice-gradients';

interface Replica {
  init: GradientWorkerInit;
  model: Omit<SliceModel, 'graphs' | 'normTargets'>;
  store: ParamStore;
  vars: Variable[];
  params: Float32Array;
  /** This worker's row of the shared gradients. */
  grads: Float32Array;
}

async function start(init: GradientWorkerInit): Promise<Replica> {
  await initBackend({ force: init.backend, skipNative: init.backend === 'wasm' || init.backend === 'cpu', log: () => undefined, warn: () => undefined });
  const D = init.elementDimension;
  const total = init.slots.reduce((a, s) => a + s.length, 0);
  const table = tf.tensor2d(init.elementMatrix, [init.elementMatrix.length / D, D]);
  const store = ParamStore.init(init.config, 0);
  const basis = BondBasis.fromSettings(init.graphSettings);
  return {
    init,
    model: {
      config: init.config, table, fused: init.fused, loss: init.loss, classFlags: init.classFlags,
      builder: new BatchBuilder(basis, init.graphSettings.maxNeighbors),
    },
    store,
    vars: init.slots.map((s) => store.get(s.name)),
    params: new Float32Array(init.params),
    grads: new Float32Array(init.grads, init.index * total * 4, total),
  };
}

function step(r: Replica, msg: Extract<ToGradientWorker, { type: 'step' }>): FromGradientWorker {
  // the trainer's current parameters (copied: tensors must not alias shared memory the trainer writes next step)
  for (const [j, s] of r.init.slots.entries()) {
    const v = r.vars[j];
    tf.tidy(() => v.assign(tf.tensor(r.params.slice(s.offset, s.offset + s.length), s.shape, 'float32')));
  }
  const idx = Int32Array.from(msg.graphs, (_, i) => i);
  const res = sliceGradients({ ...r.model, graphs: msg.graphs, normTargets: msg.targets }, r.store, r.vars,
    { idx, inv: msg.inv, weights: msg.weights, softPenalty: false });
  r.init.slots.forEach((s, j) => r.grads.set(res.grads[j], s.offset));
  return { type: 'stepped', taskLoss: res.taskLoss, stats: res.stats };
}

function workerMain(): void {
  const port = parentPort!;
  let replica: Promise<Replica> | null = null;
  const reply = (m: FromGradientWorker): void => port.postMessage(m);
  const failed = (e: unknown): void => reply({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  port.on('message', (msg: ToGradientWorker) => {
    if (msg.type === 'init') {
      replica = start(msg);
      replica.then(() => reply({ type: 'ready' }), failed);
      return;
    }
    if (!replica) {
      failed(new Error(`${msg.type} before init`));
      return;
    }
    replica.then((r) => {
      if (msg.type === 'load') {
        r.store.assignRecords(msg.records);
        reply({ type: 'loaded' });
      } else reply(step(r, msg));
    }).catch(failed);
  });
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[GRADIENT_WORKER_MARK] === true) workerMain();
