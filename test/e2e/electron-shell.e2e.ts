// Smoke test of the BUILT Electron shell without Electron: out/main/index.js and out/preload/index.js run in a
// child `node` process where require('electron') returns the recording fake of test/e2e/fake-electron.cjs. The
// fake's driver exercises what the bundles registered and prints a JSON report, asserted on here. Run after
// `electron-vite build`. What still needs a real Electron run is listed in docs/desktop-app.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_CHANNELS, INVOKE_CHANNELS, ipcChannelName } from '../../src-shared/contract';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/csp';
import pkg from '../../package.json';

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'out', 'main', 'index.js');
const PRELOAD = path.join(ROOT, 'out', 'preload', 'index.js');
const RENDERER = path.join(ROOT, 'out', 'renderer', 'index.html');
const FAKE = path.join(__dirname, 'fake-electron.cjs');
const RESULTS = path.join(ROOT, 'test-results', 'e2e');

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});
function freshHome(): string {
  const h = mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-shell-'));
  homes.push(h);
  return h;
}

interface Call {
  what: string;
  [k: string]: unknown;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Report = { calls: Call[]; errors: string[]; requires: string[] } & Record<string, any>;

let runs = 0;
function runWithFakeElectron(entry: string, env: Record<string, string>): Report {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.ELECTRON_RENDERER_URL;
  if (env.ELECTRON_RENDERER_URL_FOR_TEST) childEnv.ELECTRON_RENDERER_URL = env.ELECTRON_RENDERER_URL_FOR_TEST;
  const r = spawnSync(process.execPath, ['--require', FAKE, entry], { cwd: ROOT, env: childEnv, encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('FAKE_ELECTRON_REPORT '));
  if (r.status !== 0 || !line) throw new Error(`child failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(line.slice('FAKE_ELECTRON_REPORT '.length)) as Report;
  // Kept for inspection: what the built bundle did with electron.
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, `electron-shell-${++runs}-${path.basename(path.dirname(entry))}.json`), JSON.stringify(report, null, 2));
  expect(report.errors).toEqual([]);
  return report;
}

function runMain(home: string, invoke: [string, unknown?][] = [], env: Record<string, string> = {}): Report {
  return runWithFakeElectron(MAIN, {
    MTCGCNN_HOME: home,
    FAKE_ELECTRON_SCENARIO: 'main',
    FAKE_ELECTRON_INVOKE: JSON.stringify(invoke.map(([channel, arg]) => [ipcChannelName(channel), arg])),
    FAKE_ELECTRON_FETCH: JSON.stringify(FETCHED),
    ...env,
  });
}

/** app:// URLs fetched through the registered protocol handler. */
const FETCHED = ['app://renderer/index.html', 'app://renderer/../main/index.js', 'app://renderer/..%2f..%2fpackage.json', 'app://elsewhere/index.html'];

const callsOf = (report: Report, what: string) => report.calls.filter((c) => c.what === what);

describe('Electron main (built, with a fake electron module)', () => {
  const home = freshHome();
  const projectsParent = freshHome();
  let first: Report;

  it('registers exactly the contract channels and opens one hardened window on the demo at first run', () => {
    first = runMain(home, [['app:info'], ['project:open', { dir: 'relative/dir' }], ['project:create', { name: 'Shell smoke', parentDir: projectsParent }]]);
    // Nothing is registered or opened before the app is ready.
    expect(first.beforeReady).toEqual({ handlers: 0, windows: 0 });

    const handled = callsOf(first, 'ipcMain.handle').map((c) => c.channel as string);
    expect([...handled].sort()).toEqual(INVOKE_CHANNELS.map(ipcChannelName).sort());
    expect(new Set(handled).size).toBe(handled.length);

    const windows = callsOf(first, 'new BrowserWindow');
    expect(windows).toHaveLength(1);
    const prefs = (windows[0].options as { webPreferences: Record<string, unknown> }).webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true });
    expect(prefs.webSecurity).not.toBe(false);
    expect(prefs.allowRunningInsecureContent).not.toBe(true);
    expect(prefs.preload).toBe(PRELOAD);
    expect(existsSync(prefs.preload as string)).toBe(true);
    // Not packaged here: DevTools stay available.
    expect(prefs.devTools).toBe(true);

    // The renderer comes from app://, registered as a privileged scheme before the app is ready.
    expect(callsOf(first, 'protocol.registerSchemesAsPrivileged')).toEqual([
      { what: 'protocol.registerSchemesAsPrivileged', schemes: [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }], appReady: false },
    ]);
    expect(callsOf(first, 'protocol.handle')).toEqual([{ what: 'protocol.handle', scheme: 'app' }]);
    expect(callsOf(first, 'BrowserWindow.loadFile')).toEqual([]);
    expect(callsOf(first, 'BrowserWindow.loadURL')).toEqual([{ what: 'BrowserWindow.loadURL', url: 'app://renderer/index.html#/demo' }]);
    expect(existsSync(RENDERER)).toBe(true);
    // Shown once ready (created hidden to avoid a white flash).
    expect(callsOf(first, 'BrowserWindow.show')).toHaveLength(1);
  });

  it('hardens the session: CSP header on every response, permissions refused and checked false, file:// and remote requests cancelled', () => {
    expect(first.session.headers.responseHeaders).toEqual({ 'X-Existing': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    expect(first.session.permissionGranted).toBe(false);
    expect(first.session.permissionCheck).toBe(false);
    expect(first.session.beforeRequest).toEqual({
      'app://renderer/index.html': { cancel: false },
      'file:///app/index.html': { cancel: true },
      'https://cdn.example/x.js': { cancel: true },
      'devtools://devtools/bundled/x.html': { cancel: false },
      'data:image/png;base64,AA==': { cancel: false },
    });
  });

  it('serves app://renderer from out/renderer only', () => {
    expect(first.fetched).toEqual([
      { url: 'app://renderer/index.html', status: 200, contentType: 'text/html; charset=utf-8', bytes: expect.any(Number), head: expect.stringMatching(/^<!doctype html>/i) },
      { url: 'app://renderer/../main/index.js', status: 404, contentType: expect.any(String), bytes: 9, head: 'not found' },
      { url: 'app://renderer/..%2f..%2fpackage.json', status: 404, contentType: expect.any(String), bytes: 9, head: 'not found' },
      { url: 'app://elsewhere/index.html', status: 404, contentType: expect.any(String), bytes: 9, head: 'not found' },
    ]);
  });

  it('guards the window: remote navigation prevented, window.open denied, https links go to the system browser', () => {
    expect(first.guard.willNavigateListeners).toBe(1);
    expect(first.guard.navigations).toEqual([
      { url: 'https://evil.example/phish', prevented: true },
      { url: 'http://insecure.example/', prevented: true },
      { url: 'file:///app/index.html#/projects', prevented: true },
      { url: 'app://renderer/index.html#/projects', prevented: false },
      { url: 'app://renderer.evil/index.html', prevented: true },
    ]);
    expect(first.guard.webviewPrevented).toBe(true);
    expect(first.guard.windowOpen).toEqual([{ action: 'deny' }, { action: 'deny' }]);
    // Only https URLs reach the system browser (not http, not file).
    expect(callsOf(first, 'shell.openExternal').map((c) => c.url)).toEqual(['https://evil.example/phish', 'https://example.org/docs']);
  });

  it('answers through ipcMain with the dispatcher result shape', () => {
    const [info, badOpen, created] = first.invoked;
    expect(info.channel).toBe(ipcChannelName('app:info'));
    expect(info.result).toMatchObject({ ok: true, value: { appVersion: expect.any(String), cpuCount: expect.any(Number), versions: { node: expect.any(String) } } });
    expect(info.result.value.projectsDir.startsWith(home)).toBe(true);
    expect(badOpen.result).toEqual({ ok: false, error: { code: 'invalid-argument', message: expect.stringMatching(/^project:open: /) } });
    expect(created.result).toMatchObject({ ok: true, value: { name: 'Shell smoke' } });
    expect(first.errors).toEqual([]);
  });

  it('opens on Projects once the recent list has a project', () => {
    // The project created through the registered handler above is on the recent list of the same home.
    const second = runMain(home);
    expect(callsOf(second, 'BrowserWindow.loadURL')).toEqual([{ what: 'BrowserWindow.loadURL', url: 'app://renderer/index.html#/projects' }]);
  });

  it('answers IPC only from the app\'s own frames', () => {
    for (const frame of ['file:///etc/index.html', 'https://evil.example/', 'app://renderer.evil/index.html', 'none']) {
      const r = runMain(freshHome(), [['app:info']], { FAKE_ELECTRON_FRAME: frame });
      expect(r.invoked[0].result, frame).toEqual({ ok: false, error: { code: 'invalid-argument', message: expect.stringMatching(/^app:info: refused: the caller is not a page of the app/) } });
    }
  });

  it('packaged: no DevTools, ELECTRON_RENDERER_URL ignored', () => {
    const r = runMain(freshHome(), [], { FAKE_ELECTRON_PACKAGED: '1', ELECTRON_RENDERER_URL_FOR_TEST: 'http://localhost:5173' });
    const prefs = (callsOf(r, 'new BrowserWindow')[0].options as { webPreferences: Record<string, unknown> }).webPreferences;
    expect(prefs.devTools).toBe(false);
    expect(callsOf(r, 'BrowserWindow.loadURL')).toEqual([{ what: 'BrowserWindow.loadURL', url: 'app://renderer/index.html#/demo' }]);
    expect(callsOf(r, 'webContents.closeDevTools')).toHaveLength(1);
    expect(r.session.beforeRequest['devtools://devtools/bundled/x.html']).toEqual({ cancel: true });
  });

  it('development: honours ELECTRON_RENDERER_URL when not packaged', () => {
    const r = runMain(freshHome(), [], { ELECTRON_RENDERER_URL_FOR_TEST: 'http://localhost:5173' });
    expect(callsOf(r, 'BrowserWindow.loadURL')).toEqual([{ what: 'BrowserWindow.loadURL', url: 'http://localhost:5173/#/demo' }]);
  });

  it('requires, besides Node and its own chunks, only electron and packages that ship with the app', () => {
    const external = first.requires.filter((r) => !r.startsWith('.') && !r.startsWith('node:'));
    expect(external).toContain('electron');
    const shipped = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies });
    for (const r of external.filter((r) => r !== 'electron')) expect(shipped).toContain(r);
  });
});

describe('preload (built, with a fake electron module)', () => {
  let report: Report;
  beforeAll(() => {
    report = runWithFakeElectron(PRELOAD, {
      FAKE_ELECTRON_SCENARIO: 'preload',
      FAKE_ELECTRON_CHANNELS: JSON.stringify({ invoke: INVOKE_CHANNELS, events: EVENT_CHANNELS }),
    });
  });

  it('only requires electron (a sandboxed preload cannot load anything else)', () => {
    expect(report.requires).toEqual(['electron']);
  });

  it('exposes one bridge, window.mtcgcnn, with a generic invoke and on', () => {
    expect(callsOf(report, 'contextBridge.exposeInMainWorld')).toEqual([{ what: 'contextBridge.exposeInMainWorld', key: 'mtcgcnn' }]);
    expect(report.exposed).toEqual([{ key: 'mtcgcnn', members: ['invoke', 'on'], types: { invoke: 'function', on: 'function' } }]);
  });

  it('forwards every contract channel to ipcRenderer.invoke under its transport name', () => {
    expect(report.invokes.map((i: { channel: string }) => i.channel)).toEqual([...INVOKE_CHANNELS]);
    for (const i of report.invokes) {
      expect(i.reached).toEqual([{ what: 'ipcRenderer.invoke', channel: ipcChannelName(i.channel), argument: { probe: i.channel } }]);
      expect(i.result).toEqual({ ok: true, value: { echoed: ipcChannelName(i.channel) } });
    }
  });

  it('refuses an unknown channel without reaching ipcRenderer', () => {
    expect(report.unknownInvoke).toEqual({ result: { ok: false, error: { code: 'unknown-channel', message: expect.any(String) } }, reached: [] });
  });

  it('subscribes to every event channel, delivers the payload only and unsubscribes', () => {
    expect(report.events.map((e: { event: string }) => e.event)).toEqual([...EVENT_CHANNELS]);
    for (const e of report.events) {
      expect(e).toEqual({ event: e.event, registered: [ipcChannelName(e.event)], received: [{ event: e.event }], unsubscribeType: 'function', listenersLeft: 0 });
    }
    expect(report.unknownEvent).toEqual({ threw: true, message: expect.stringContaining('shell:exec') });
    expect(callsOf(report, 'ipcRenderer.on')).toHaveLength(EVENT_CHANNELS.length);
  });
});
