/** Electron transport for the IPC contract: ipcMain.handle per channel, events via webContents.send. */
import { ipcMain, type WebContents } from 'electron';
import { INVOKE_CHANNELS, ipcChannelName } from '../../src-shared/contract';
import type { Dispatch, EventSink } from '../ipc/dispatcher';

export function registerElectronHandlers(dispatch: Dispatch): void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(ipcChannelName(channel), (_event, argument: unknown) => dispatch(channel, argument));
  }
}

export function webContentsSink(getTargets: () => WebContents[]): EventSink {
  return {
    emit(event, payload) {
      for (const wc of getTargets()) if (!wc.isDestroyed()) wc.send(ipcChannelName(event), payload);
    },
  };
}
