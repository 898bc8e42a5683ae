/**
 * Electron entry: one window, hardened, with the IPC contract wired to the shared handlers. The renderer is served
 * from app://renderer (out/renderer only); ELECTRON_RENDERER_URL (the dev server) is honoured only when not packaged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, dialog, shell, webContents } from 'electron';
import { createHandlers } from '../app/handlers';
import { writeFileAtomic } from '../core/fs/atomic-write';
import { createDispatcher } from '../ipc/dispatcher';
import { describeBackend } from '../services/backend-summary';
import { setBackendLog } from '../core/compute/backend-log';
import { startSection, type StartSection } from '../app/start-section';
import { allowFileRoot, guardWebContents, hardenSession, registerAppScheme, rendererRootOf, secureWebPreferences, serveAppScheme, type ShellContext } from './security';
import { registerElectronHandlers, webContentsSink } from './ipc-electron';
import { appIndexUrl, devRendererUrl } from './shell-policy';

const shellContext: ShellContext = { packaged: app.isPackaged, devOrigin: devRendererUrl(process.env, app.isPackaged) };
registerAppScheme();

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
    webPreferences: secureWebPreferences(path.join(__dirname, '../preload/index.js'), shellContext),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(appIndexUrl(section, shellContext.devOrigin));
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
  const win = new BrowserWindow({ show: false, webPreferences: { ...secureWebPreferences(path.join(__dirname, '../preload/index.js'), shellContext), preload: undefined, javascript: false } });
  const disallow = allowFileRoot(dir);
  try {
    await win.loadFile(page);
    const pdf = await win.webContents.printToPDF({ pageSize: 'A4', printBackground: true, preferCSSPageSize: true });
    await writeFileAtomic(outFile, pdf);
    return { bytes: pdf.length };
  } finally {
    disallow();
    win.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

app.on('web-contents-created', (_event, contents) => guardWebContents(contents, shellContext));

void app.whenReady().then(async () => {
  hardenSession(shellContext);
  serveAppScheme(rendererRootOf(__dirname));
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
  registerElectronHandlers(createDispatcher(handlers, (m) => console.error(m)), shellContext.devOrigin);
  createWindow(await startSection());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void startSection().then(createWindow);
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
