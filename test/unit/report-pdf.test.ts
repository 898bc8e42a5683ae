import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultChromiumPaths,
  findChromium,
  formatFixed,
  formatSig,
  NoChromiumError,
  printHtmlToPdf,
  renderExperimentReportHtml,
  renderRunReportHtml,
  renderScreeningReportHtml,
} from '../../src-main/core/report';
import { buildExperimentReport, buildRunReport, buildScreeningReport } from '../fixtures/report/fixtures';
import { CHROMIUM, HAVE_POPPLER } from '../tools';

const OUT = join(process.cwd(), 'test-results', 'report');

describe('findChromium', () => {
  const none = () => false;
  it('prefers the option, then MTCGCNN_CHROMIUM, then the usual paths', () => {
    const all = () => true;
    expect(findChromium({ chromiumPath: '/opt/c/chrome', env: { MTCGCNN_CHROMIUM: '/e/chrome' }, exists: all })).toBe('/opt/c/chrome');
    expect(findChromium({ env: { MTCGCNN_CHROMIUM: '/e/chrome' }, exists: all })).toBe('/e/chrome');
    expect(findChromium({ env: {}, platform: 'linux', exists: (p) => p === '/usr/bin/chromium-browser' })).toBe('/usr/bin/chromium-browser');
    expect(findChromium({ env: {}, platform: 'linux', exists: all })).toBe('/usr/bin/chromium');
    expect(defaultChromiumPaths('darwin', {})[0]).toBe('/Applications/Chromium.app/Contents/MacOS/Chromium');
    expect(defaultChromiumPaths('win32', {}).some((p) => p.endsWith('chrome.exe'))).toBe(true);
  });

  it('throws a typed error that says what to install', () => {
    let err: unknown;
    try {
      findChromium({ env: {}, platform: 'linux', exists: none });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NoChromiumError);
    const e = err as NoChromiumError;
    expect(e.name).toBe('NoChromiumError');
    expect(e.message).toMatch(/apt-get install chromium/);
    expect(e.message).toMatch(/MTCGCNN_CHROMIUM/);
    expect(e.searched).toContain('/usr/bin/chromium');
    expect(() => findChromium({ chromiumPath: '/nope/chrome', env: {}, exists: none })).toThrow(/\/nope\/chrome/);
    expect(() => findChromium({ env: { MTCGCNN_CHROMIUM: '/nope/env' }, exists: none })).toThrow(NoChromiumError);
  });

  it('rejects before launching when no browser exists', async () => {
    await expect(printHtmlToPdf('<p>x</p>', join(OUT, 'never.pdf'), { chromiumPath: '/nope/chrome' })).rejects.toBeInstanceOf(NoChromiumError);
    expect(existsSync(join(OUT, 'never.pdf'))).toBe(false);
  });
});

const chromium = CHROMIUM;
const poppler = HAVE_POPPLER;

describe.skipIf(!chromium || !poppler)('printHtmlToPdf with the system Chromium', () => {
  mkdirSync(OUT, { recursive: true });

  function pdfText(pdf: string): string {
    return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  }

  function pages(pdf: string): number {
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    return Number(/Pages:\s+(\d+)/.exec(info)![1]);
  }

  function snapshot(pdf: string, prefix: string): string[] {
    for (const f of readdirSync(OUT)) if (f.startsWith(`${prefix}-`) && f.endsWith('.png')) rmSync(join(OUT, f));
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '2', pdf, join(OUT, prefix)]);
    return readdirSync(OUT).filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.png'));
  }

  it('prints the run report: numbers, labels, units and chart text are real PDF text', async () => {
    const { report } = buildRunReport();
    const pdf = join(OUT, 'run-report.pdf');
    const res = await printHtmlToPdf(renderRunReportHtml(report), pdf);
    expect(res.bytes).toBeGreaterThan(20_000);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const n = pages(pdf);
    expect(n).toBeGreaterThanOrEqual(5);
    expect(n).toBeLessThanOrEqual(9);
    const text = pdfText(pdf);
    const m = report.metrics.tasks;
    // tables
    expect(text).toContain(`${formatSig(m.formation_energy_per_atom_eV.mae)} eV/atom`);
    expect(text).toContain(`${formatSig(m.band_gap_eV.mae)} eV`);
    expect(text).toContain(formatFixed(m.band_gap_eV.roc_auc));
    expect(text).toContain('formation_energy_per_atom_eV');
    expect(text).toContain('band_gap_eV');
    for (const label of ['MAE', 'RMSE', 'R²', 'Spearman', 'ROC AUC', 'Formation energy', 'Band gap', '0.025 eV']) expect(text).toContain(label);
    // chart text from the SVGs (titles, axis names with units, legends)
    for (const label of ['DFT (eV/atom)', 'Predicted (eV/atom)', 'Predicted − DFT (eV)', 'False-positive rate', 'Model (AUC = ', 'Chance (AUC = 0.500)', 'Confusion matrix', 'Epoch', 'Training loss per task', 'Task weights during training']) {
      expect(text).toContain(label);
    }
    // hostile id printed as text
    // hostile id printed literally (the narrow ID column may wrap it after this point)
    expect(text).toContain('<img src=x onerror=');
    // footer
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Phys. Rev. Lett. 120, 145301 (2018)');
    expect(flat).toContain('arXiv:1811.05660');
    expect(flat).toContain('CC BY 4.0');
    expect(text).toMatch(/Page 1 of \d/);
    expect(snapshot(pdf, 'run-report').length).toBe(2);
  });

  it('prints the experiment and screening reports', async () => {
    const exp = join(OUT, 'experiment-report.pdf');
    await printHtmlToPdf(renderExperimentReportHtml(buildExperimentReport()), exp);
    const t1 = pdfText(exp);
    for (const label of ['Table 1', 'Table 2', 'Table 3', 'Improvement', 'Training data', 'Spearman', 'AUC', 'eV/atom']) expect(t1).toContain(label);
    expect(snapshot(exp, 'experiment-report').length).toBe(2);

    const scr = join(OUT, 'screening-report.pdf');
    await printHtmlToPdf(renderScreeningReportHtml(buildScreeningReport()), scr);
    const t2 = pdfText(scr);
    for (const label of ['40,000', 'Out of domain', 'out of domain', 'Top 15 candidates', 'eV/atom', 'predicted distribution']) expect(t2).toContain(label);
    expect(snapshot(scr, 'screening-report').length).toBe(2);
  });
});
