/**
 * End-to-end harness: the browser shell as a user runs it. The REAL studio server (src-main/studio/server.ts: the
 * same createHandlers / createDispatcher / JobManager Electron's main runs) serves the built renderer
 * (out/renderer) on 127.0.0.1, and Debian's Chromium opens its tokened URL:
 *
 *   renderer ── web transport (fetch POST /api/call, EventSource /api/events) ── studio server ── handlers
 *
 * Native dialogs are the in-app file browser there; the harness answers them by driving that dialog in the page
 * (typing the folder, picking the file, typing the name), from answers the test queued.
 *
 * Any request to another origin is blocked and reported. Console errors, page errors and CSP violations are
 * collected as problems: tests assert there are none. `startStaticServer` (a plain static server with the app's
 * CSP) remains for the CSP probes, which serve pages that are not the app.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { bundleWorker } from '../bundle-worker';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/csp';
import { CHROMIUM_ARGS as PDF_CHROMIUM_ARGS } from '../../src-main/core/report/pdf';
import type { JobManager } from '../../src-main/app/jobs';
import type { EventChannel, InvokeChannel, IpcResult } from '../../src-shared/contract';
import type { Dispatch } from '../../src-main/ipc/dispatcher';
import { startStudioServer } from '../../src-main/studio/server';
import { resolveStaticFile, sendFile } from '../../src-main/studio/static-files';
import type { PageWindow } from './page-types';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const RENDERER_DIR = path.join(REPO_ROOT, 'out/renderer');
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results/e2e');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The report printer's launch arguments, plus software WebGL for 3Dmol. */
export const CHROMIUM_ARGS = [...PDF_CHROMIUM_ARGS, '--enable-unsafe-swiftshader'];

// ---------------------------------------------------------------- static server

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `root` on 127.0.0.1 (random port) with the app's CSP header on every response: the studio server's static
 * file rules without its door (no token), for the CSP probes' pages, which are not the app.
 */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const headers = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end();
      return;
    }
    void resolveStaticFile(root, (req.url ?? '/').split('?')[0]!).then((file) => {
      if (file) sendFile(res, file, headers, req.method === 'HEAD');
      else res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
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
    return bundleWorker(path.join(REPO_ROOT, 'src-main/core/train/train-worker.ts'), path.join(REPO_ROOT, 'out/e2e-workers'));
  })();
  return trainWorker;
}

// ---------------------------------------------------------------- the app

export interface AppHarness extends Browser {
  /** Origin of the studio server, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The tokened URL `mtcgcnn studio` would print. */
  url: string;
  /** The server's dispatcher (the one behind /api/call), for calls a test makes directly. */
  dispatch: Dispatch;
  /** The real job registry behind job:list / job:cancel; its events reach the page. */
  jobs: JobManager;
  /** Events main emitted, in order. */
  emitted: { event: EventChannel; payload: unknown }[];
  /** URLs passed to openExternal (recorded, never opened). */
  openedUrls: string[];
  /**
   * Answers for the in-app folder / file / save dialogs, taken in order (null = the user cancelled). A dialog with no
   * answer queued is a test bug: it is cancelled and reported as a problem.
   */
  dialogAnswers: (string | null)[];
  /** Titles of the dialogs the app opened, in order. */
  dialogsShown: string[];
  /** MTCGCNN_HOME of this run (a temp folder). */
  home: string;
  /** Loads the app (optionally at a section, e.g. 'about') and waits until the shell rendered. */
  open(section?: string): Promise<void>;
  /** Opens the printed URL, as a user does: the server signs the browser in and opens its start section; returns it. */
  launch(): Promise<string>;
  /** A call made from inside the page over the web transport's HTTP endpoint, bypassing the typed client. */
  invokeFromPage(channel: InvokeChannel | string, argument?: unknown): Promise<IpcResult<unknown>>;
  /** Resolves when the page has had time to receive the events emitted so far (they travel over the event stream). */
  eventsDelivered(): Promise<void>;
  screenshot(name: string): Promise<string>;
}

/** Answers one in-app file dialog by using it: type the folder, Go, then pick the file or type the name, then choose. */
async function answerFileDialog(page: Page, kind: string, answer: string): Promise<void> {
  const dialog = page.locator('[data-testid="file-dialog"]');
  // As a user would: wait until the dialog shows its first folder, then type.
  await page.locator('[data-testid="file-dialog"][data-ready="yes"]').waitFor();
  const folder = kind === 'folder' ? answer : path.dirname(answer);
  const pathInput = dialog.locator('[data-testid="file-dialog-path"]');
  await pathInput.fill(folder);
  await dialog.locator('[data-testid="file-dialog-go"]').click();
  await page.waitForFunction(
    (want) => {
      const d = (globalThis as unknown as PageWindow).document;
      const input = d.querySelector('[data-testid="file-dialog-path"]') as { value?: string } | null;
      const list = d.querySelector('[data-testid="file-dialog-entries"]') as { getAttribute?(n: string): string | null } | null;
      return input?.value === want && list?.getAttribute?.('aria-busy') === 'false';
    },
    path.resolve(folder),
  );
  if (kind === 'file') await dialog.locator(`[data-testid="file-dialog-file-${path.basename(answer)}"]`).click();
  if (kind === 'save') await dialog.locator('[data-testid="file-dialog-name"]').fill(path.basename(answer));
  // The dialog as the user sees it just before choosing (the last one of each kind is kept).
  await fsp.mkdir(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS_DIR, `file-dialog-${kind}.png`) });
  await dialog.locator('[data-testid="file-dialog-choose"]').click();
}

