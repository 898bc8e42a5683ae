/**
 * End-to-end harness: the built renderer (out/renderer) in Debian's Chromium, connected to the REAL main-process
 * IPC handlers. Electron cannot run here, so the transport is swapped:
 *
 *   renderer ── window.mtcgcnn (BridgeApi, same shape the preload exposes)
 *            ── Playwright binding  (instead of ipcRenderer.invoke / ipcMain.handle)
 *            ── createDispatcher(createHandlers(ctx))  (the same code Electron's main runs)
 *
 *   main events ── EventSink ── page.evaluate ── the bridge's `on` listeners  (instead of webContents.send)
 *
 * Pages are served by a small node:http server on 127.0.0.1 with the app's Content-Security-Policy header; any
 * request to another origin is blocked and reported. Console errors, page errors and CSP violations are collected
 * as problems: tests assert there are none.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/csp';
import { CHROMIUM_ARGS as PDF_CHROMIUM_ARGS, printHtmlToPdf } from '../../src-main/core/report/pdf';
import { createHandlers } from '../../src-main/app/handlers';
import { describeBackend } from '../../src-main/services/backend-summary';
import { JobManager } from '../../src-main/app/jobs';
import { startSection } from '../../src-main/app/start-section';
import { EVENT_CHANNELS, type EventChannel, type EventContract } from '../../src-main/ipc/contract';
import { createDispatcher, type Dispatch, type EventSink } from '../../src-main/ipc/dispatcher';
import type { PageWindow } from './page-types';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const RENDERER_DIR = path.join(REPO_ROOT, 'out/renderer');
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results/e2e');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The report printer's launch arguments, plus software WebGL for 3Dmol. */
export const CHROMIUM_ARGS = [...PDF_CHROMIUM_ARGS, '--enable-unsafe-swiftshader'];

