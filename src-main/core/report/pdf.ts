/**
 * HTML report -> PDF for the command line, through a locally installed Chromium driven by
 * playwright-core (no browser download). The desktop app prints the same HTML with Electron's
 * webContents.printToPDF instead and does not use this module.
 */
import { existsSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../fs/atomic-write';

/** Environment variable that names the Chromium / Chrome executable to print with. */
export const CHROMIUM_ENV = 'MTCGCNN_CHROMIUM';

/** Arguments every launch uses: headless, sandbox off (containers), no network chatter. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** No usable Chromium was found (or the one named does not exist). The HTML report is still valid. */
export class NoChromiumError extends Error {
  override readonly name = 'NoChromiumError';
  /** Paths that were tried, in order. */
  readonly searched: readonly string[];

  constructor(message: string, searched: readonly string[]) {
    super(message);
    this.searched = searched;
  }
}

/** Chromium was found but printing failed (launch error, timeout, crash). */
export class PdfPrintError extends Error {
  override readonly name = 'PdfPrintError';
  readonly chromiumPath: string;

  constructor(message: string, chromiumPath: string, options?: { cause?: unknown }) {
    super(message, options);
    this.chromiumPath = chromiumPath;
  }
}

export interface FindChromiumOptions {
  /** Explicit executable (e.g. from --chromium); must exist when given. */
  readonly chromiumPath?: string;
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to process.platform. */
  readonly platform?: string;
  /** Test hook; defaults to "is an existing file". */
  readonly exists?: (path: string) => boolean;
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The well-known install locations for a platform, most specific first. */
export function defaultChromiumPaths(platform: string, env: Readonly<Record<string, string | undefined>> = {}): string[] {
  if (platform === 'darwin') {
    const apps = [
      'Chromium.app/Contents/MacOS/Chromium',
      'Google Chrome.app/Contents/MacOS/Google Chrome',
      'Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
      'Brave Browser.app/Contents/MacOS/Brave Browser',
    ];
    const home = env.HOME;
    return [...apps.map((a) => `/Applications/${a}`), ...(home ? apps.map((a) => `${home}/Applications/${a}`) : [])];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES ?? 'C:\\Program Files', env['PROGRAMFILES(X86)'] ?? 'C:\\Program Files (x86)', env.LOCALAPPDATA].filter(
      (r): r is string => !!r,
    );
    const rel = ['Google\\Chrome\\Application\\chrome.exe', 'Chromium\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe'];
    return roots.flatMap((r) => rel.map((p) => `${r}\\${p}`));
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
    '/usr/bin/microsoft-edge',
  ];
}

function installHint(platform: string): string {
  if (platform === 'darwin') return 'Install Google Chrome or Chromium (e.g. `brew install --cask chromium`)';
  if (platform === 'win32') return 'Install Google Chrome or Microsoft Edge';
  return 'Install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`; Fedora: `sudo dnf install chromium`)';
}

/**
 * Finds the browser to print with: the explicit option, then $MTCGCNN_CHROMIUM, then the usual
 * install paths. Throws NoChromiumError when an explicitly named path does not exist or nothing
 * is found.
 */
export function findChromium(opts: FindChromiumOptions = {}): string {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const exists = opts.exists ?? isFile;
  if (opts.chromiumPath) {
    if (exists(opts.chromiumPath)) return opts.chromiumPath;
    throw new NoChromiumError(`Chromium not found at ${opts.chromiumPath} (given with --chromium). The HTML report was still written.`, [opts.chromiumPath]);
  }
  const fromEnv = env[CHROMIUM_ENV];
  if (fromEnv) {
    if (exists(fromEnv)) return fromEnv;
    throw new NoChromiumError(`Chromium not found at ${fromEnv} (from ${CHROMIUM_ENV}). The HTML report was still written.`, [fromEnv]);
  }
  const candidates = defaultChromiumPaths(platform, env);
  for (const p of candidates) if (exists(p)) return p;
  throw new NoChromiumError(
    `No Chromium or Chrome found to print the PDF. ${installHint(platform)}, or set ${CHROMIUM_ENV} to the browser executable. ` +
      'The HTML report was still written and can be printed to PDF from any browser.',
    candidates,
  );
}

export interface PrintPdfOptions {
  readonly chromiumPath?: string;
  /** Launch + render limit in milliseconds (default 60 s). */
  readonly timeoutMs?: number;
}

export interface PrintPdfResult {
  readonly pdfPath: string;
  readonly bytes: number;
  readonly chromiumPath: string;
}

/**
 * Prints a self-contained HTML document to an A4 PDF at `outPdf` (parent folders are created;
 * the file appears complete or not at all). Page margins come from the document's @page rule.
 */
export async function printHtmlToPdf(html: string, outPdf: string, opts: PrintPdfOptions = {}): Promise<PrintPdfResult> {
  const executablePath = findChromium({ chromiumPath: opts.chromiumPath });
  const timeout = opts.timeoutMs ?? 60_000;
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new PdfPrintError('playwright-core is not installed, so the PDF cannot be printed. The HTML report was still written.', executablePath, {
      cause: e,
    });
  }
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  let pdf: Buffer;
  try {
    browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], timeout });
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    await page.setContent(html, { waitUntil: 'load', timeout });
    await page.emulateMedia({ media: 'print' });
    pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new PdfPrintError(`Printing the PDF with ${executablePath} failed: ${msg}`, executablePath, { cause: e });
  } finally {
    await browser?.close().catch(() => undefined);
  }
  await writeFileAtomic(outPdf, pdf);
  return { pdfPath: outPdf, bytes: pdf.length, chromiumPath: executablePath };
}
