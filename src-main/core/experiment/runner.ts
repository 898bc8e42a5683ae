/**
 * Runs an experiment plan job by job on data featurized once. Each finished job is written atomically to
 * EXP_DIR/jobs/<key>.json; the job in flight checkpoints every epoch to EXP_DIR/checkpoints/<key>-<spec>.ckpt.
 * Running the same plan again skips the jobs whose file exists with the same spec and resumes the one that
 * was interrupted from its checkpoint, so an experiment can be stopped at any time (Ctrl-C, kill -9, power cut).
 *
 * The trainer is injected: the CLI passes trainModel (in-process), the Electron main process can pass a
 * worker-thread trainer (runTrainingInWorker), and tests a fake. This module does not load TensorFlow.js.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CrystalGraph, GraphSettings } from '../graph/crystal-graph';
import type { MetricsJson } from '../metrics/summary';
import type { ElementTableLike, TrainCallbacks, TrainOptions, TrainProgress, TrainResult, TrainingData } from '../train/types';
import { writeFileAtomicSync } from '../fs/atomic-write';
import { acquireLock, LockError } from '../fs/lock-file';
import { checkpointFiles } from '../train/checkpoint';
import {
  describeFingerprintDifference,
  fingerprintHash,
  FULL_TRAIN_FRACTION,
  jobCost,
  jobFingerprint,
  estimateRemainingSeconds,
  type ExperimentPlan,
  type JobFingerprint,
  type JobSpec,
} from './plan';

export type Trainer = (options: TrainOptions, data: TrainingData, callbacks: TrainCallbacks) => Promise<TrainResult>;

export const JOB_FORMAT = 'crystal-property-studio/experiment-job';
export const EXPERIMENT_FORMAT = 'crystal-property-studio/experiment';

/** The featurized dataset every job trains on. */
export interface ExperimentDataset {
  readonly name: string;
  readonly dir: string;
  /** Content hash of the graphs and labels (loadLabelledDataset's contentHash). */
  readonly contentHash: string;
  readonly graphs: readonly CrystalGraph[];
  /** Labels per studied task name (NaN = missing), aligned with `graphs`. */
  readonly labels: Readonly<Record<string, ArrayLike<number>>>;
  readonly elementTable: ElementTableLike;
  readonly graphSettings: GraphSettings;
  /** Structure files that could not be read and were left out. */
  readonly failed?: number;
}

/** EXP_DIR/jobs/<key>.json: one finished job. */
export interface JobRecord {
  readonly format: typeof JOB_FORMAT;
  readonly formatVersion: 1;
  readonly key: string;
  readonly study: JobSpec['study'];
  readonly combination: string;
  readonly tasks: readonly string[];
  readonly repeat: number;
  readonly seed: number;
  readonly trainFraction: number;
  readonly specHash: string;
  readonly spec: JobFingerprint;
  readonly trainSize: number;
  readonly valSize: number;
  readonly testSize: number;
  /** Test metrics of the best-validation epoch (metrics JSON of `mtcgcnn evaluate`). */
  readonly test: MetricsJson | null;
  readonly validationAverageMae: number | null;
  readonly bestEpoch: number;
  readonly epochsRun: number;
  /** Training seconds (all sessions, when the job was resumed). */
  readonly seconds: number;
  readonly backend: { readonly name: string; readonly description: string };
  readonly computePath: string;
  readonly finishedAt: string;
}

export interface ExperimentStartInfo {
  readonly total: number;
  /** Jobs already finished by an earlier run (skipped). */
  readonly alreadyDone: number;
  readonly remaining: number;
}

export interface JobStartEvent {
  readonly job: JobSpec;
  /** 1-based position in the plan. */
  readonly index: number;
  readonly total: number;
  /** A checkpoint of this job from an interrupted run will be resumed. */
  readonly resuming: boolean;
}

export interface JobDoneEvent {
  readonly job: JobSpec;
  readonly record: JobRecord;
  readonly index: number;
  readonly total: number;
  /** Finished jobs, including those of earlier runs. */
  readonly done: number;
  /** Wall seconds of this job in this session. */
  readonly wallSeconds: number;
  /** Wall seconds of this session so far. */
  readonly elapsedSeconds: number;
  /** Estimated seconds until every job is done (undefined until a job has finished in this session). */
  readonly etaSeconds: number | undefined;
}

export interface ExperimentCallbacks {
  onStart?: (info: ExperimentStartInfo) => void;
  onJobStart?: (e: JobStartEvent) => void;
  onJobDone?: (e: JobDoneEvent) => void;
  onTrainProgress?: (job: JobSpec, p: TrainProgress) => void;
  onLog?: (message: string) => void;
  /** Called after each job with every finished record (e.g. to refresh results.json). */
  onRecords?: (records: readonly JobRecord[]) => void;
}

