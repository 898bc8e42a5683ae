/** Electron entry: one window, hardened, with the IPC contract wired to the shared handlers. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, dialog, shell, webContents } from 'electron';
import { createHandlers } from '../app/handlers';
import { createDispatcher } from '../ipc/dispatcher';
import { describeBackend } from '../services/backend-summary';
import { setBackendLog } from '../core/compute/backend-log';
import { startSection, type StartSection } from '../app/start-section';
import { guardWebContents, hardenSession, secureWebPreferences } from './security';
import { registerElectronHandlers, webContentsSink } from './ipc-electron';

// The compute backend and its kernel path (SIMD wasm or not) go to the main process's log when first chosen.
setBackendLog((m) => console.log(m));

/** The main window, opened on `section` (the renderer reads it from the URL hash, e.g. #/demo at first run). */
function createWindow(section: StartSection): BrowserWindow {
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
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(`${process.env.ELECTRON_RENDERER_URL}#/${section}`);
  else void win.loadFile(path.join(__dirname, '../renderer/index.html'), { hash: `/${section}` });
  return win;
}

/**
 * Prints a report (self-contained HTML, no scripts) with Chromium's own PDF writer: a hidden, sandboxed window
 * without JavaScript loads the HTML from a temporary file, webContents.printToPDF renders A4 with the page's @page
 * margins, and the PDF is written atomically.
 */
async function printHtmlToPdfInElectron(html: string, outFile: string): Promise<{ bytes: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-report-'));
  const page = path.join(dir, 'report.html');
  fs.writeFileSync(page, html);
  const win = new BrowserWindow({ show: false, webPreferences: { ...secureWebPreferences(path.join(__dirname, '../preload/index.js')), preload: undefined, javascript: false } });
  try {
    await win.loadFile(page);
    const pdf = await win.webContents.printToPDF({ pageSize: 'A4', printBackground: true, preferCSSPageSize: true });
    const tmp = `${outFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, pdf);
    fs.renameSync(tmp, outFile);
    return { bytes: pdf.length };
  } finally {
    win.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

void app.whenReady().then(async () => {
  hardenSession();
  const events = webContentsSink(() => webContents.getAllWebContents());
  const handlers = createHandlers({
    backend: describeBackend,
    events,
    openExternal: (url) => shell.openExternal(url),
    chooseFolder: async ({ title, defaultPath }) => {
      const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
      const options: Electron.OpenDialogOptions = { title, properties: ['openDirectory', 'createDirectory'], ...(defaultPath ? { defaultPath } : {}) };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    chooseFile: async ({ title, defaultPath, extensions }) => {
      const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
      const options: Electron.OpenDialogOptions = {
        title,
        properties: ['openFile'],
        filters: [{ name: extensions.map((e) => e.toUpperCase()).join(', '), extensions }],
        ...(defaultPath ? { defaultPath } : {}),
      };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    chooseSaveFile: async ({ title, defaultPath, extensions }) => {
      const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
      const options: Electron.SaveDialogOptions = {
        title,
        filters: [{ name: extensions.map((e) => e.toUpperCase()).join(', '), extensions }],
        ...(defaultPath ? { defaultPath } : {}),
      };
      const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    printToPdf: (html, outFile) => printHtmlToPdfInElectron(html, outFile),
  });
  registerElectronHandlers(createDispatcher(handlers, (m) => console.error(m)));
  createWindow(await startSection());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void startSection().then(createWindow);
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
