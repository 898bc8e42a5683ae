/**
 * Worker-thread entry for training; bundled by vite to out/main/train-worker.js and started by
 * runTrainingInWorker (worker-client.ts), which documents the message protocol.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../compute/backend';
import { trainModel } from './trainer';
import { type FromWorker, type ToWorker, WORKER_MARK, fromWorkerData } from './worker-client';

/** Worker side: installed when this module runs in a worker thread. */
function workerMain(): void {
  const port = parentPort!;
  const ac = new AbortController();
  const post = (m: FromWorker): void => port.postMessage(m);
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'cancel') {
      ac.abort();
      return;
    }
    if (msg.type !== 'start') return;
    void (async () => {
      try {
        await initBackend(msg.backend ? { force: msg.backend } : {});
        const result = await trainModel({ ...msg.options, signal: ac.signal }, fromWorkerData(msg.data), {
          onProgress: (progress) => post({ type: 'progress', progress }),
          onEpoch: (record) => post({ type: 'epoch', record }),
          onLog: (message) => post({ type: 'log', message }),
        });
        post({ type: 'done', result });
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        post({ type: 'error', name: err.name, message: err.message, stack: err.stack });
      }
    })();
  });
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[WORKER_MARK] === true) workerMain();
