/**
 * Data-parallel training on worker threads: the trainer's side of the gradient workers (gradient-worker.ts).
 *
 * With K workers a step runs K replicas of the network: slice 0 of the batch on the trainer's own thread and slice
 * k on gradient worker k (each worker its own tfjs instance, so its own WebAssembly module and core). Every step:
 *   1. the trainer writes the current values of the trained network parameters into `params` (shared memory);
 *   2. each worker copies them into its replica, computes the gradients of its slice (slice-gradients.ts) and
 *      writes them into its own region of `grads` (shared memory), then answers with its task losses and batch-norm
 *      statistics (small, by message);
 *   3. the trainer adds the workers' gradients to its own in worker order (a fixed order, so a run is deterministic
 *      for a given K) and applies one optimiser step. Only the trainer holds optimiser state, so the replicas are
 *      identical by construction at the next step.
 * K = 1 starts no worker and the trainer takes its one-thread path (trainer.ts), bit for bit as before.
 *
 * Protocol (structured clone):
 *   trainer -> worker  { type: 'init', ...GradientWorkerInit } | { type: 'load', records } |
 *                      { type: 'step', graphs, targets, inv, weights }
 *   worker -> trainer  { type: 'ready' } | { type: 'loaded' } | { type: 'stepped', taskLoss, stats } |
 *                      { type: 'error', message }
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Variable } from '@tensorflow/tfjs-core';
import type { BackendKind } from '../compute/backend';
import type { CrystalGraph, GraphSettings } from '../graph/crystal-graph';
import type { ModelConfig } from '../model/config';
import type { TensorRecord } from '../model/params';
import type { LossKindName } from '../../../src-shared/training-settings';
import { MAX_DEFAULT_TRAINING_WORKERS } from '../../../src-shared/training-settings';
import type { SliceBnStats } from './slice-gradients';

/** Name of the worker bundle entry (out/main/gradient-worker.js). */
export const GRADIENT_WORKER_NAME = 'gradient-worker';
export const GRADIENT_WORKER_MARK = 'mtcgcnnGradientWorker';

/** One trained parameter's place in the shared buffers (in float32 elements). */
export interface ParamSlot {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export interface GradientWorkerInit {
  config: ModelConfig;
  elementMatrix: Float32Array;
  elementDimension: number;
  graphSettings: GraphSettings;
  classFlags: Float32Array | undefined;
  loss: LossKindName;
  fused: boolean;
  backend: BackendKind;
  /** The trained network parameters, in the order of the shared buffers. */
  slots: ParamSlot[];
  /** Float32 [total]: parameter values, written by the trainer before each step. */
  params: SharedArrayBuffer;
  /** Float32 [workers, total]: each worker's gradients. */
  grads: SharedArrayBuffer;
  /** This worker's row of `grads`. */
  index: number;
}

export interface SliceWork {
  graphs: CrystalGraph[];
  /** Normalised targets of the slice's crystals, one column per task (NaN = no label). */
  targets: Float64Array[];
  inv: Float32Array;
  weights: number[];
}

export type ToGradientWorker =
  | ({ type: 'init' } & GradientWorkerInit)
  | { type: 'load'; records: TensorRecord[] }
  | ({ type: 'step' } & SliceWork);

export type FromGradientWorker =
  | { type: 'ready' }
  | { type: 'loaded' }
  | { type: 'stepped'; taskLoss: number[]; stats: SliceBnStats[] }
  | { type: 'error'; message: string };

/**
 * Physical cores of this machine (distinct core ids per package in /proc/cpuinfo on Linux; elsewhere the logical
 * processors, which is what Node can see).
 */
export function physicalCoreCount(): number {
  const logical = Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const cores = new Set<string>();
    for (const block of text.split(/\n\s*\n/)) {
      const phys = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
      const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
      if (phys !== undefined && core !== undefined) cores.add(`${phys}:${core}`);
    }
    return cores.size > 0 ? Math.min(cores.size, logical) : logical;
  } catch {
    return logical;
  }
}

/** Default training workers: the physical cores, at most MAX_DEFAULT_TRAINING_WORKERS, minus one left for the UI. */
export function defaultTrainingWorkers(cores = physicalCoreCount()): number {
  return Math.max(1, Math.min(MAX_DEFAULT_TRAINING_WORKERS, cores) - 1);
}

/**
 * How `threads` training threads are spread over an ensemble of `members`: members at once (each in its own thread,
 * results identical to training them one after the other) and the data-parallel threads each of them gets.
 */
export function threadPlan(members: number, threads: number): { concurrent: number; perMember: number } {
  const concurrent = Math.max(1, Math.min(members, threads));
  return { concurrent, perMember: Math.max(1, Math.floor(threads / concurrent)) };
}

