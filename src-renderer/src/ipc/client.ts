/**
 * The renderer's typed IPC client: the ONLY module that chooses the transport. It does so once, at start-up: the
 * preload's bridge `window.mtcgcnn` when it exists (Electron), else the web transport to the studio server that
 * served this page (web-transport.ts). Everything else calls `invoke` / `subscribe` from here and never knows which
 * shell it runs in.
 *
 * - `invoke` resolves with the handler's value or throws an `IpcCallError` carrying the contract's error code.
 * - `subscribe` attaches a typed listener to a main -> renderer event stream and returns its unsubscribe.
 */
import type {
  BridgeApi,
  EventChannel,
  EventContract,
  InvokeChannel,
  IpcErrorCode,
  IpcResult,
  RequestOf,
  ResponseOf,
} from '@contract';
import { webTransport } from './web-transport';

declare global {
  interface Window {
    /** Present only when the Electron preload installed the bridge. */
    readonly mtcgcnn?: BridgeApi;
  }
}

/** Codes a call can fail with: the contract's, plus `bridge-unavailable` when no bridge is installed. */
export type IpcCallErrorCode = IpcErrorCode | 'bridge-unavailable';

/** A failed IPC call, as the UI sees it. */
export class IpcCallError extends Error {
  constructor(
    readonly channel: InvokeChannel,
    readonly code: IpcCallErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IpcCallError';
  }
}

export type InvokeArgs<C extends InvokeChannel> = RequestOf<C> extends void ? [] : [RequestOf<C>];

const KNOWN_CODES: readonly IpcErrorCode[] = ['invalid-argument', 'unknown-channel', 'not-found', 'failed', 'cancelled', 'internal'];

/** The transport, chosen once: Electron's bridge, else the studio server of this page's origin (none for a file:// page). */
const transport: BridgeApi | undefined = window.mtcgcnn ?? (/^https?:$/.test(window.location.protocol) ? webTransport() : undefined);

function bridge(channel: InvokeChannel): BridgeApi {
  if (!transport) {
    throw new IpcCallError(channel, 'bridge-unavailable', 'The connection to the application core is missing. Start the app with `npm start` (or `mtcgcnn studio`) and open the URL it prints.');
  }
  return transport;
}

function isEnvelope(v: unknown): v is IpcResult<unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { ok?: unknown; error?: unknown };
  if (r.ok === true) return true;
  return r.ok === false && typeof r.error === 'object' && r.error !== null;
}

/** Calls a main-process handler. Resolves with its value; throws IpcCallError when main answers `{ ok: false }`. */
export async function invoke<C extends InvokeChannel>(channel: C, ...arg: InvokeArgs<C>): Promise<ResponseOf<C>> {
  const api = bridge(channel);
  let result: unknown;
  try {
    result = await api.invoke(channel, ...arg);
  } catch (err) {
    // The transport itself failed (e.g. an argument that cannot be cloned): not a handler error.
    throw new IpcCallError(channel, 'internal', `${channel}: the call could not be delivered (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isEnvelope(result)) throw new IpcCallError(channel, 'internal', `${channel}: malformed answer from the application core`);
  if (result.ok) return result.value as ResponseOf<C>;
  const { code, message } = result.error as { code?: unknown; message?: unknown };
  const known = KNOWN_CODES.find((c) => c === code) ?? 'internal';
  throw new IpcCallError(channel, known, typeof message === 'string' && message ? message : `${channel} failed`);
}

/** Listens to a main -> renderer event stream; returns the unsubscribe function (a no-op without a bridge). */
export function subscribe<E extends EventChannel>(event: E, listener: (payload: EventContract[E]) => void): () => void {
  if (!transport) return () => {};
  return transport.on(event, listener);
}

/** Whether a transport exists (the shell shows a clear notice when it does not). */
export function bridgeAvailable(): boolean {
  return transport !== undefined;
}

/** Narrows an unknown caught value to an IpcCallError (wrapping anything else as an internal error). */
export function toIpcCallError(err: unknown, channel: InvokeChannel): IpcCallError {
  if (err instanceof IpcCallError) return err;
  return new IpcCallError(channel, 'internal', err instanceof Error ? err.message : String(err));
}
