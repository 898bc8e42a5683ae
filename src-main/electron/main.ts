/** Electron entry: one window, hardened, with the IPC contract wired to the shared handlers. */
import path from 'node:path';
import { app, BrowserWindow, shell, webContents } from 'electron';
import { createHandlers } from '../app/handlers';
import { createDispatcher } from '../ipc/dispatcher';
import { describeBackend } from '../app/backend-summary';
import { guardWebContents, hardenSession, secureWebPreferences } from './security';
import { registerElectronHandlers, webContentsSink } from './ipc-electron';

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Crystal Property Studio',
    backgroundColor: '#11151c',
    webPreferences: secureWebPreferences(path.join(__dirname, '../preload/index.js')),
  });
  win.once('ready-to-show', () => win.show());
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(path.join(__dirname, '../renderer/index.html'));
  return win;
}

app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

void app.whenReady().then(() => {
  hardenSession();
  const events = webContentsSink(() => webContents.getAllWebContents());
  const handlers = createHandlers({
    backend: describeBackend,
    events,
    openExternal: (url) => shell.openExternal(url),
  });
  registerElectronHandlers(createDispatcher(handlers, (m) => console.error(m)));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
