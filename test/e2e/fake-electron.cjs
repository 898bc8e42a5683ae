/**
 * A small fake of the 'electron' module for test/e2e/electron-shell.e2e.ts. Loaded with
 * `node --require test/e2e/fake-electron.cjs out/main/index.js` (or out/preload/index.js) in a CHILD process:
 * require('electron') then returns the fake below, which records what the built bundle does with it. Once the
 * bundle has set itself up, a driver exercises what it registered (IPC handlers, the web-contents guard, the
 * session hooks, the exposed bridge), prints one line `FAKE_ELECTRON_REPORT <json>` on stdout and exits.
 *
 * Environment:
 *   FAKE_ELECTRON_SCENARIO  'main' or 'preload'
 *   FAKE_ELECTRON_INVOKE    main: JSON [[channel, argument?], ...] called through the registered ipcMain handlers
 *   FAKE_ELECTRON_CHANNELS  preload: JSON { invoke: string[], events: string[] } (the contract's channel lists)
 *   FAKE_ELECTRON_PACKAGED  '1': app.isPackaged is true
 *   FAKE_ELECTRON_FRAME     main: the senderFrame.url of the IPC calls (default: the app's index, app://renderer/index.html)
 *   FAKE_ELECTRON_FETCH     main: JSON string[] of app:// URLs fetched through the registered protocol handler
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload is CommonJS */
const Module = require('node:module');
const os = require('node:os');
const { EventEmitter } = require('node:events');

const scenario = process.env.FAKE_ELECTRON_SCENARIO;
const report = { scenario, requires: [], calls: [], errors: [] };
const record = (what, detail) => report.calls.push(detail === undefined ? { what } : { what, ...detail });
const plain = (v) => JSON.parse(JSON.stringify(v === undefined ? null : v));

// ---- the fake ----------------------------------------------------------------------------------------------

const app = new EventEmitter();
let resolveReady;
let readyResolved = false;
const ready = new Promise((resolve) => (resolveReady = resolve));
app.whenReady = () => {
  record('app.whenReady');
  return ready;
};
app.isReady = () => false;
app.isPackaged = process.env.FAKE_ELECTRON_PACKAGED === '1';
app.getPath = (name) => {
  record('app.getPath', { name });
  return os.tmpdir();
};
app.getVersion = () => '0.0.0-fake';
app.getName = () => 'fake-electron';
app.quit = () => record('app.quit');
app.exit = (code) => record('app.exit', { code });
const appOn = app.on.bind(app);
app.on = (event, listener) => {
  record('app.on', { event });
  return appOn(event, listener);
};

const allWebContents = [];
let nextId = 1;
class FakeWebContents extends EventEmitter {
  constructor() {
    super();
    this.id = nextId++;
    this.windowOpenHandler = null;
    this.sent = [];
    allWebContents.push(this);
  }
  setWindowOpenHandler(handler) {
    record('webContents.setWindowOpenHandler', { id: this.id });
    this.windowOpenHandler = handler;
  }
  send(channel, payload) {
    this.sent.push({ channel, payload: plain(payload) });
  }
  isDestroyed() {
    return false;
  }
  closeDevTools() {
    record('webContents.closeDevTools', { id: this.id });
  }
  printToPDF() {
    record('webContents.printToPDF');
    return Promise.resolve(Buffer.from('%PDF-fake'));
  }
}

const windows = [];
class BrowserWindow extends EventEmitter {
  constructor(options = {}) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    windows.push(this);
    record('new BrowserWindow', { options: plain(options) });
    // Electron emits this for every new web contents (the window's included).
    app.emit('web-contents-created', { preventDefault() {} }, this.webContents);
  }
  loadFile(file, options) {
    record('BrowserWindow.loadFile', { file, options: plain(options) });
    return Promise.resolve();
  }
  loadURL(url) {
    record('BrowserWindow.loadURL', { url });
    return Promise.resolve();
  }
  show() {
    record('BrowserWindow.show');
  }
  destroy() {
    record('BrowserWindow.destroy');
  }
  static getAllWindows() {
    return windows.slice();
  }
  static getFocusedWindow() {
    return null;
  }
}

const handlers = new Map();
const ipcMain = {
  handle(channel, listener) {
    record('ipcMain.handle', { channel });
    if (handlers.has(channel)) report.errors.push(`ipcMain.handle twice for ${channel}`);
    handlers.set(channel, listener);
  },
  on(channel) {
    record('ipcMain.on', { channel });
  },
  removeHandler(channel) {
    handlers.delete(channel);
  },
};

