/**
 * The main process's IPC handlers, free of Electron so that tests and the e2e harness run exactly this code.
 * Electron-only capabilities (opening links in the system browser) come in through `AppContext`.
 */
import os from 'node:os';
import type { AppInfo, BackendSummary } from '../ipc/contract';
import type { EventSink, Handlers } from '../ipc/dispatcher';
import { UserFacingError } from '../ipc/dispatcher';
import { APP_VERSION } from './version';
import { projectsDir } from './paths';
import { summarizeDataset } from './dataset-summary';
import { JobManager } from './jobs';

export interface AppContext {
  /** Resolves the compute backend once (lazily) and describes it. */
  backend(): Promise<BackendSummary & { versions: Record<string, string> }>;
  events: EventSink;
  openExternal(url: string): Promise<void>;
}

export function createHandlers(ctx: AppContext, jobs = new JobManager(ctx.events)): Handlers {
  return {
    'app:info': async (): Promise<AppInfo> => {
      const backend = await ctx.backend();
      const { versions, ...summary } = backend;
      return {
        appVersion: APP_VERSION,
        versions: { node: process.versions.node, ...(process.versions.electron ? { electron: process.versions.electron } : {}), ...versions },
        backend: summary,
        cpuCount: os.cpus().length,
        projectsDir: projectsDir(),
      };
    },
    'app:echo': ({ text }) => ({ text, receivedAtIso: new Date().toISOString() }),
    'app:open-external': async ({ url }) => {
      await ctx.openExternal(url);
    },
    'dataset:summary': async ({ dir }) => {
      try {
        return await summarizeDataset(dir);
      } catch (err) {
        throw new UserFacingError(err instanceof Error ? err.message : String(err), 'not-found');
      }
    },
    'job:cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'job:list': () => jobs.list(),
  };
}
