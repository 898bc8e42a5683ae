/**
 * Screening with the models that ship with the app: a project with no training runs opens the Screening page with
 * the shipped default model preselected (the picker groups "Shipped with the app" and "Your models", each model with
 * its properties and held-back test MAE), screens a folder of CIFs that holds an unreadable file and a crystal
 * outside the training data, and shows mean and ± ensemble std per property with units, the error row and the
 * out-of-domain flag; the screening opens as a report; About lists the installed models with their cards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listModels, readModelCard, resolveDefaultModel } from '../../src-main/core/catalogue';
import type { ScreeningTable } from '../../src-shared/contract';
import { startApp, type AppHarness } from './harness';
import { byTestId, call, HAVE_SAMPLE, SAMPLE_DATASET, scrollToTestId } from './helpers';

let app: AppHarness;
let projectDir: string;
let screenDir: string;
let screeningId: string;
const t = (id: string) => byTestId(app, id);
const SAMPLE_FILES = 10;
const FILES = SAMPLE_FILES + 2; // + an unreadable file + solid argon (an element the training data never had)
const shipped = resolveDefaultModel();
const card = readModelCard(shipped.dir);
const SINGLE_TASK = 'cgcnn-formation-energy-mp25k';
/** Every model in resources/models, as the app lists them: the default first, then by name. */
const SHIPPED = listModels({ extraDirs: [] })
  .models.filter((m) => m.source === 'shipped')
  .map((m) => `shipped:${m.name}`);

/** The renderer's formatValue (3 significant digits). */
function shown(v: number): string {
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(3 + (abs >= 1 ? Math.floor(Math.log10(abs)) : 0))).toString();
}

/** Solid argon, fcc (4 atoms): every element the features know, but argon is not in the models' training data. */
const ARGON_CIF = path.resolve(__dirname, '../fixtures/structures/Ar-fcc.cif');

beforeAll(async () => {
  app = await startApp();
  // One of "your models": a copy of the single-task shipped model's card with a link to its weights.
  const mine = path.join(app.home, 'models', 'my-formation-energy');
  fs.mkdirSync(mine, { recursive: true });
  const single = path.join(path.dirname(shipped.dir), SINGLE_TASK);
  fs.copyFileSync(path.join(single, 'model.json'), path.join(mine, 'model.json'));
  fs.symlinkSync(path.join(single, 'members'), path.join(mine, 'members'));

  projectDir = (await call(app, 'project:create', { name: 'No runs yet', parentDir: app.home })).dir;
  screenDir = path.join(app.home, 'candidates');
  fs.mkdirSync(screenDir, { recursive: true });
  if (HAVE_SAMPLE) {
    const cifs = fs.readdirSync(SAMPLE_DATASET).filter((f) => f.endsWith('.cif')).sort().slice(0, SAMPLE_FILES);
    for (const f of cifs) fs.copyFileSync(path.join(SAMPLE_DATASET, f), path.join(screenDir, f));
  }
  fs.writeFileSync(path.join(screenDir, 'zz-broken.cif'), 'data_broken\n_cell_length_a 1\n');
  fs.copyFileSync(ARGON_CIF, path.join(screenDir, 'Ar-fcc.cif'));
});

afterEach(() => {
  expect(app.takeProblems()).toEqual([]);
});

afterAll(async () => {
  await app?.close();
});

