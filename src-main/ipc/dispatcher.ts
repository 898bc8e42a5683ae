/**
 * Transport-independent main-side IPC: validates every argument with the contract's guards, runs the
 * handler and turns every outcome into an `IpcResult`. Electron (ipcMain) and the e2e harness
 * (a Playwright binding) are both thin transports over `dispatch`.
 */
import {
  IpcArgumentError,
  invokeContract,
  isInvokeChannel,
  type EventChannel,
  type EventContract,
  type InvokeChannel,
  type IpcError,
  type IpcResult,
  type RequestOf,
  type ResponseOf,
} from '../../src-shared/contract';

export type Handlers = {
  [C in InvokeChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/** Where main -> renderer events go (webContents.send in Electron, page.evaluate in tests). */
export interface EventSink {
  emit<E extends EventChannel>(event: E, payload: EventContract[E]): void;
}

/** An error meant for the user: its message says what went wrong and what to do. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly code: 'not-found' | 'failed' | 'cancelled' = 'failed',
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export type Dispatch = (channel: unknown, argument: unknown) => Promise<IpcResult<unknown>>;

export function createDispatcher(handlers: Handlers, log: (message: string) => void = () => {}): Dispatch {
  return async (channel, argument) => {
    if (!isInvokeChannel(channel)) {
      return fail({ code: 'unknown-channel', message: `unknown IPC channel ${JSON.stringify(String(channel)).slice(0, 80)}` });
    }
    let request: unknown;
    try {
      request = invokeContract[channel].parse(argument);
    } catch (err) {
      if (err instanceof IpcArgumentError) return fail({ code: 'invalid-argument', message: `${channel}: ${err.message}` });
      return fail({ code: 'invalid-argument', message: `${channel}: argument rejected` });
    }
    try {
      const handler = handlers[channel] as (req: unknown) => unknown;
      const value = await handler(request);
      return { ok: true, value };
    } catch (err) {
      if (err instanceof UserFacingError) return fail({ code: err.code, message: err.message });
      const message = err instanceof Error ? err.message : String(err);
      log(`IPC handler ${channel} failed: ${err instanceof Error && err.stack ? err.stack : message}`);
      return fail({ code: 'internal', message: `${channel} failed: ${message}` });
    }
  };
}

function fail(error: IpcError): IpcResult<never> {
  return { ok: false, error };
}
