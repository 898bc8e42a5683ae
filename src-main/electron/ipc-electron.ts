/**
 * Electron transport for the IPC contract: ipcMain.handle per channel, events via webContents.send. A call is
 * answered only when it comes from a frame of the app itself (event.senderFrame.url has the app's origin); any other
 * sender (a navigated-away or injected frame, a frame that is gone) gets an error without reaching the handler.
 */
import { ipcMain, type WebContents } from 'electron';
import { INVOKE_CHANNELS, ipcChannelName } from '../../src-shared/contract';
import type { Dispatch, EventSink } from '../ipc/dispatcher';
import { isTrustedSender } from './shell-policy';

export function registerElectronHandlers(dispatch: Dispatch, devOrigin?: string): void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(ipcChannelName(channel), (event, argument: unknown) => {
      const url = event.senderFrame?.url;
      if (!isTrustedSender(url, devOrigin)) {
        return { ok: false, error: { code: 'invalid-argument', message: `${channel}: refused: the caller is not a page of the app (${String(url ?? 'no frame').slice(0, 80)})` } };
      }
      return dispatch(channel, argument);
    });
  }
}

export function webContentsSink(getTargets: () => WebContents[]): EventSink {
  return {
    emit(event, payload) {
      for (const wc of getTargets()) if (!wc.isDestroyed()) wc.send(ipcChannelName(event), payload);
    },
  };
}