/**
 * Starts the whole thing: the studio server (MTCGCNN_HOME in a fresh temp folder for the harness's lifetime) and
 * Chromium signed in with the printed URL's token.
 */
export async function startApp(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<AppHarness> {
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) {
    throw new Error(`${RENDERER_DIR}/index.html is missing: run \`electron-vite build\` first (npm run test:e2e does).`);
  }
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'cps-e2e-home-'));
  const previousHome = process.env.MTCGCNN_HOME;
  process.env.MTCGCNN_HOME = home;
  process.env.MTCGCNN_TRAIN_WORKER = await ensureTrainWorker();
  // The bundled featurization worker (electron-vite builds it before the e2e run), as the built app uses it.
  const featurizeWorker = path.join(REPO_ROOT, 'out/main/featurize-worker.js');
  if (fs.existsSync(featurizeWorker)) process.env.MTCGCNN_FEATURIZE_WORKER = featurizeWorker;
  process.env.MTCGCNN_CHROMIUM ??= CHROMIUM_PATH;

  const emitted: AppHarness['emitted'] = [];
  const openedUrls: string[] = [];
  const dialogAnswers: (string | null)[] = [];
  const dialogsShown: string[] = [];
  const mainLog: string[] = [];
  const studio = await startStudioServer({
    rendererDir: RENDERER_DIR,
    context: {
      openExternal: async (url) => {
        openedUrls.push(url);
      },
    },
    log: (m) => mainLog.push(m),
    observe: { emit: (event, payload) => emitted.push({ event, payload }) },
  });
  const browser = await launchBrowser(studio.origin, options);
  const { page } = browser;
  // "Replace the existing file?" and similar confirmations: the user says yes.
  page.on('dialog', (d) => void d.accept());

  let closed = false;
  const driveDialogs = async (): Promise<void> => {
    const dialog = page.locator('[data-testid="file-dialog"]');
    while (!closed) {
      try {
        await dialog.waitFor({ state: 'visible', timeout: 0 });
        dialogsShown.push((await dialog.getAttribute('aria-label')) ?? '');
        const kind = (await dialog.getAttribute('data-kind')) ?? 'folder';
        const answer = dialogAnswers.length > 0 ? dialogAnswers.shift()! : undefined;
        if (answer === undefined) mainLog.push(`dialog "${dialogsShown.at(-1)}" opened with no answer queued in the test`);
        if (answer === undefined || answer === null) await dialog.locator('[data-testid="file-dialog-cancel"]').click();
        else await answerFileDialog(page, kind, answer);
        await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
      } catch (err) {
        if (!closed && !page.isClosed()) mainLog.push(`answering the file dialog failed: ${err instanceof Error ? err.message : String(err)}`);
        if (page.isClosed()) return;
      }
    }
  };

  const open = async (section?: string): Promise<void> => {
    await page.goto(`${studio.origin}/index.html${section ? `#/${section}` : ''}`);
    await page.locator('[data-testid="status-bar"]').waitFor();
  };
  const launch = async (): Promise<string> => {
    await page.goto(studio.url);
    await page.locator('[data-testid="status-bar"]').waitFor();
    return new URL(page.url()).hash.replace(/^#\//, '');
  };
  // Sign the browser in once (the token becomes the session cookie), as opening the printed URL does.
  await launch();
  void driveDialogs();

  const takeBrowserProblems = browser.takeProblems;
  return {
    ...browser,
    origin: studio.origin,
    url: studio.url,
    dispatch: studio.dispatch,
    jobs: studio.jobs,
    emitted,
    openedUrls,
    dialogAnswers,
    dialogsShown,
    home,
    takeProblems: () => [...takeBrowserProblems(), ...mainLog.splice(0, mainLog.length).map((m) => `main: ${m}`)],
    open,
    launch,
    invokeFromPage: (channel, argument) =>
      page.evaluate(
        async ([c, a]) => {
          const r = await fetch('/api/call', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ channel: c, argument: a }) });
          return (await r.json()) as IpcResult<unknown>;
        },
        [channel, argument] as const,
      ),
    // Events go out on the stream as they are emitted; a short pause lets the page's EventSource take them in.
    eventsDelivered: () => new Promise((resolve) => setTimeout(resolve, 250)),
    async screenshot(name: string) {
      await fsp.mkdir(RESULTS_DIR, { recursive: true });
      const file = path.join(RESULTS_DIR, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      closed = true;
      await browser.close();
      await studio.close();
      if (previousHome === undefined) delete process.env.MTCGCNN_HOME;
      else process.env.MTCGCNN_HOME = previousHome;
      await fsp.rm(home, { recursive: true, force: true }).catch(() => {});
    },
  };
}
