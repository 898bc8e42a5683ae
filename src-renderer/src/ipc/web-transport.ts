/**
 * The browser shell's transport (src-main/studio/server.ts on the other side): the same BridgeApi the Electron
 * preload exposes, over HTTP on this page's origin. Calls are POSTed as JSON and answered with the contract's
 * IpcResult; events arrive on one Server-Sent Events stream. The session cookie travels with both (same origin).
 * The native file dialogs become the in-app file browser (in-page-dialogs.ts).
 */
import type { BridgeApi, EventChannel, IpcResult } from '@contract';
import { askInPage, type DialogRequest } from './in-page-dialogs';

type Listener = (payload: unknown) => void;

const DIALOGS: Record<string, DialogRequest['kind']> = {
  'app:choose-folder': 'folder',
  'app:choose-file': 'file',
  'app:choose-save-file': 'save',
};

async function post(channel: string, argument: unknown): Promise<IpcResult<unknown>> {
  const response = await fetch('/api/call', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel, argument }),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (!response.ok) {
    const text = (await response.text()).trim();
    const hint = response.status === 401 ? ' Open the URL that `mtcgcnn studio` printed again.' : '';
    return { ok: false, error: { code: 'internal', message: `The studio server refused the call (HTTP ${response.status}: ${text}).${hint}` } };
  }
  return (await response.json()) as IpcResult<unknown>;
}

export function webTransport(): BridgeApi {
  const listeners = new Map<string, Set<Listener>>();
  let stream: EventSource | null = null;

  const connect = (): void => {
    if (stream) return;
    stream = new EventSource('/api/events');
  };
  const listen = (event: string): void => {
    connect();
    stream!.addEventListener(event, (e) => {
      const payload: unknown = JSON.parse((e as MessageEvent<string>).data);
      for (const l of listeners.get(event) ?? []) l(payload);
    });
  };

  const invoke = async (channel: string, argument?: unknown): Promise<IpcResult<unknown>> => {
    const dialog = DIALOGS[channel];
    if (dialog) {
      const path = await askInPage({ kind: dialog, ...(argument as object) } as DialogRequest);
      return { ok: true, value: { path } };
    }
    return post(channel, argument);
  };

  return {
    invoke: invoke as BridgeApi['invoke'],
    on: ((event: EventChannel, listener: Listener) => {
      let set = listeners.get(event);
      if (!set) {
        listeners.set(event, (set = new Set()));
        listen(event);
      }
      const wrapped: Listener = (payload) => listener(payload);
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    }) as BridgeApi['on'],
  };
}
