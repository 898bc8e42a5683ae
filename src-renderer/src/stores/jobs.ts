/** Long-running jobs (featurize, train, screen) as main reports them through `job:progress`. */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { JobProgress, JobState } from '@contract';
import { invoke, subscribe, toIpcCallError, type IpcCallError } from '../ipc/client';

const ACTIVE: readonly JobState[] = ['queued', 'running'];

/** True when the job will not change any more. */
export function isFinal(state: JobState): boolean {
  return !ACTIVE.includes(state);
}

export const useJobsStore = defineStore('jobs', () => {
  const byId = ref<Record<string, JobProgress>>({});
  const error = ref<IpcCallError | null>(null);
  let unsubscribe: (() => void) | null = null;

  const all = computed(() => Object.values(byId.value));
  const active = computed(() => all.value.filter((j) => ACTIVE.includes(j.state)));

  function apply(progress: JobProgress): void {
    byId.value = { ...byId.value, [progress.jobId]: progress };
  }

  /** Subscribes to job:progress (once) and loads the jobs main already knows (e.g. after a reload). */
  async function start(): Promise<void> {
    if (unsubscribe) return;
    unsubscribe = subscribe('job:progress', apply);
    try {
      for (const job of await invoke('job:list')) if (!byId.value[job.jobId]) apply(job);
      error.value = null;
    } catch (err) {
      error.value = toIpcCallError(err, 'job:list');
    }
  }

  function stop(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  /** Asks main to cancel a job; the state change arrives as a job:progress event. */
  async function cancel(jobId: string): Promise<boolean> {
    try {
      return (await invoke('job:cancel', { jobId })).cancelled;
    } catch (err) {
      error.value = toIpcCallError(err, 'job:cancel');
      return false;
    }
  }

  /** Resolves with the job's final progress (done, failed, cancelled) once main reports it. */
  function whenFinished(jobId: string): Promise<JobProgress> {
    return new Promise((resolve) => {
      const stopWatching = watch(
        () => byId.value[jobId],
        (job) => {
          if (job && isFinal(job.state)) {
            queueMicrotask(() => stopWatching());
            resolve(job);
          }
        },
        { immediate: true },
      );
    });
  }

  return { byId, all, active, error, start, stop, cancel, apply, whenFinished };
});
