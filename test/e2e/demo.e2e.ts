/**
 * The first-run demo: a fresh app opens on the Demo (as Electron's main decides with startSection), which lists the
 * 14 textbook prototypes and says what they are and how far to trust the predictions; one click screens them with
 * the real shipped model (a screen job), the table shows mean ± std with units, the metal call and the domain
 * verdict; a row opens in the 3D viewer; the screening opens as a report and exports to PDF. Once a project
 * exists, the app opens on Projects and the Demo stays in the rail.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readDemoIndex } from '../../src-main/app/demo/demo-index';
import { resolveDefaultModel, readModelCard } from '../../src-main/core/catalogue';
import type { DemoResults } from '../../src-shared/contract';
import { startApp, type AppHarness } from './harness';
import { byTestId, call, scrollToTestId } from './helpers';
import type { PageWindow } from './page-types';

let app: AppHarness;
let results: DemoResults;
const t = (id: string) => byTestId(app, id);
const viewerAtoms = () => app.page.locator('[data-testid="demo-structure"] [data-testid="crystal-viewer"]').getAttribute('data-atoms');

beforeAll(async () => {
  app = await startApp();
});

afterEach(() => {
  expect(app.takeProblems()).toEqual([]);
});

afterAll(async () => {
  await app?.close();
});

describe('first-run demo', () => {
  it('opens a fresh app on the demo: the prototypes, the notice and the shipped model with its test MAE', async () => {
    expect(await app.launch()).toBe('demo');
    await t('demo-table').waitFor();
    expect(await t('view-title').textContent()).toBe('Demo');
    expect(await t('nav-demo').getAttribute('aria-current')).toBe('page');
    expect(await t('header-section').textContent()).toBe('Demo');

    const notice = (await t('demo-notice').textContent())!.replace(/\s+/g, ' ');
    expect(notice).toContain('Textbook prototypes, not relaxed DFT structures.');
    expect(notice).toContain('written by this project');
    expect(notice).toContain("Every prediction carries the model's error");
    expect(notice).toContain('± values are the standard deviation of the ensemble');

    const index = await readDemoIndex();
    await expect.poll(() => t('demo-row').count()).toBe(14);
    expect(await t('demo-row').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { id: string } }).dataset.id))).toEqual(index.structures.map((s) => s.id));
    const first = t('demo-row').first();
    expect(await first.textContent()).toContain('sodium chloride (halite)');
    expect(await first.textContent()).toContain('rock salt');
    expect(await t('demo-table').getAttribute('data-results')).toBe('no');

    // The shipped model's card: name, ensemble, held-back test MAE per property with its unit.
    const shipped = resolveDefaultModel();
    const card = readModelCard(shipped.dir);
    expect(await t('demo-model-name').textContent()).toBe(shipped.name);
    expect(await t('demo-model-ensemble').textContent()).toBe(`${card.ensembleSize}-member ensemble`);
    for (const task of card.tasks) {
      const cell = await t('demo-model-mae').locator(`tr[data-task="${task.name}"] td.right`).textContent();
      if (task.classifier) {
        // the metal / non-metal head is a classifier: its ROC AUC and accuracy, no MAE
        expect(cell).toBe(`ROC AUC ${task.classifier.testRocAuc!.toFixed(3)} · accuracy ${(100 * task.classifier.testAccuracy!).toFixed(1)} %`);
        continue;
      }
      expect(cell).toMatch(new RegExp(`^\\d\\.\\d+ ${task.unit.replace('/', '\\/')}$`));
      expect(Number(cell!.split(' ')[0])).toBeCloseTo(task.testMae!, 2);
    }
    expect(await t('demo-model').textContent()).toContain(`${card.tasks[0]!.testCount!.toLocaleString('en-US')} held-back test crystals`);

    // The first prototype is already in the 3D viewer.
    await expect.poll(viewerAtoms, { timeout: 30_000 }).toBe('8');
    await app.screenshot('demo-first-run');
  });

  it('screens the demo with the shipped model in one click: mean ± std with units, metal call, domain', async () => {
    await t('demo-screen').click();
    await expect.poll(() => t('demo-table').getAttribute('data-results'), { timeout: 120_000 }).toBe('yes');
    const progress = app.emitted.filter((e) => e.event === 'job:progress' && (e.payload as { kind: string }).kind === 'screen');
    expect(progress.at(-1)!.payload).toMatchObject({ state: 'done', done: 14, total: 14, unit: 'files' });
    expect(fs.existsSync(path.join(app.home, 'demo', 'results.csv'))).toBe(true);

    results = await call(app, 'demo:results');
    expect(results.rows).toHaveLength(14);
    // Headers name each property with its unit.
    for (const [k, task] of results.model.tasks.entries()) {
      const th = app.page.locator(`[data-testid="demo-table"] th[data-task="${task.name}"]`);
      expect(await th.textContent()).toBe(`${task.label}${task.unit}`);
      expect(task.unit).toBe(['eV/atom', 'eV', 'eV', 'probability'][k]);
    }
    // Every cell is mean ± std, as main computed them; class and domain per row.
    const rows = t('demo-row');
    for (let i = 0; i < 14; i++) {
      const r = results.rows[i]!;
      const row = rows.nth(i);
      for (let k = 0; k < results.model.tasks.length; k++) {
        expect(await row.locator(`[data-col="v:${k}"]`).textContent()).toBe(`${r.values[k]!.toFixed(3)} ± ${r.std[k]!.toFixed(3)}`);
      }
      expect(await row.locator('[data-col="class"]').textContent()).toBe(r.metal);
      expect(await row.locator('[data-col="domain"]').textContent()).toBe(r.outOfDomain ? 'out of domain' : 'in domain');
    }
    const metals = results.rows.filter((r) => r.metal === 'metal').map((r) => r.formula);
    expect(metals).toEqual(expect.arrayContaining(['Fe', 'Cu']));
    expect((await t('demo-screened').textContent())!.trim()).toMatch(/^Screened \d{4}-\d\d-\d\d \d\d:\d\d in \d/);
    await app.screenshot('demo-results');
  });

  it('shows a selected row in the 3D viewer with its predictions and the model error', async () => {
    await app.page.locator('[data-testid="demo-row"][data-id="MgAl2O4-spinel"]').click();
    await expect.poll(viewerAtoms, { timeout: 30_000 }).toBe('56');
    expect(await app.page.locator('[data-testid="demo-structure"] [data-testid="viewer-legend"]').textContent()).toMatch(/Mg\s*8.*Al\s*16.*O\s*32/s);
    const spinel = results.rows.find((r) => r.id === 'MgAl2O4-spinel')!;
    const gap = results.model.tasks.findIndex((x) => x.name.startsWith('band_gap'));
    const details = t('demo-structure-details');
    expect(await details.locator(`[data-task="${results.model.tasks[gap]!.name}"]`).textContent()).toContain(`${spinel.values[gap]!.toFixed(3)} ± ${spinel.std[gap]!.toFixed(3)} eV`);
    expect(await details.textContent()).toContain('test MAE');
    expect(await t('demo-structure-domain').textContent()).toContain('inside the training data');
    expect(await t('demo-structure').locator('.verdict .badge').allTextContents()).toEqual([spinel.metal, 'in domain']);
    expect(await details.textContent()).toContain('spinel (H1_1, Fd-3m, No. 227)');
    // Arrow keys move the selection (and the viewer follows).
    await app.page.locator('[data-testid="demo-row"][data-id="MgAl2O4-spinel"]').press('ArrowDown');
    await expect.poll(viewerAtoms, { timeout: 30_000 }).toBe('8'); // Si, diamond
    await app.page.locator('[data-testid="demo-row"][data-id="MgAl2O4-spinel"]').click();
    await expect.poll(viewerAtoms, { timeout: 30_000 }).toBe('56');
    await app.screenshot('demo-structure');
  });

  it('looks right in the dark theme', async () => {
    await t('theme-toggle').click();
    expect(await app.page.getAttribute('html', 'data-theme')).toBe('dark');
    await scrollToTestId(app, 'demo-structures');
    await app.screenshot('demo-results-dark');
    await scrollToTestId(app, 'demo-notice');
    await app.screenshot('demo-top-dark');
    await t('theme-toggle').click();
  });

  it('fits the smallest window Electron allows (960x640): the viewer goes under the table, nothing overflows sideways', async () => {
    await app.page.setViewportSize({ width: 960, height: 640 });
    await scrollToTestId(app, 'demo-structures');
    const overflow = await app.page.evaluate(() => {
      const main = (globalThis as unknown as PageWindow).document.querySelector('main') as { scrollWidth: number; clientWidth: number };
      return main.scrollWidth - main.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await app.screenshot('demo-small-window');
    await app.page.setViewportSize({ width: 1400, height: 900 });
  });

  it('opens the demo screening as a report and exports it to PDF', async () => {
    await t('demo-open-report').click();
    await t('demo-report-frame').waitFor();
    const frame = app.page.frameLocator('[data-testid="demo-report-frame"]');
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 30_000 }).toContain('Screening report');
    const body = (await frame.locator('body').textContent())!;
    expect(body).toContain('textbook prototypes written by Crystal Property Studio');
    expect(body).toContain('held-back test crystals');
    expect(body).toContain('eV/atom');
    expect(body).toContain('NaCl-rocksalt');
    expect(fs.existsSync(path.join(app.home, 'demo', 'report.html'))).toBe(true);
    await app.screenshot('demo-report');
    // Every prototype is ranked per property, with the ensemble's ± and the property's unit.
    const ranking = frame.locator('#property-1');
    expect(await ranking.locator('tbody tr').count()).toBe(14);
    expect(await ranking.textContent()).toContain('±');
    await ranking.locator('h3').scrollIntoViewIfNeeded();
    await app.screenshot('demo-report-ranking');

    const pdf = path.join(app.home, 'demo-report.pdf');
    app.dialogAnswers.push(pdf);
    await t('demo-report-pdf').click();
    await t('demo-report-pdf-done').waitFor({ timeout: 120_000 });
    expect(app.dialogsShown.at(-1)).toBe('Save the demo report as PDF');
    expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
    expect(text.toLowerCase()).toContain('screening report');
    expect(text).toContain('textbook prototypes');
    expect(text).toContain('eV/atom');

    await t('theme-toggle').click();
    await app.screenshot('demo-report-dark');
    await t('theme-toggle').click();
  });

  it('rejects bad demo calls with typed errors', async () => {
    expect(await app.dispatch('demo:info', { all: true })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('demo:screen', 'now')).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('demo:report-pdf', { path: 'demo.pdf' })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('demo:report-pdf', { path: path.join(app.home, 'demo.txt') })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    // A path no save dialog returned is refused before anything is written (issue 15).
    expect(await app.dispatch('demo:report-pdf', { path: path.join(app.home, 'nowhere', 'demo.pdf') })).toMatchObject({ ok: false, error: { code: 'failed', message: expect.stringContaining('was not chosen in a save dialog') } });
  });

  it('opens on Projects once a project exists; the demo stays in the rail with its results', async () => {
    await call(app, 'project:create', { name: 'My first project', parentDir: app.home });
    expect(await app.launch()).toBe('projects');
    expect(await t('view-title').textContent()).toBe('Projects');
    await t('nav-demo').click();
    await expect.poll(() => t('demo-table').getAttribute('data-results'), { timeout: 30_000 }).toBe('yes');
    expect(await t('demo-row').first().locator('[data-col="v:0"]').textContent()).toContain(' ± ');
  });
});
