/**
 * Long work (featurize, train, screen) as jobs: each has an id, streams `job:progress` events,
 * and can be cancelled through its AbortSignal. The work itself runs in worker threads
 * (see src-main/core/parallel); this registry only tracks state for the UI.
 */
import { randomUUID } from 'node:crypto';
import type { JobKind, JobProgress } from '../../src-shared/contract';
import type { EventSink } from '../ipc/dispatcher';

export type ProgressUpdate = Partial<Pick<JobProgress, 'done' | 'total' | 'unit' | 'message' | 'metrics' | 'ratePerSecond' | 'etaSeconds'>>;

export type JobWork = (signal: AbortSignal, report: (update: ProgressUpdate) => void, jobId: string) => Promise<string | void>;

export class JobManager {
  private readonly jobs = new Map<string, { progress: JobProgress; controller: AbortController; started: number; settled: Promise<void> }>();

  constructor(private readonly events: EventSink) {}

  start(kind: JobKind, unit: string, work: JobWork): string {
    const jobId = randomUUID().replace(/-/g, '').slice(0, 16);
    const controller = new AbortController();
    const progress: JobProgress = { jobId, kind, state: 'running', done: 0, total: 0, unit, elapsedSeconds: 0 };
    const job = { progress, controller, started: performance.now(), settled: Promise.resolve() };
    this.jobs.set(jobId, job);
    const publish = (patch: Partial<JobProgress>): void => {
      Object.assign(job.progress, patch, { elapsedSeconds: (performance.now() - job.started) / 1000 });
      this.events.emit('job:progress', { ...job.progress });
    };
    publish({});
    job.settled = work(controller.signal, (update) => publish(update), jobId).then(
      (message) => publish({ state: controller.signal.aborted ? 'cancelled' : 'done', ...(message ? { message } : {}) }),
      (err: unknown) =>
        publish({
          state: controller.signal.aborted ? 'cancelled' : 'failed',
          message: err instanceof Error ? err.message : String(err),
        }),
    );
    return jobId;
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.progress.state !== 'running') return false;
    job.controller.abort();
    return true;
  }

  /**
   * Cancels every running job and resolves once all of them have settled: training has written its checkpoint and
   * manifest, screening has flushed its results (both resume). Used when a shell shuts down.
   */
  async cancelAll(): Promise<void> {
    for (const job of this.jobs.values()) if (job.progress.state === 'running') job.controller.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.settled));
  }

  /** The job's last progress, or undefined for an unknown id. */
  get(jobId: string): JobProgress | undefined {
    const job = this.jobs.get(jobId);
    return job ? { ...job.progress } : undefined;
  }

  list(): JobProgress[] {
    return [...this.jobs.values()].map((j) => ({ ...j.progress }));
  }
}