export interface RunExperimentOptions {
  /** EXP_DIR. */
  readonly dir: string;
  readonly trainer: Trainer;
  readonly signal?: AbortSignal;
}

/** The experiment was stopped (signal); finished jobs are on disk and the same command resumes. */
export class ExperimentCancelledError extends Error {
  constructor(
    readonly done: number,
    readonly total: number,
  ) {
    super(`experiment stopped after ${done} of ${total} jobs`);
    this.name = 'AbortError';
  }
}

/** EXP_DIR holds finished jobs made with other settings or data. */
export class ExperimentConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentConflictError';
  }
}

export function jobsDir(dir: string): string {
  return path.join(dir, 'jobs');
}

export function jobFile(dir: string, key: string): string {
  return path.join(jobsDir(dir), `${key}.json`);
}

export function checkpointFile(dir: string, key: string, specHash: string): string {
  return path.join(dir, 'checkpoints', `${key}-${specHash}.ckpt`);
}

/** Reads a job file; undefined when it is missing or unreadable (a torn file cannot occur: writes are atomic). */
export function readJobRecord(file: string): JobRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const rec = JSON.parse(text) as JobRecord;
    return rec && rec.format === JOB_FORMAT ? rec : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The finished jobs of `plan` found in `dir`. Throws ExperimentConflictError when a job file has the same key
 * but another spec (different settings or data): its results must not be mixed with the new ones.
 */
export function finishedJobs(plan: ExperimentPlan, dir: string, datasetHash: string): Map<string, JobRecord> {
  const out = new Map<string, JobRecord>();
  const conflicts: string[] = [];
  for (const job of plan.jobs) {
    const rec = readJobRecord(jobFile(dir, job.key));
    if (!rec) continue;
    const fp = jobFingerprint(job, plan.settings, datasetHash);
    if (rec.specHash === fingerprintHash(fp)) out.set(job.key, rec);
    else conflicts.push(`${job.key}: ${describeFingerprintDifference(rec.spec, fp)}`);
  }
  if (conflicts.length) {
    throw new ExperimentConflictError(
      `${dir} holds ${conflicts.length} finished job${conflicts.length > 1 ? 's' : ''} made with other settings or data (${conflicts.slice(0, 3).join('; ')}${conflicts.length > 3 ? '; ...' : ''}); choose another output folder or start over with --force`,
    );
  }
  return out;
}

/** Takes EXP_DIR/.lock for this process; refuses when another live process holds it. Returns the release function. */
export function lockExperimentDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  try {
    return acquireLock(path.join(dir, '.lock'), { purpose: 'an experiment', target: dir });
  } catch (e) {
    if (!(e instanceof LockError)) throw e;
    const who = e.owner ? `process ${e.owner.pid}${e.owner.host !== os.hostname() ? ` on ${e.owner.host}` : ''}` : 'another process';
    throw new ExperimentConflictError(`another experiment (${who}) is running in ${dir}; wait for it or stop it first`);
  }
}

function trainOptionsFor(job: JobSpec, plan: ExperimentPlan, checkpointPath: string, signal?: AbortSignal): TrainOptions {
  const t = plan.settings.train;
  const fullTraining = Math.abs(job.trainFraction - FULL_TRAIN_FRACTION) < 1e-9;
  return {
    epochs: t.epochs,
    learningRate: t.learningRate,
    weightDecay: t.weightDecay,
    batchSize: t.batchSize,
    seed: job.seed,
    split: fullTraining ? { seed: job.seed } : { seed: job.seed, trainFraction: job.trainFraction },
    members: 1,
    lossWeighting: { kind: t.weighting } as TrainOptions['lossWeighting'],
    model: { ...t.model },
    checkpointPath,
    resume: true,
    ...(signal ? { signal } : {}),
  };
}

function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (e instanceof Error && e.name === 'AbortError');
}

/** Removes checkpoints of `key` left by runs with another spec (they can never be resumed). */
function removeStaleCheckpoints(dir: string, key: string, keep: string): void {
  const cdir = path.join(dir, 'checkpoints');
  let names: string[];
  try {
    names = fs.readdirSync(cdir);
  } catch {
    return;
  }
  for (const n of names) {
    if (n.startsWith(`${key}-`) && n.endsWith('.ckpt') && path.join(cdir, n) !== keep && /^[0-9a-f]{16}\.ckpt$/.test(n.slice(key.length + 1))) {
      for (const f of checkpointFiles(path.join(cdir, n))) fs.rmSync(f, { force: true });
    }
  }
}

/**
 * Runs every unfinished job of `plan` in order and returns all finished records (in plan order).
 * Rejects with ExperimentCancelledError when `signal` fires (finished jobs stay on disk), with
 * ExperimentConflictError when EXP_DIR holds results of other settings, and with the trainer's error otherwise.
 */
