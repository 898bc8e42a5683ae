/**
 * Preload: exposes exactly the IPC contract as `window.mtcgcnn` and nothing else.
 * Unknown channels are refused here as well as in main.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { ipcChannelName, isEventChannel, isInvokeChannel, type BridgeApi } from '../src-shared/contract';

const api: BridgeApi = {
  invoke: ((channel: string, argument?: unknown) => {
    if (!isInvokeChannel(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'unknown-channel', message: `unknown IPC channel ${channel}` } });
    }
    return ipcRenderer.invoke(ipcChannelName(channel), argument);
  }) as BridgeApi['invoke'],
  on: ((event: string, listener: (payload: unknown) => void) => {
    if (!isEventChannel(event)) throw new Error(`unknown event channel ${event}`);
    const wrapped = (_e: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(ipcChannelName(event), wrapped);
    return () => ipcRenderer.removeListener(ipcChannelName(event), wrapped);
  }) as BridgeApi['on'],
};

contextBridge.exposeInMainWorld('mtcgcnn', api);
