/**
 * A small pool of worker threads running one script, with a shared queue and per-task promises.
 *
 * Worker scripts are separate bundle entries (out/main/<name>.js). When the bundle is not there
 * (tests running the TypeScript sources), callers run the same task function in-process instead:
 * see `workerScriptPath`.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker, parentPort, type TransferListItem } from 'node:worker_threads';

interface TaskMessage<Req> {
  id: number;
  request: Req;
}
type ResultMessage<Res> = { id: number; ok: true; result: Res } | { id: number; ok: false; error: string };

interface Pending<Res> {
  resolve: (r: Res) => void;
  reject: (e: Error) => void;
}

/**
 * Path of a bundled worker entry (out/main/<name>.js), or undefined when running from sources.
 * This module may itself be bundled into out/main/chunks/, so the parent folder is checked too.
 */
export function workerScriptPath(name: string): string | undefined {
  if (process.env.MTCGCNN_NO_WORKERS === '1') return undefined;
  for (const dir of [__dirname, path.dirname(__dirname)]) {
    const candidate = path.join(dir, `${name}.js`);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Threads to use for CPU-bound work: all logical cores, at least one. */
export function defaultThreadCount(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

export interface WorkerPoolOptions {
  /**
   * Tasks posted to one worker ahead of its answers (default 1). Above 1, a worker starts its next task at
   * once instead of waiting for this thread to take its answer and post more work, which matters when this
   * thread is busy for long stretches (screening predicts on it while the workers featurize).
   */
  readonly tasksPerWorker?: number;
}

export class WorkerPool<Req, Res> {
  private readonly workers: Worker[] = [];
  private readonly queue: { msg: TaskMessage<Req>; transfer: readonly TransferListItem[] }[] = [];
  private readonly pending = new Map<number, Pending<Res>>();
  /** Live workers and the ids of the tasks posted to each, oldest first. */
  private readonly busy = new Map<Worker, number[]>();
  private readonly depth: number;
  private nextId = 0;
  private closed = false;

  constructor(script: string, size: number, workerData?: unknown, options: WorkerPoolOptions = {}) {
    this.depth = Math.max(1, Math.floor(options.tasksPerWorker ?? 1));
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = new Worker(script, { workerData });
      w.on('message', (m: ResultMessage<Res>) => this.onMessage(w, m));
      w.on('error', (err) => this.onCrash(w, err));
      w.on('exit', (code) => {
        if (!this.closed && code !== 0) this.onCrash(w, new Error(`worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.busy.set(w, []);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  run(request: Req, transfer: readonly TransferListItem[] = []): Promise<Res> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.push({ msg: { id, request }, transfer });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('worker pool closed'));
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Posts queued tasks, each to the live worker with the fewest tasks, while one has room. */
  private pump(): void {
    while (this.queue.length > 0) {
      let best: Worker | undefined;
      let load = this.depth;
      for (const [w, ids] of this.busy) {
        if (ids.length < load) {
          best = w;
          load = ids.length;
        }
      }
      if (!best) return;
      const { msg, transfer } = this.queue.shift()!;
      this.busy.get(best)!.push(msg.id);
      best.postMessage(msg, transfer as TransferListItem[]);
    }
  }

  private onMessage(w: Worker, m: ResultMessage<Res>): void {
    const ids = this.busy.get(w);
    if (ids) {
      const at = ids.indexOf(m.id);
      if (at >= 0) ids.splice(at, 1);
    }
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (p) {
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    }
    this.pump();
  }

  private onCrash(w: Worker, err: Error): void {
    // A dead worker never takes work again (it would otherwise swallow the next task).
    const ids = this.busy.get(w);
    if (!ids) return; // already handled ('error' and then 'exit')
    this.busy.delete(w);
    for (const id of ids) {
      this.pending.get(id)?.reject(err);
      this.pending.delete(id);
    }
    if (!this.closed && (this.busy.size === 0 || ids.length > 0)) {
      // A crashed worker fails everything still queued: the caller decides whether to retry in-process.
      for (const [pid, p] of this.pending) {
        p.reject(new Error(`worker pool failed: ${err.message}`));
        this.pending.delete(pid);
      }
      this.queue.length = 0;
    }
  }
}

/** Worker side: answer each task message with the handler's result (and its transfer list). */
export function serveWorkerTasks<Req, Res>(handler: (req: Req) => Promise<{ result: Res; transfer?: TransferListItem[] }> | { result: Res; transfer?: TransferListItem[] }): void {
  if (!parentPort) throw new Error('serveWorkerTasks must run inside a worker thread');
  const port = parentPort;
  port.on('message', async (msg: TaskMessage<Req>) => {
    try {
      const { result, transfer } = await handler(msg.request);
      port.postMessage({ id: msg.id, ok: true, result } satisfies ResultMessage<Res>, transfer ?? []);
    } catch (err) {
      port.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ResultMessage<Res>);
    }
  });
}
