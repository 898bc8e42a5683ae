/** Long work as jobs: their progress events, listing and cancellation. */
import { call, idString, noArgs, singleKey } from './guards';


export type JobKind = 'validate' | 'import' | 'featurize' | 'train' | 'screen' | 'report';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  state: JobState;
  /** Units of work done and total (crystals, steps, files), when known. */
  done: number;
  total: number;
  /** What the unit of `done`/`total` is, e.g. "CIF files". */
  unit: string;
  /** Items per second over the recent window. */
  ratePerSecond?: number;
  elapsedSeconds: number;
  etaSeconds?: number;
  message?: string;
  /** Free-form metrics for charts (e.g. per-task validation MAE by epoch). */
  metrics?: Record<string, number>;
}


export const jobIdGuard = singleKey('jobId', idString);

export const jobChannels = {
  /** Cancel a running job. */
  'job:cancel': call<{ jobId: string }, { cancelled: boolean }>(jobIdGuard),
  /** Jobs known to this session (including interrupted ones). */
  'job:list': call<void, JobProgress[]>(noArgs),
} as const;
