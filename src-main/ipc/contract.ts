/**
 * The one typed IPC contract between the main process and the renderer.
 *
 * - `invoke` calls are request/response: the renderer sends one argument, main validates it with the
 *   call's `parse` guard, runs the handler and answers with an `IpcResult` envelope (never a thrown error).
 * - `events` are main -> renderer streams (job progress, log lines).
 *
 * This file is shared by main, preload and renderer, so it must stay free of Node and Electron imports.
 * The guards are hand-written: every argument that crosses the boundary is checked here, in main.
 */

// ---------- value types that cross the boundary ----------

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendSummary {
  /** tfjs backend in use. */
  name: BackendName;
  /** Human description, e.g. "WebAssembly (SIMD, 1 thread)". */
  description: string;
  /** Why a faster backend was not used, if it was not. */
  fallbackReason?: string;
  /** How to get the GPU backend on this machine. */
  howToGetGpu: string;
}

export interface AppInfo {
  appVersion: string;
  /** Versions of the runtime pieces (node, tfjs, electron when present). */
  versions: Record<string, string>;
  backend: BackendSummary;
  /** Logical CPU cores seen by the main process. */
  cpuCount: number;
  /** Where the user's projects live by default. */
  projectsDir: string;
}

export type JobKind = 'featurize' | 'train' | 'screen';
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

export interface DatasetSummaryRequest {
  /** Folder with ID.cif files and id_prop.csv. */
  dir: string;
}

// ---------- error envelope ----------

export type IpcErrorCode = 'invalid-argument' | 'unknown-channel' | 'not-found' | 'failed' | 'cancelled' | 'internal';

export interface IpcError {
  code: IpcErrorCode;
  message: string;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** Thrown by guards; the main side turns it into an `invalid-argument` IpcError. */
export class IpcArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpcArgumentError';
  }
}

// ---------- guards ----------

type Guard<T> = (value: unknown) => T;

const noArgs: Guard<void> = (v) => {
  if (v !== undefined && v !== null) throw new IpcArgumentError('this call takes no argument');
};

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new IpcArgumentError(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new IpcArgumentError(`${what}: unexpected field "${k}"`);
}

export function str(v: unknown, what: string, opts: { maxLength?: number; allowEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') throw new IpcArgumentError(`${what} must be a string`);
  if (!opts.allowEmpty && v.length === 0) throw new IpcArgumentError(`${what} must not be empty`);
  if (v.length > (opts.maxLength ?? 4096)) throw new IpcArgumentError(`${what} is too long`);
  if (v.includes('\0')) throw new IpcArgumentError(`${what} contains a NUL character`);
  return v;
}

export function num(v: unknown, what: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new IpcArgumentError(`${what} must be a finite number`);
  if (opts.integer && !Number.isInteger(v)) throw new IpcArgumentError(`${what} must be an integer`);
  if (opts.min !== undefined && v < opts.min) throw new IpcArgumentError(`${what} must be >= ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new IpcArgumentError(`${what} must be <= ${opts.max}`);
  return v;
}

const echoGuard: Guard<{ text: string }> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['text'], 'argument');
  return { text: str(o.text, 'text', { allowEmpty: true, maxLength: 10_000 }) };
};

const datasetSummaryGuard: Guard<DatasetSummaryRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['dir'], 'argument');
  return { dir: str(o.dir, 'dir') };
};

const jobIdGuard: Guard<{ jobId: string }> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['jobId'], 'argument');
  const jobId = str(o.jobId, 'jobId', { maxLength: 64 });
  if (!/^[A-Za-z0-9_-]+$/.test(jobId)) throw new IpcArgumentError('jobId has invalid characters');
  return { jobId };
};

const urlGuard: Guard<{ url: string }> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['url'], 'argument');
  const url = str(o.url, 'url', { maxLength: 2048 });
  if (!/^https:\/\//.test(url)) throw new IpcArgumentError('only https:// links can be opened');
  return { url };
};

// ---------- the contract ----------

/** One request/response call: a guard for the argument and a phantom for the result type. */
export interface InvokeSpec<Req, Res> {
  readonly parse: Guard<Req>;
  readonly _result?: Res;
}

function call<Req, Res>(parse: Guard<Req>): InvokeSpec<Req, Res> {
  return { parse };
}

export interface DatasetSummary {
  dir: string;
  tasks: { name: string; unit: string }[];
  rows: number;
  structureFiles: number;
  missingFiles: number;
  labelledPerTask: Record<string, number>;
}

export const invokeContract = {
  /** App, runtime and compute backend facts. */
  'app:info': call<void, AppInfo>(noArgs),
  /** Round-trip check used by the shell (returns the text and when main saw it). */
  'app:echo': call<{ text: string }, { text: string; receivedAtIso: string }>(echoGuard),
  /** Open an https link in the system browser. */
  'app:open-external': call<{ url: string }, void>(urlGuard),
  /** Scan a CGCNN-layout dataset folder. */
  'dataset:summary': call<DatasetSummaryRequest, DatasetSummary>(datasetSummaryGuard),
  /** Cancel a running job. */
  'job:cancel': call<{ jobId: string }, { cancelled: boolean }>(jobIdGuard),
  /** Jobs known to this session (including interrupted ones). */
  'job:list': call<void, JobProgress[]>(noArgs),
} as const;

export type InvokeContract = typeof invokeContract;
export type InvokeChannel = keyof InvokeContract;
export type RequestOf<C extends InvokeChannel> = InvokeContract[C] extends InvokeSpec<infer Req, unknown> ? Req : never;
export type ResponseOf<C extends InvokeChannel> = InvokeContract[C] extends InvokeSpec<unknown, infer Res> ? Res : never;

/** main -> renderer streams and their payloads. */
export interface EventContract {
  'job:progress': JobProgress;
  'app:log': { level: 'info' | 'warn' | 'error'; message: string; timeIso: string };
}
export type EventChannel = keyof EventContract;

export const INVOKE_CHANNELS = Object.freeze(Object.keys(invokeContract)) as readonly InvokeChannel[];
export const EVENT_CHANNELS: readonly EventChannel[] = Object.freeze(['job:progress', 'app:log'] as const);

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