const sessionHooks = {};
const defaultSession = {
  webRequest: {
    onHeadersReceived(listener) {
      record('session.webRequest.onHeadersReceived');
      sessionHooks.onHeadersReceived = listener;
    },
    onBeforeRequest(listener) {
      record('session.webRequest.onBeforeRequest');
      sessionHooks.onBeforeRequest = listener;
    },
  },
  setPermissionRequestHandler(handler) {
    record('session.setPermissionRequestHandler');
    sessionHooks.permissionRequest = handler;
  },
  setPermissionCheckHandler(handler) {
    record('session.setPermissionCheckHandler');
    sessionHooks.permissionCheck = handler;
  },
};

const protocolHandlers = new Map();
const protocol = {
  registerSchemesAsPrivileged(schemes) {
    record('protocol.registerSchemesAsPrivileged', { schemes: plain(schemes), appReady: readyResolved });
  },
  handle(scheme, handler) {
    record('protocol.handle', { scheme });
    protocolHandlers.set(scheme, handler);
  },
};

const shell = {
  openExternal(url) {
    record('shell.openExternal', { url });
    return Promise.resolve();
  },
};

const dialog = {
  showOpenDialog() {
    record('dialog.showOpenDialog');
    return Promise.resolve({ canceled: true, filePaths: [] });
  },
  showSaveDialog() {
    record('dialog.showSaveDialog');
    return Promise.resolve({ canceled: true });
  },
};

// Preload side.
const exposed = [];
const contextBridge = {
  exposeInMainWorld(key, api) {
    record('contextBridge.exposeInMainWorld', { key });
    exposed.push({ key, api });
  },
};
const rendererListeners = new Map();
const ipcRenderer = {
  invoke(channel, argument) {
    record('ipcRenderer.invoke', { channel, argument: plain(argument) });
    return Promise.resolve({ ok: true, value: { echoed: channel } });
  },
  on(channel, listener) {
    record('ipcRenderer.on', { channel });
    rendererListeners.set(channel, [...(rendererListeners.get(channel) ?? []), listener]);
  },
  removeListener(channel, listener) {
    record('ipcRenderer.removeListener', { channel });
    rendererListeners.set(
      channel,
      (rendererListeners.get(channel) ?? []).filter((l) => l !== listener),
    );
  },
};

const fakeElectron = {
  app,
  BrowserWindow,
  ipcMain,
  session: { defaultSession },
  protocol,
  shell,
  dialog,
  webContents: { getAllWebContents: () => allWebContents.slice() },
  contextBridge,
  ipcRenderer,
};

// ---- injection: require('electron') resolves to the fake ------------------------------------------------------

const FAKE_ID = '\0fake-electron';
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'electron') return FAKE_ID;
  return resolveFilename.call(this, request, ...rest);
};
const load = Module._load;
Module._load = function (request, parent, ...rest) {
  // What the bundles themselves require (not what Node's internals or this file load).
  if (parent && parent.filename && /[\\/]out[\\/](main|preload)[\\/]/.test(parent.filename)) report.requires.push(request);
  if (request === 'electron') return fakeElectron;
  return load.call(this, request, parent, ...rest);
};

// ---- drivers ------------------------------------------------------------------------------------------------

function finish() {
  process.stdout.write(`FAKE_ELECTRON_REPORT ${JSON.stringify(report)}\n`);
  process.exit(0);
}