/** Lays the trained parameters out one after another (float32 elements), in the given order. */
export function paramSlots(params: readonly { name: string; shape: readonly number[] }[]): ParamSlot[] {
  let offset = 0;
  return params.map(({ name, shape }) => {
    const length = shape.reduce((a, b) => a * b, 1);
    const slot = { name, shape: shape.slice(), offset, length };
    offset += length;
    return slot;
  });
}

interface Waiting {
  resolve: (m: FromGradientWorker) => void;
  reject: (e: Error) => void;
}

/** The trainer's handle on its gradient workers (one per slice after the first). */
export class GradientWorkers {
  private readonly params: Float32Array;
  private readonly grads: Float32Array;
  private readonly total: number;
  private readonly waiting: (Waiting | null)[];
  private failed: Error | null = null;

  private constructor(private readonly workers: Worker[], readonly slots: ParamSlot[], params: SharedArrayBuffer, grads: SharedArrayBuffer) {
    this.total = slots.reduce((a, s) => a + s.length, 0);
    this.params = new Float32Array(params);
    this.grads = new Float32Array(grads);
    this.waiting = workers.map(() => null);
    workers.forEach((w, k) => {
      w.on('message', (m: FromGradientWorker) => this.settle(k, m));
      w.on('error', (e) => this.fail(k, e));
      w.on('exit', (code) => this.fail(k, new Error(`gradient worker ${k + 1} exited with code ${code}`)));
    });
  }

  /** Starts `count` workers running `script` and waits until each has its backend and replica. */
  static async start(script: string, count: number, init: Omit<GradientWorkerInit, 'params' | 'grads' | 'index'>): Promise<GradientWorkers> {
    const total = init.slots.reduce((a, s) => a + s.length, 0);
    const params = new SharedArrayBuffer(total * 4);
    const grads = new SharedArrayBuffer(total * 4 * count);
    const workers = Array.from({ length: count }, () => new Worker(script, { workerData: { [GRADIENT_WORKER_MARK]: true } }));
    const pool = new GradientWorkers(workers, init.slots, params, grads);
    try {
      await Promise.all(workers.map((w, k) => pool.request(k, { type: 'init', ...init, params, grads, index: k })));
    } catch (e) {
      await pool.terminate();
      throw e;
    }
    return pool;
  }

  get count(): number {
    return this.workers.length;
  }

  /** Sets every parameter of every replica (trained, frozen and batch-norm state), e.g. after a restore. */
  async load(records: TensorRecord[]): Promise<void> {
    await Promise.all(this.workers.map((_, k) => this.request(k, { type: 'load', records })));
  }

  /** Publishes the trained parameters' current values for the next step (variables in slot order). */
  publish(vars: readonly Variable[]): void {
    vars.forEach((v, j) => this.params.set(v.dataSync() as Float32Array, this.slots[j].offset));
  }

  /** Runs slice k on worker k (fewer slices than workers leave the rest idle). */
  async run(work: readonly SliceWork[]): Promise<{ taskLoss: number[]; stats: SliceBnStats[] }[]> {
    if (work.length > this.workers.length) throw new RangeError(`${work.length} slices for ${this.workers.length} gradient workers`);
    const replies = await Promise.all(work.map((w, k) => this.request(k, { type: 'step', ...w })));
    return replies.map((r) => {
      if (r.type !== 'stepped') throw new Error(`gradient worker answered ${r.type} to a step`);
      return { taskLoss: r.taskLoss, stats: r.stats };
    });
  }

  /** Adds worker k's gradients of the last step to `into` (one array per slot). */
  addGradients(k: number, into: Float32Array[]): void {
    const base = k * this.total;
    this.slots.forEach((s, j) => {
      const acc = into[j];
      const o = base + s.offset;
      for (let i = 0; i < s.length; i++) acc[i] += this.grads[o + i];
    });
  }

  async terminate(): Promise<void> {
    this.failed ??= new Error('gradient workers stopped');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private request(k: number, msg: ToGradientWorker): Promise<FromGradientWorker> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<FromGradientWorker>((resolve, reject) => {
      this.waiting[k] = { resolve, reject };
      this.workers[k].postMessage(msg);
    });
  }

  private settle(k: number, m: FromGradientWorker): void {
    const w = this.waiting[k];
    this.waiting[k] = null;
    if (!w) return;
    if (m.type === 'error') w.reject(new Error(`gradient worker ${k + 1}: ${m.message}`));
    else w.resolve(m);
  }

  private fail(k: number, e: Error): void {
    if (!this.failed) this.failed = e;
    const w = this.waiting[k];
    this.waiting[k] = null;
    w?.reject(e);
  }
}