describe.skipIf(!HAVE_SAMPLE)('Screening with the shipped models', () => {
  it('preselects the shipped default when the project has no finished run; the picker groups the models with their test MAE', async () => {
    await app.open('screening');
    await t('screening-setup').waitFor();
    expect(await t('screening-no-model').count()).toBe(0);
    await expect.poll(() => t('screening-model').inputValue()).toBe(`shipped:${shipped.name}`);

    const groups = await t('screening-model').locator('optgroup').evaluateAll((els) => els.map((e) => (e as unknown as { label: string }).label));
    expect(groups).toEqual(['Shipped with the app', 'Your models']);
    const options = async (group: string) =>
      t('screening-model').locator(`optgroup[data-group="${group}"] option`).evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(SHIPPED).toContain(`shipped:${SINGLE_TASK}`);
    expect(await options('shipped')).toEqual(SHIPPED);
    expect(SHIPPED[0]).toBe(`shipped:${shipped.name}`);
    expect(await options('user')).toEqual(['user:my-formation-energy']);
    // Each option names the model and every property with its test MAE and unit.
    const text = (await t('screening-model').locator(`option[value="shipped:${shipped.name}"]`).textContent())!;
    expect(text).toContain(`${shipped.name} (default, K=${card.ensembleSize})`);
    for (const task of card.tasks) expect(text).toContain(task.classifier ? `ROC AUC ${shown(task.classifier.testRocAuc!)}` : `${shown(task.testMae!)} ${task.unit}`);
    expect(text).toContain('Formation energy');

    // The selected model's card: where it comes from, K, test MAE per property, data and licence, what ± means.
    const summary = t('screening-model-summary');
    expect(await t('screening-model-group').textContent()).toBe('Shipped with the app');
    expect(await t('screening-model-ensemble').textContent()).toBe(`${card.ensembleSize}-member ensemble`);
    for (const task of card.tasks) {
      const cell = await summary.locator(`tr[data-task="${task.name}"] td.right`).textContent();
      if (task.classifier) expect(cell).toBe(`ROC AUC ${task.classifier.testRocAuc!.toFixed(3)} · accuracy ${(100 * task.classifier.testAccuracy!).toFixed(1)} %`);
      else expect(cell).toBe(`${shown(task.testMae!)} ${task.unit}`);
    }
    const note = (await summary.textContent())!.replace(/\s+/g, ' ');
    expect(note).toContain('CC BY 4.0');
    expect(note).toContain(`standard deviation of the ${card.ensembleSize} members`);
    expect(note).toContain('out of domain');
    await app.screenshot('screening-shipped-setup');

    // Another choice shows its own card; back to the default.
    await t('screening-model').selectOption(`user:my-formation-energy`);
    expect(await t('screening-model-group').textContent()).toBe('Your models');
    expect(await summary.locator('tbody tr').count()).toBe(1);
    await t('screening-model').selectOption(`shipped:${shipped.name}`);
  });

  it('screens a folder with the shipped default: ± per property with units, the unreadable file and the out-of-domain crystal', async () => {
    app.dialogAnswers.push(screenDir);
    await t('screening-folder-browse').click();
    await expect.poll(() => t('screening-folder-input').inputValue()).toBe(screenDir);
    await t('screening-name').fill('Candidates, shipped model');
    await t('screening-start').click();
    await t('screening-table').waitFor({ timeout: 120_000 });
    const progress = app.emitted.filter((e) => e.event === 'job:progress' && (e.payload as { kind: string }).kind === 'screen');
    expect(progress.at(-1)!.payload).toMatchObject({ state: 'done', done: FILES, total: FILES, unit: 'files' });

    const project = (await call(app, 'project:current'))!;
    screeningId = project.screenings[0]!.id;
    expect(project.runs).toEqual([]);
    expect(project.screenings[0]).toMatchObject({ model: shipped.name, modelSource: 'shipped', state: 'done' });
    const manifest = JSON.parse(fs.readFileSync(path.join(projectDir, 'screenings', screeningId, 'screening.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ model: shipped.name, modelSource: 'shipped', modelDir: shipped.dir, ensembleSize: card.ensembleSize });
    expect(await t('screening-model-used').getAttribute('data-source')).toBe('shipped');
    expect((await t('screening-results').locator('.panel-note').first().textContent())!.replace(/\s+/g, ' ')).toContain(
      `${shipped.name} (shipped with the app, ${card.ensembleSize}-member ensemble: ± is their standard deviation)`,
    );

    // Every property has a value column and a ± column, both with the unit in the header.
    const table: ScreeningTable = await call(app, 'screen:table', { screeningId });
    expect(table.tasks.map((x) => x.unit)).toEqual(card.tasks.map((x) => x.unit));
    for (const [k, task] of table.tasks.entries()) {
      expect(await t(`screening-table-sort-v:${k}`).getAttribute('title')).toBe(`${task.name} (${task.unit})`);
      expect(await t(`screening-table-sort-s:${k}`).getAttribute('title')).toBe(`± ${task.name} (${task.unit})`);
    }
    expect(await t('screening-count').textContent()).toBe(`${FILES - 1} of ${FILES}`); // the unreadable file is hidden
    const row = (id: string) => app.page.locator('[data-testid="screening-table-row"]').filter({ has: app.page.locator(`[data-col="id"]:text-is("${id}")`) });
    const first = table.ids.findIndex((id, i) => !table.errors[i] && !table.outOfDomain[i]);
    for (let k = 0; k < table.tasks.length; k++) {
      expect(await row(table.ids[first]!).locator(`[data-col="v:${k}"]`).textContent()).toBe(shown(table.values[k]![first]!));
      expect(await row(table.ids[first]!).locator(`[data-col="s:${k}"]`).textContent()).toBe(shown(table.std![k]![first]!));
      expect(table.std![k]![first]!).toBeGreaterThan(0);
    }
    expect(await row(table.ids[first]!).locator('[data-col="status"]').textContent()).toBe('ok');
    // Argon: predicted, with ±, but flagged as outside the training data.
    expect(await row('Ar-fcc').locator('[data-col="status"]').textContent()).toBe('out of domain');
    expect(table.outOfDomain.filter(Boolean)).toHaveLength(1);
    // Three properties with ± are wide: the table takes the whole width and every column stays in view.
    const fits = await t('screening-table').evaluate((el) => {
      const e = el as unknown as { scrollWidth: number; clientWidth: number };
      return e.scrollWidth - e.clientWidth;
    });
    expect(fits).toBeLessThanOrEqual(0);
    expect(await t('screening-table-sort-status').isVisible()).toBe(true);
    await scrollToTestId(app, 'screening-results');
    await app.screenshot('screening-shipped-results');

    // The unreadable file: an error row with the reason, no values.
    await t('screening-hide-failed').uncheck();
    expect(await t('screening-count').textContent()).toBe(`${FILES} of ${FILES}`);
    await t('screening-search').fill('zz-broken');
    await expect.poll(() => t('screening-count').textContent()).toBe(`1 of ${FILES}`);
    const status = t('screening-table-row').first().locator('[data-col="status"]');
    expect(await status.textContent()).toMatch(/^unreadable: \S/);
    expect(await status.getAttribute('title')).toBe(await status.textContent()); // the whole reason on hover
    expect(await t('screening-table-row').first().locator('[data-col="v:0"]').textContent()).toBe('—');
    await scrollToTestId(app, 'screening-results');
    await app.screenshot('screening-shipped-error');
    await t('screening-search').fill('');

    // The out-of-domain crystal in the 3D viewer, with mean ± std per property.
    await row('Ar-fcc').click();
    await expect.poll(() => app.page.locator('[data-testid="screening-structure"] [data-testid="crystal-viewer"]').getAttribute('data-atoms'), { timeout: 30_000 }).toBe('4');
    const side = (await t('screening-structure').textContent())!;
    expect(side).toContain('outside the training data');
    expect(side).toMatch(/± [\d.]+ eV\/atom/);
    await scrollToTestId(app, 'screening-structure');
    await app.screenshot('screening-shipped-ood');

    // The smallest window Electron allows: the table scrolls sideways instead of cutting off the status column.
    await app.page.setViewportSize({ width: 960, height: 640 });
    const hidden = await t('screening-table').evaluate((el) => {
      const e = el as unknown as { scrollWidth: number; clientWidth: number; scrollLeft: number };
      e.scrollLeft = e.scrollWidth;
      return e.scrollWidth - e.clientWidth;
    });
    expect(hidden).toBeGreaterThan(0);
    await scrollToTestId(app, 'screening-results');
    await app.screenshot('screening-shipped-small-window');
    await app.page.setViewportSize({ width: 1400, height: 900 });
  });

  it('renders the screening with the shipped model as a report: ±, the model error and the licence', async () => {
    await t('nav-reports').click();
    await t('reports-list').waitFor();
    await t('report-source').selectOption(`screening:${screeningId}`);
    await t('report-create').click();
    const frame = app.page.frameLocator('[data-testid="report-frame"]');
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 30_000 }).toContain('Candidates, shipped model');
    const body = (await frame.locator('body').textContent())!;
    expect(body).toContain('Screening report');
    expect(body).toContain(`Model ${shipped.name}, shipped with Crystal Property Studio`);
    expect(body).toContain('held-back test crystals');
    expect(body).toContain('CC BY 4.0');
    expect(body).toContain('±');
    expect(body).toContain('zz-broken');
    await app.screenshot('screening-shipped-report');
  });

  it('lists the installed models with their cards under About / System', async () => {
    await t('nav-about').click();
    await t('models-panel').waitFor();
    await expect.poll(() => t('model-card').count()).toBe(SHIPPED.length + 1);
    const cards = await t('model-card').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-source')}:${e.getAttribute('data-name')}`));
    expect(cards).toEqual([...SHIPPED, 'user:my-formation-energy']);
    const def = app.page.locator(`[data-testid="model-card"][data-name="${shipped.name}"]`);
    expect(await def.locator('[data-testid="model-card-license"]').textContent()).toContain('CC BY 4.0');
    expect(await def.textContent()).toContain('default');
    for (const task of card.tasks) {
      expect(await def.locator(`tr[data-task="${task.name}"]`).textContent()).toContain(task.classifier ? `ROC AUC ${task.classifier.testRocAuc!.toFixed(3)}` : `${shown(task.testMae!)} ${task.unit}`);
    }
    // Scrolls the app's main area only (scrollIntoView would also shift the window when the panel is near the end).
    await t('models-panel').evaluate((el) => {
      interface Box {
        getBoundingClientRect(): { top: number };
      }
      const panel = el as unknown as Box & { closest(s: string): (Box & { scrollTop: number }) | null };
      const main = panel.closest('main');
      if (main) main.scrollTop += panel.getBoundingClientRect().top - main.getBoundingClientRect().top - 16;
    });
    await app.screenshot('screening-shipped-models');
  });

  it('rejects bad model arguments with typed errors', async () => {
    const base = { folder: screenDir, name: 'x', recursive: false };
    expect(await app.dispatch('models:list', { all: true })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('screen:start', { ...base, model: { source: 'shipped', name: '../models/x' } })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('screen:start', { ...base, model: { source: 'shipped', name: shipped.name }, runId: 'r1' })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('screen:start', { ...base, model: { source: 'user', name: shipped.name } })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