async function waitFor(condition, what, ms = 30_000) {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function driveMain() {
  // Everything main registers at load happens synchronously; then the app becomes ready.
  await new Promise((r) => setImmediate(r));
  report.beforeReady = { handlers: handlers.size, windows: windows.length };
  readyResolved = true;
  resolveReady();
  await waitFor(() => report.calls.some((c) => c.what === 'BrowserWindow.loadFile' || c.what === 'BrowserWindow.loadURL'), 'the window to load');

  const win = windows[0];
  const wc = win.webContents;
  win.emit('ready-to-show');

  // The web-contents guard on the window's contents.
  const navigate = (url) => {
    let prevented = false;
    wc.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
    return { url, prevented };
  };
  let webviewPrevented = false;
  wc.emit('will-attach-webview', { preventDefault: () => (webviewPrevented = true) });
  report.guard = {
    willNavigateListeners: wc.listenerCount('will-navigate'),
    navigations: [
      navigate('https://evil.example/phish'),
      navigate('http://insecure.example/'),
      navigate('file:///app/index.html#/projects'),
      navigate('app://renderer/index.html#/projects'),
      navigate('app://renderer.evil/index.html'),
    ],
    webviewPrevented,
    windowOpen: wc.windowOpenHandler
      ? [wc.windowOpenHandler({ url: 'https://example.org/docs' }), wc.windowOpenHandler({ url: 'file:///etc/passwd' })]
      : null,
  };

  // The session hooks.
  const hooks = {};
  if (sessionHooks.onHeadersReceived) {
    sessionHooks.onHeadersReceived({ url: 'file:///app/index.html', responseHeaders: { 'X-Existing': ['1'] } }, (r) => (hooks.headers = plain(r)));
  }
  if (sessionHooks.onBeforeRequest) {
    hooks.beforeRequest = {};
    for (const url of ['app://renderer/index.html', 'file:///app/index.html', 'https://cdn.example/x.js', 'devtools://devtools/bundled/x.html', 'data:image/png;base64,AA==']) {
      sessionHooks.onBeforeRequest({ url }, (r) => (hooks.beforeRequest[url] = plain(r)));
    }
  }
  if (sessionHooks.permissionRequest) sessionHooks.permissionRequest(wc, 'geolocation', (granted) => (hooks.permissionGranted = granted));
  if (sessionHooks.permissionCheck) hooks.permissionCheck = sessionHooks.permissionCheck(wc, 'clipboard-read', 'app://renderer', {});
  report.session = hooks;

  // The app:// protocol handler.
  report.fetched = [];
  const serve = protocolHandlers.get('app');
  for (const url of JSON.parse(process.env.FAKE_ELECTRON_FETCH || '[]')) {
    if (!serve) break;
    const res = await serve({ url, method: 'GET', headers: new Headers() });
    const body = Buffer.from(await res.arrayBuffer());
    report.fetched.push({ url, status: res.status, contentType: res.headers.get('content-type'), bytes: body.length, head: body.subarray(0, 15).toString('utf8') });
  }
  wc.emit('devtools-opened');

  // Calls through the registered handlers, as ipcRenderer.invoke would make them.
  report.registered = [...handlers.keys()];
  report.invoked = [];
  for (const [channel, argument] of JSON.parse(process.env.FAKE_ELECTRON_INVOKE || '[]')) {
    const listener = handlers.get(channel);
    if (!listener) {
      report.invoked.push({ channel, missing: true });
      continue;
    }
    const frame = process.env.FAKE_ELECTRON_FRAME === 'none' ? null : { url: process.env.FAKE_ELECTRON_FRAME || 'app://renderer/index.html#/projects' };
    report.invoked.push({ channel, result: plain(await listener({ sender: wc, senderFrame: frame }, argument)) });
  }
  report.windows = windows.map((w) => ({ options: plain(w.options) }));
}

async function drivePreload() {
  await new Promise((r) => setImmediate(r));
  const { invoke: invokeChannels, events } = JSON.parse(process.env.FAKE_ELECTRON_CHANNELS || '{"invoke":[],"events":[]}');
  report.exposed = exposed.map(({ key, api }) => ({ key, members: Object.keys(api).sort(), types: Object.fromEntries(Object.entries(api).map(([k, v]) => [k, typeof v])) }));
  const api = exposed[0]?.api;
  if (!api) return;

  report.invokes = [];
  for (const channel of invokeChannels) {
    const before = report.calls.length;
    const result = await api.invoke(channel, { probe: channel });
    report.invokes.push({ channel, result: plain(result), reached: report.calls.slice(before).filter((c) => c.what === 'ipcRenderer.invoke') });
  }
  const before = report.calls.length;
  report.unknownInvoke = {
    result: plain(await api.invoke('fs:read-any-file', { path: '/etc/passwd' })),
    reached: report.calls.slice(before).filter((c) => c.what === 'ipcRenderer.invoke'),
  };

  report.events = [];
  for (const event of events) {
    const received = [];
    const off = api.on(event, (payload) => received.push(payload));
    const registered = [...rendererListeners.keys()].filter((k) => (rendererListeners.get(k) ?? []).length > 0);
    for (const [, listeners] of rendererListeners) for (const l of listeners) l({ sender: null }, { event });
    off();
    const left = [...rendererListeners.values()].reduce((n, ls) => n + ls.length, 0);
    report.events.push({ event, registered, received: plain(received), unsubscribeType: typeof off, listenersLeft: left });
  }
  try {
    api.on('shell:exec', () => {});
    report.unknownEvent = { threw: false };
  } catch (err) {
    report.unknownEvent = { threw: true, message: String(err && err.message) };
  }
}

const driver = scenario === 'main' ? driveMain : scenario === 'preload' ? drivePreload : null;
if (driver) {
  // Started after the entry script has run (it is loaded right after this --require file).
  setImmediate(() =>
    driver().then(finish, (err) => {
      report.errors.push(String(err && err.stack ? err.stack : err));
      finish();
    }),
  );
}