// ---------------------------------------------------------------- static server

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 (random port) with the app's CSP header on every response. */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    const headers = {
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400, headers).end();
      return;
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = path.resolve(base, `.${pathname}`);
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403, headers).end();
      return;
    }
    fs.stat(file, (err, stat) => {
      if (err || !stat.isFile()) {
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      res.writeHead(200, {
        ...headers,
        'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': stat.size,
      });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file).pipe(res);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------- browser

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors, CSP violations and blocked requests since the last takeProblems(). */
  takeProblems(): string[];
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh user-data-dir (a persistent context, so localStorage survives reloads like in
 * the app) and records everything that should fail a test. Requests outside `allowedOrigin` are aborted.
 */
export async function launchBrowser(allowedOrigin: string, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  const userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cps-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
    deviceScaleFactor: 1,
    colorScheme: options.colorScheme ?? 'light',
    locale: 'en-US',
  });
  const problems: string[] = [];

  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${allowedOrigin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    problems.push(`external request blocked: ${url}`);
    return route.abort('blockedbyclient');
  });
  await context.exposeBinding('__e2eReportProblem', (_source, message: unknown) => {
    problems.push(String(message));
  });
  await context.addInitScript(() => {
    const w = globalThis as unknown as PageWindow;
    w.document.addEventListener('securitypolicyviolation', (e) => {
      w.__e2eReportProblem?.(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });

  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()} (${msg.location().url}:${msg.location().lineNumber})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err.message}`));
  page.on('crash', () => problems.push('page crashed'));

  return {
    context,
    page,
    takeProblems: () => problems.splice(0, problems.length),
    close: async () => {
      await context.close().catch(() => {});
      await fsp.rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

// ---------------------------------------------------------------- worker threads

/**
 * The training worker script, as Electron's main process would start it. The harness runs the handlers from the
 * TypeScript sources, where no bundled worker sits next to them: without one, training would run on the harness's
 * own event loop and starve the page's IPC and file serving. Uses out/main/train-worker.js when the app build emits
 * it, else bundles src-main/core/train/train-worker.ts into out/e2e-workers (about a second).
 */
let trainWorker: Promise<string> | undefined;
export function ensureTrainWorker(): Promise<string> {
  trainWorker ??= (async () => {
    const bundled = path.join(REPO_ROOT, 'out/main/train-worker.js');
    if (fs.existsSync(bundled)) return bundled;
    const outDir = path.join(REPO_ROOT, 'out/e2e-workers');
    await build({
      configFile: false,
      logLevel: 'warn',
      build: {
        ssr: path.join(REPO_ROOT, 'src-main/core/train/train-worker.ts'),
        outDir,
        emptyOutDir: true,
        minify: false,
        reportCompressedSize: false,
        rollupOptions: { output: { format: 'cjs', entryFileNames: 'train-worker.js' } },
      },
    });
    return path.join(outDir, 'train-worker.js');
  })();
  return trainWorker;
}

// ---------------------------------------------------------------- the app

export interface AppHarness extends Browser {
  /** Origin of the static server, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The real dispatcher the page talks to. */
  dispatch: Dispatch;
  /** The real job registry behind job:list / job:cancel; its events reach the page. */
  jobs: JobManager;
  /** Events main emitted, in order. */
  emitted: { event: EventChannel; payload: unknown }[];
  /** URLs passed to openExternal (recorded, never opened). */
  openedUrls: string[];
  /**
   * Answers for the native folder / file dialogs, taken in order (null = the user cancelled). A dialog with no
   * answer queued is a test bug: it answers null and is reported as a problem.
   */
  dialogAnswers: (string | null)[];
  /** Titles of the dialogs the app opened, in order. */
  dialogsShown: string[];
  /** MTCGCNN_HOME of this run (a temp folder). */
  home: string;
  /** Loads the app (optionally at a section, e.g. 'about') and waits until the shell rendered. */
  open(section?: string): Promise<void>;
  /** Loads the app where Electron's main opens its window (startSection: the demo at first run); returns the section. */
  launch(): Promise<string>;
  /** Resolves when all events emitted so far were delivered to the page. */
  eventsDelivered(): Promise<void>;
  screenshot(name: string): Promise<string>;
}

/** Bridge installed in every page before its scripts: the BridgeApi shape the Electron preload exposes. */
function installBridge(eventChannels: readonly string[]): void {
  type Listener = (payload: unknown) => void;
  const listeners = new Map<string, Set<Listener>>();
  const w = globalThis as unknown as PageWindow;
  const api = Object.freeze({
    // The binding is looked up per call: Playwright installs it independently of this script.
    invoke: (channel: string, argument?: unknown) => w.__mtcgcnnInvoke(channel, argument),
    on: (event: string, listener: Listener) => {
      if (!eventChannels.includes(event)) throw new Error(`unknown event channel ${event}`);
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const wrapped: Listener = (payload) => listener(payload);
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
  });
  Object.defineProperty(w, 'mtcgcnn', { value: api, enumerable: true });
  Object.defineProperty(w, '__mtcgcnnDeliver', {
    value: (event: string, payload: unknown) => {
      for (const l of listeners.get(event) ?? []) {
        try {
          l(payload);
        } catch (err) {
          // ipcRenderer would surface a throwing listener as an uncaught error as well.
          w.setTimeout(() => {
            throw err;
          });
        }
      }
    },
  });
}

/**
 * Starts the whole thing: static server for out/renderer, Chromium, and the real handlers behind the bridge.
 * MTCGCNN_HOME points at a fresh temp folder for the lifetime of the harness.
 */
export async function startApp(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<AppHarness> {
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) {
    throw new Error(`${RENDERER_DIR}/index.html is missing: run \`electron-vite build\` first (npm run test:e2e does).`);
  }
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'cps-e2e-home-'));
  const previousHome = process.env.MTCGCNN_HOME;
  process.env.MTCGCNN_HOME = home;
  process.env.MTCGCNN_TRAIN_WORKER = await ensureTrainWorker();
  // The bundled featurization worker (electron-vite builds it before the e2e run), as Electron would use it.
  const featurizeWorker = path.join(REPO_ROOT, 'out/main/featurize-worker.js');
  if (fs.existsSync(featurizeWorker)) process.env.MTCGCNN_FEATURIZE_WORKER = featurizeWorker;

  const server = await startStaticServer(RENDERER_DIR);
  const browser = await launchBrowser(server.origin, options);
  const { page } = browser;

  const emitted: AppHarness['emitted'] = [];
  let delivery: Promise<unknown> = Promise.resolve();
  const events: EventSink = {
    emit<E extends EventChannel>(event: E, payload: EventContract[E]) {
      emitted.push({ event, payload });
      // Chained so events arrive in the order main emitted them (as webContents.send guarantees).
      delivery = delivery.then(() =>
        page
          .evaluate(([e, p]) => (globalThis as unknown as PageWindow).__mtcgcnnDeliver?.(e, p), [event, payload] as const)
          .catch(() => {
            // The page navigated or closed: like webContents.send to a reloading page, the event is lost.
          }),
      );
    },
  };
  const openedUrls: string[] = [];
  const dialogAnswers: (string | null)[] = [];
  const dialogsShown: string[] = [];
  const mainLog: string[] = [];
  const answerDialog = async (title: string): Promise<string | null> => {
    dialogsShown.push(title);
    if (dialogAnswers.length === 0) {
      mainLog.push(`dialog "${title}" opened with no answer queued in the test`);
      return null;
    }
    return dialogAnswers.shift() ?? null;
  };
  const jobs = new JobManager(events);
  const handlers = createHandlers(
    {
      backend: describeBackend,
      events,
      openExternal: async (url) => {
        openedUrls.push(url);
      },
      chooseFolder: ({ title }) => answerDialog(title),
      chooseFile: ({ title }) => answerDialog(title),
      chooseSaveFile: ({ title }) => answerDialog(title),
      // Electron prints with webContents.printToPDF; here the core's Chromium printer (same engine) does it.
      printToPdf: async (html, outFile) => {
        const r = await printHtmlToPdf(html, outFile, { chromiumPath: CHROMIUM_PATH });
        return { bytes: r.bytes };
      },
    },
    jobs,
  );
  const dispatch = createDispatcher(handlers, (m) => mainLog.push(m));

  await page.exposeBinding('__mtcgcnnInvoke', (_source, channel: unknown, argument: unknown) => dispatch(channel, argument));
  await page.addInitScript(installBridge, EVENT_CHANNELS);

  const open = async (section?: string): Promise<void> => {
    await page.goto(`${server.origin}/index.html${section ? `#/${section}` : ''}`);
    await page.locator('[data-testid="status-bar"]').waitFor();
  };
  const takeBrowserProblems = browser.takeProblems;
  return {
    ...browser,
    origin: server.origin,
    dispatch,
    jobs,
    emitted,
    openedUrls,
    dialogAnswers,
    dialogsShown,
    home,
    takeProblems: () => [...takeBrowserProblems(), ...mainLog.splice(0, mainLog.length).map((m) => `main: ${m}`)],
    open,
    async launch() {
      const section = await startSection();
      await open(section);
      return section;
    },
    eventsDelivered: () => delivery.then(() => undefined),
    async screenshot(name: string) {
      await fsp.mkdir(RESULTS_DIR, { recursive: true });
      const file = path.join(RESULTS_DIR, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await browser.close();
      await server.close();
      if (previousHome === undefined) delete process.env.MTCGCNN_HOME;
      else process.env.MTCGCNN_HOME = previousHome;
      await fsp.rm(home, { recursive: true, force: true }).catch(() => {});
    },
  };
}
