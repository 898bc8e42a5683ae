/**
 * The one typed IPC contract between the main process and the renderer, assembled from one file per feature.
 *
 * - `invoke` calls are request/response: the renderer sends one argument, main validates it with the
 *   call's `parse` guard, runs the handler and answers with an `IpcResult` envelope (never a thrown error).
 * - `events` are main -> renderer streams (job progress, project changes, log lines).
 *
 * Adding a channel touches one feature file: its types, its guard and its entry in that file's channel table.
 * This folder (src-shared) is what main, preload and renderer share, so it stays free of Node and Electron imports;
 * it takes types (import type only) from core modules that have no Node imports either.
 * The guards are hand-written: every argument that crosses the boundary is checked here, in main.
 */
import type { InvokeSpec, IpcResult } from './guards';
import { appChannels, type AppLogEvent } from './app';
import { projectChannels, type ProjectChangedEvent } from './projects';
import { datasetChannels } from './datasets';
import { structureChannels } from './structures';
import { trainingChannels } from './training';
import { modelChannels } from './models';
import { screeningChannels } from './screening';
import { reportChannels } from './reports';
import { demoChannels } from './demo';
import { jobChannels, type JobProgress } from './jobs';
import { fileChannels } from './files';

export * from './guards';
export * from './app';
export * from './projects';
export * from './datasets';
export * from './structures';
export * from './training';
export * from './models';
export * from './screening';
export * from './reports';
export * from './demo';
export * from './jobs';
export * from './files';

export const invokeContract = {
  ...appChannels,
  ...projectChannels,
  ...datasetChannels,
  ...structureChannels,
  ...trainingChannels,
  ...modelChannels,
  ...screeningChannels,
  ...reportChannels,
  ...demoChannels,
  ...jobChannels,
  ...fileChannels,
} as const;

export type InvokeContract = typeof invokeContract;
export type InvokeChannel = keyof InvokeContract;
export type RequestOf<C extends InvokeChannel> = InvokeContract[C] extends InvokeSpec<infer Req, unknown> ? Req : never;
export type ResponseOf<C extends InvokeChannel> = InvokeContract[C] extends InvokeSpec<unknown, infer Res> ? Res : never;

/** main -> renderer streams and their payloads. */
export interface EventContract {
  'job:progress': JobProgress;
  /** The open project changed on disk (dataset imported, run state changed, renamed, closed). */
  'project:changed': ProjectChangedEvent;
  'app:log': AppLogEvent;
}
export type EventChannel = keyof EventContract;

export const INVOKE_CHANNELS = Object.freeze(Object.keys(invokeContract)) as readonly InvokeChannel[];
export const EVENT_CHANNELS: readonly EventChannel[] = Object.freeze(['job:progress', 'project:changed', 'app:log'] as const);

/** Electron channel names are namespaced so nothing else on ipcMain collides. */
export const ipcChannelName = (channel: string): string => `mtcgcnn:${channel}`;

/** The API the preload exposes as `window.mtcgcnn` (and the e2e harness injects). */
export interface BridgeApi {
  invoke<C extends InvokeChannel>(channel: C, ...arg: RequestOf<C> extends void ? [] : [RequestOf<C>]): Promise<IpcResult<ResponseOf<C>>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventContract[E]) => void): () => void;
}

export function isInvokeChannel(v: unknown): v is InvokeChannel {
  return typeof v === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(v);
}

export function isEventChannel(v: unknown): v is EventChannel {
  return typeof v === 'string' && (EVENT_CHANNELS as readonly string[]).includes(v);
}