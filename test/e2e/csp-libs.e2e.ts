/**
 * The libraries later views need work under the app's Content-Security-Policy: 3Dmol (WebGL crystal viewer, on
 * SwiftShader here) and ECharts (SVG and canvas renderers). A tiny probe page (test/e2e/csp-probe) is bundled with
 * vite, served with the CSP header and loaded in Chromium; any CSP violation or console error fails the test.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, RESULTS_DIR, startStaticServer, type Browser, type StaticServer } from './harness';

interface ProbeResult {
  viewer: { ok: boolean; error?: string; atoms?: number; coloredShare?: number; canvases?: number };
  svg: { ok: boolean; error?: string; svgTexts?: string[] };
  canvas: { ok: boolean; error?: string; canvases?: number };
}

let outDir: string;
let server: StaticServer;
let browser: Browser;
let result: ProbeResult;

beforeAll(async () => {
  outDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cps-e2e-csp-probe-'));
  await build({
    configFile: false,
    root: path.join(__dirname, 'csp-probe'),
    base: './',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      chunkSizeWarningLimit: 4096,
      reportCompressedSize: false,
      rollupOptions: {
        // 3Dmol's only eval turns py3Dmol's string callbacks into functions; the app passes functions.
        onwarn(warning, warn) {
          if (warning.code === 'EVAL' && warning.id?.includes('3dmol')) return;
          warn(warning);
        },
      },
    },
  });
  server = await startStaticServer(outDir);
  browser = await launchBrowser(server.origin);
  await browser.page.goto(`${server.origin}/index.html`);
  result = (await browser.page.evaluate(() => (globalThis as unknown as { __probe: Promise<unknown> }).__probe)) as ProbeResult;
  await fsp.mkdir(RESULTS_DIR, { recursive: true });
  await browser.page.screenshot({ path: path.join(RESULTS_DIR, 'csp-probe.png') });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await fsp.rm(outDir, { recursive: true, force: true });
});

describe('3Dmol and ECharts under the app CSP', () => {
  it('3Dmol parses a CIF and draws it with WebGL', () => {
    expect(result.viewer).toMatchObject({ ok: true });
    expect(result.viewer.atoms).toBe(8);
    expect(result.viewer.canvases).toBeGreaterThanOrEqual(1);
    // Spheres and the unit cell cover a visible part of the image (a blank WebGL canvas gives 0).
    expect(result.viewer.coloredShare).toBeGreaterThan(0.03);
  });

  it('ECharts renders SVG with real text and canvas charts', () => {
    expect(result.svg).toMatchObject({ ok: true });
    expect(result.svg.svgTexts).toContain('Parity: band gap');
    expect(result.canvas).toMatchObject({ ok: true, canvases: 1 });
  });

  it('causes no CSP violation, console error or external request', () => {
    expect(browser.takeProblems()).toEqual([]);
  });
});