export async function runExperiment(
  plan: ExperimentPlan,
  data: ExperimentDataset,
  options: RunExperimentOptions,
  callbacks: ExperimentCallbacks = {},
): Promise<JobRecord[]> {
  const { dir, trainer, signal } = options;
  for (const t of plan.settings.tasks) {
    const col = data.labels[t.name];
    if (!col) throw new RangeError(`the dataset has no labels for ${t.name}`);
    if (col.length !== data.graphs.length) throw new RangeError(`labels of ${t.name} have ${col.length} values for ${data.graphs.length} crystals`);
  }
  fs.mkdirSync(jobsDir(dir), { recursive: true });
  const release = lockExperimentDir(dir);
  try {
    const records = finishedJobs(plan, dir, data.contentHash);
    const total = plan.jobs.length;
    const n = data.graphs.length;
    const epochs = plan.settings.train.epochs;
    const pending = plan.jobs.filter((j) => !records.has(j.key));
    callbacks.onStart?.({ total, alreadyDone: records.size, remaining: pending.length });
    const sessionStart = performance.now();
    let doneCost = 0;
    let doneSeconds = 0;
    let remainingCost = pending.reduce((a, j) => a + jobCost(j, n, epochs), 0);
    const unitOf = new Map(plan.settings.tasks.map((t) => [t.name, t.unit]));

    for (const job of pending) {
      if (signal?.aborted) throw new ExperimentCancelledError(records.size, total);
      const index = plan.jobs.indexOf(job) + 1;
      const fp = jobFingerprint(job, plan.settings, data.contentHash);
      const specHash = fingerprintHash(fp);
      const ckpt = checkpointFile(dir, job.key, specHash);
      removeStaleCheckpoints(dir, job.key, ckpt);
      callbacks.onJobStart?.({ job, index, total, resuming: fs.existsSync(ckpt) });
      const t0 = performance.now();
      const trainingData: TrainingData = {
        graphs: data.graphs,
        targets: job.tasks.map((name) => data.labels[name]),
        tasks: job.tasks.map((name) => ({ name, unit: unitOf.get(name) ?? '' })),
        elementTable: data.elementTable,
        graphSettings: data.graphSettings,
        datasetName: data.name,
        datasetHash: data.contentHash,
      };
      let result: TrainResult;
      try {
        result = await trainer(trainOptionsFor(job, plan, ckpt, signal), trainingData, {
          onProgress: (p) => callbacks.onTrainProgress?.(job, p),
          onLog: (m) => callbacks.onLog?.(`${job.key}: ${m}`),
        });
      } catch (e) {
        if (isAbort(e, signal)) throw new ExperimentCancelledError(records.size, total);
        throw e;
      }
      const member = result.members[0];
      const history = member?.history ?? [];
      const record: JobRecord = {
        format: JOB_FORMAT,
        formatVersion: 1,
        key: job.key,
        study: job.study,
        combination: job.combination,
        tasks: job.tasks,
        repeat: job.repeat,
        seed: job.seed,
        trainFraction: job.trainFraction,
        specHash,
        spec: fp,
        trainSize: result.split.train.length,
        valSize: result.split.val.length,
        testSize: result.split.test.length,
        test: result.testMetrics,
        validationAverageMae: result.validationMetrics?.average_mae ?? null,
        bestEpoch: member?.bestEpoch ?? -1,
        epochsRun: member?.epochsRun ?? 0,
        // Epoch records carry their own seconds, so a resumed job counts the time of its earlier sessions too.
        seconds: history.length ? history.reduce((a, r) => a + r.seconds, 0) : result.durationSeconds,
        backend: { name: result.backend.name, description: result.backend.description },
        computePath: result.path,
        finishedAt: new Date().toISOString(),
      };
      writeFileAtomicSync(jobFile(dir, job.key), JSON.stringify(record, null, 1));
      for (const f of checkpointFiles(ckpt)) fs.rmSync(f, { force: true }); // both generations
      records.set(job.key, record);
      const wallSeconds = (performance.now() - t0) / 1000;
      const cost = jobCost(job, n, epochs);
      doneCost += cost;
      doneSeconds += wallSeconds;
      remainingCost -= cost;
      const ordered = plan.jobs.flatMap((j) => (records.has(j.key) ? [records.get(j.key)!] : []));
      callbacks.onRecords?.(ordered);
      callbacks.onJobDone?.({
        job,
        record,
        index,
        total,
        done: records.size,
        wallSeconds,
        elapsedSeconds: (performance.now() - sessionStart) / 1000,
        etaSeconds: estimateRemainingSeconds(doneCost, doneSeconds, Math.max(0, remainingCost)),
      });
    }
    return plan.jobs.flatMap((j) => (records.has(j.key) ? [records.get(j.key)!] : []));
  } finally {
    release();
  }
}
