/**
 * Journeys 6 and 7, Screening and Reports: screen a folder of new CIFs with a trained model (a job with progress;
 * cancel and resume on the 25k set), explore the results (sort, filter, select a row to see its structure in 3D),
 * export the rows shown as CSV, scroll, sort and filter a 100,000-row result, then render the run and the screening
 * as reports, read them in the app and export them to PDF.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readStructureFileSync } from '../../src-main/core/io';
import { TRAIN_DEFAULTS } from '../../src-shared/contract';
import { startApp, type AppHarness } from './harness';
import { byTestId, call, HAVE_LARGE, HAVE_SAMPLE, LARGE_DATASET, projectWithSample, SAMPLE_DATASET, waitForJob } from './helpers';

let app: AppHarness;
let projectDir: string;
let runId: string;
let screenDir: string;
let screeningId: string;
const t = (id: string) => byTestId(app, id);
const SCREEN_FILES = 30;

/** Parses a simple CSV written by the app (no quoted commas in these files). */
function readCsv(file: string): string[][] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));
}

beforeAll(async () => {
  app = await startApp();
  if (!HAVE_SAMPLE) return;
  projectDir = await projectWithSample(app, 'Screening journey');
  const started = await call(app, 'train:start', {
    ...TRAIN_DEFAULTS,
    dataset: 'mt-cgcnn-sample',
    name: 'MT model',
    tasks: ['formation_energy_per_atom', 'band_gap'],
    weights: [1, 1],
    epochs: 4,
    batchSize: 16,
  });
  runId = started.runId;
  const done = await waitForJob(app, started.jobId);
  if (done.state !== 'done') throw new Error(`training ${done.state}: ${done.message}`);

  // New structures: crystals from the sample (any CIF folder works), one unreadable file, one in a subfolder.
  screenDir = path.join(app.home, 'new candidates');
  fs.mkdirSync(path.join(screenDir, 'more'), { recursive: true });
  const src = HAVE_LARGE ? LARGE_DATASET : SAMPLE_DATASET;
  const cifs = fs.readdirSync(src).filter((f) => f.endsWith('.cif')).sort().slice(0, SCREEN_FILES - 1);
  for (const f of cifs) fs.copyFileSync(path.join(src, f), path.join(screenDir, f));
  fs.writeFileSync(path.join(screenDir, 'zz-broken.cif'), 'data_broken\n_cell_length_a 1\n');
  fs.copyFileSync(path.join(src, cifs[0]!), path.join(screenDir, 'more', 'nested.cif'));
}, 300_000);

afterEach(() => {
  expect(app.takeProblems()).toEqual([]);
});

afterAll(async () => {
  await app?.close();
});

describe.skipIf(!HAVE_SAMPLE)('Screening', () => {
  it('screens a folder with a trained model: progress, then every file in the table', async () => {
    await app.open('screening');
    await t('screening-setup').waitFor();
    expect(await t('screening-model').locator('option').first().textContent()).toContain('MT model');
    // The project's finished run is preselected (the shipped models are listed after it).
    await expect.poll(() => t('screening-model').inputValue()).toBe(`run:${runId}`);
    expect(await t('screening-model').locator('optgroup').first().getAttribute('label')).toBe('This project');
    app.dialogAnswers.push(screenDir);
    await t('screening-folder-browse').click();
    await expect.poll(() => t('screening-folder-input').inputValue()).toBe(screenDir);
    await t('screening-name').fill('New candidates');
    await t('screening-start').click();
    await t('screening-table').waitFor({ timeout: 120_000 });
    screeningId = (await call(app, 'project:current'))!.screenings[0]!.id;
    const progress = app.emitted.filter((e) => e.event === 'job:progress' && (e.payload as { kind: string }).kind === 'screen');
    expect(progress.at(-1)!.payload).toMatchObject({ state: 'done', done: SCREEN_FILES, total: SCREEN_FILES, unit: 'files' });

    // The table shows the results CSV: 30 files (subfolders off), the unreadable one hidden by default.
    const csv = readCsv(path.join(projectDir, 'screenings', screeningId, 'results.csv'));
    const header = csv[0]!;
    expect(header).toEqual(['id', 'file', 'formula', 'n_atoms', 'formation_energy_per_atom (eV/atom)', 'band_gap (eV)', 'metal', 'out_of_domain', 'error']);
    expect(csv.length - 1).toBe(SCREEN_FILES);
    expect(await t('screening-count').textContent()).toBe(`${SCREEN_FILES - 1} of ${SCREEN_FILES}`);
    await t('screening-hide-failed').uncheck();
    expect(await t('screening-count').textContent()).toBe(`${SCREEN_FILES} of ${SCREEN_FILES}`);
    await t('screening-search').fill('zz-broken');
    await expect.poll(() => t('screening-count').textContent()).toBe(`1 of ${SCREEN_FILES}`);
    expect(await t('screening-table-row').first().locator('[data-col="status"]').textContent()).toMatch(/^unreadable: /);
    await app.screenshot('screening-unreadable');
    await t('screening-search').fill('');
    await t('screening-hide-failed').check();
    // Headers carry the units; cells show the CSV's predictions.
    expect(await t('screening-table-sort-v:1').getAttribute('title')).toBe('band_gap (eV)');
    const firstCsv = csv.slice(1).find((r) => r[8] === '')!;
    const firstRow = app.page.locator('[data-testid="screening-table-row"]').filter({ has: app.page.locator(`[data-col="id"]:text-is("${firstCsv[0]}")`) });
    const gap = Number(firstCsv[5]);
    expect(await firstRow.locator('[data-col="v:1"]').textContent()).toBe(String(Number(gap.toPrecision(3 + (Math.abs(gap) >= 1 ? Math.floor(Math.log10(Math.abs(gap))) : 0)))));
    await app.screenshot('screening-results');
  });

  it('sorts and filters by predicted values, and shows the selected structure in 3D', async () => {
    const table = await call(app, 'screen:table', { screeningId });
    await t('screening-table-sort-v:1').click();
    await t('screening-table-sort-v:1').click(); // descending band gap
    const ok = table.ids.map((_, i) => i).filter((i) => !table.errors[i]);
    const top = ok.reduce((b, i) => (table.values[1]![i]! > table.values[1]![b]! ? i : b), ok[0]!);
    const first = t('screening-table-row').first();
    expect(await first.locator('[data-col="id"]').textContent()).toBe(table.ids[top]);

    await t('screening-range-task').selectOption({ label: 'band_gap' });
    await t('screening-range-min').fill('1');
    const expected = ok.filter((i) => table.values[1]![i]! >= 1).length;
    await expect.poll(() => t('screening-count').textContent()).toBe(`${expected} of ${SCREEN_FILES}`);

    await first.click();
    await expect.poll(async () => Number(await app.page.locator('[data-testid="screening-structure"] [data-testid="crystal-viewer"]').getAttribute('data-atoms'))).toBeGreaterThan(0);
    const atoms = readStructureFileSync(table.files[top]!)[0]!.structure.numSites;
    expect(await app.page.locator('[data-testid="screening-structure"] [data-testid="crystal-viewer"]').getAttribute('data-atoms')).toBe(String(atoms));
    expect(await t('screening-structure').textContent()).toContain(' eV');
    await app.screenshot('screening-structure');
  });

  it('exports the rows shown, in the order shown, as CSV', async () => {
    const out = path.join(app.home, 'export.csv');
    app.dialogAnswers.push(out);
    await t('screening-export').click();
    await t('screening-exported').waitFor();
    const rows = readCsv(out);
    // People read the export: human column names, not the screening CSV's (results.csv keeps those for scripts).
    expect(rows[0]!.slice(0, 4)).toEqual(['ID', 'File', 'Formula', 'Atoms in cell']);
    expect(rows[0]).toContain('Band gap (eV)');
    expect(rows[0]).toContain('Outside training domain');
    expect(readCsv(path.join(projectDir, 'screenings', screeningId, 'results.csv'))[0]).toContain('band_gap (eV)');
    // Exactly the filtered rows (band gap >= 1 eV, readable), sorted by band gap, descending, as on screen.
    const table = await call(app, 'screen:table', { screeningId });
    const expected = table.ids
      .map((_, i) => i)
      .filter((i) => !table.errors[i] && table.values[1]![i]! >= 1)
      .sort((a, b) => table.values[1]![b]! - table.values[1]![a]!)
      .map((i) => table.ids[i]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(expected);
    expect(rows.length - 1).toBe(Number((await t('screening-count').textContent())!.split(' ')[0]));
    const shown = await app.page.locator('[data-testid="screening-table-row"] [data-col="id"]').allTextContents();
    expect(shown).toEqual(expected.slice(0, shown.length));
    await t('screening-range-min').fill('');
  });

  it.skipIf(!HAVE_LARGE)('cancels a long screening and resumes it where it stopped', async () => {
    const { screeningId: id, jobId } = await call(app, 'screen:start', { runId, folder: LARGE_DATASET, name: 'Materials Project 25k', recursive: false });
    await expect.poll(() => app.jobs.get(jobId)?.done ?? 0, { timeout: 120_000 }).toBeGreaterThan(64);
    await t('screening-select').selectOption(id);
    await t('screening-cancel').click();
    expect((await waitForJob(app, jobId)).state).toBe('cancelled');
    await t('screening-resume').waitFor();
    const partial = readCsv(path.join(projectDir, 'screenings', id, 'results.csv')).length - 1;
    expect(partial).toBeGreaterThan(0);
    await t('screening-resume').click();
    await t('job-progress').waitFor();
    await expect.poll(() => (app.jobs.list().find((j) => j.kind === 'screen' && j.state === 'running')?.message ?? ''), { timeout: 60_000 }).toContain('already screened');
    await app.screenshot('screening-resumed');
    // stop the resumed job unless it has already finished (with prediction on every core it can, on an idle machine)
    const resumed = app.jobs.list().find((j) => j.kind === 'screen' && j.state === 'running');
    if (resumed) {
      await call(app, 'job:cancel', { jobId: resumed.jobId });
      await waitForJob(app, resumed.jobId);
    }
    const rows = readCsv(path.join(projectDir, 'screenings', id, 'results.csv'));
    expect(new Set(rows.slice(1).map((r) => r[1])).size).toBe(rows.length - 1); // no file screened twice
  });

  it('handles 100,000 rows: virtualized, sortable and filterable', async () => {
    // A finished screening with 100k rows, in the real CSV layout of this model.
    const real = path.join(projectDir, 'screenings', screeningId);
    const id = '20990101-000000-big0';
    const dir = path.join(projectDir, 'screenings', id);
    fs.mkdirSync(dir, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(real, 'screening.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, 'screening.json'), JSON.stringify({ ...manifest, id, name: '100k synthetic', files: 100_000, rows: 100_000, failed: 0, total: 100_000 }));
    const header = readCsv(path.join(real, 'results.csv'))[0]!.join(',');
    const lines = [header];
    for (let i = 0; i < 100_000; i++) {
      const fe = -3 + ((i * 7919) % 100_000) / 25_000;
      const gap = ((i * 104_729) % 100_000) / 20_000;
      lines.push(`c${i},c${i}.cif,Fe2O3,${5 + (i % 40)},${fe.toFixed(6)},${gap.toFixed(6)},${gap < 0.025 ? 'metal' : 'non-metal'},${i % 50 === 0},`);
    }
    fs.writeFileSync(path.join(dir, 'results.csv'), `${lines.join('\n')}\n`);
    await app.page.reload();
    await t('screening-results').waitFor();
    await t('screening-select').selectOption(id);
    await expect.poll(() => t('screening-count').textContent(), { timeout: 60_000 }).toBe('100,000 of 100,000');
    expect(await t('screening-table').getAttribute('data-rows')).toBe('100000');
    expect(await t('screening-table-row').count()).toBeLessThan(40);

    const started = Date.now();
    await t('screening-table-sort-v:0').click();
    await expect.poll(() => t('screening-table-row').first().locator('[data-col="id"]').textContent()).toBe('c0');
    expect(Date.now() - started).toBeLessThan(60_000); // generous: catches a hang only (bench/ measures speed)
    await t('screening-hide-ood').check();
    await expect.poll(() => t('screening-count').textContent()).toBe('98,000 of 100,000');
    await t('screening-search').fill('c9999');
    await expect.poll(() => t('screening-count').textContent()).toBe('11 of 100,000');
    await t('screening-search').fill('');
    await app.page.locator('[data-testid="screening-table"] .vbody').evaluate((el) => {
      (el as unknown as { scrollTop: number }).scrollTop = 1e9;
    });
    await expect.poll(() => t('screening-table-row').last().getAttribute('data-key')).not.toBeNull();
    expect(await t('screening-table-row').count()).toBeLessThan(40);
    await app.screenshot('screening-100k');
  });

  it('rejects bad screening requests with typed errors', async () => {
    expect(await app.dispatch('screen:start', { runId, folder: path.join(app.home, 'nope'), name: 'x', recursive: false })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await app.dispatch('screen:start', { runId, folder: 'relative', name: 'x', recursive: false })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('screen:export', { screeningId, rows: [0], path: path.join(app.home, 'x.txt') })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('screen:export', { screeningId, rows: [999_999], path: path.join(app.home, 'x.csv') })).toMatchObject({ ok: false, error: { code: 'failed' } });
  });
});

describe.skipIf(!HAVE_SAMPLE)('Reports', () => {
  it('renders the training run as a report, shows it in the app and exports a PDF', async () => {
    await t('nav-reports').click();
    await t('reports-list').waitFor();
    await t('report-source').selectOption(`run:${runId}`);
    await t('report-create').click();
    await t('report-frame').waitFor();
    const frame = app.page.frameLocator('[data-testid="report-frame"]');
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 30_000 }).toContain('Training run report');
    expect(await frame.locator('body').textContent()).toContain('eV/atom');
    const file = path.join(projectDir, 'reports', `run-${runId}.html`);
    expect(fs.existsSync(file)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(projectDir, 'reports', `run-${runId}.json`), 'utf8'))).toMatchObject({ kind: 'run', file: `reports/run-${runId}.html` });
    await app.screenshot('reports-run');

    const pdf = path.join(app.home, 'run-report.pdf');
    app.dialogAnswers.push(pdf);
    await t('report-export-pdf').click();
    await t('report-pdf-done').waitFor({ timeout: 120_000 });
    expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
    expect(text.toLowerCase()).toContain('training run report');
    expect(text).toContain('eV/atom');
    await app.screenshot('reports-pdf-done');
  });

  it('renders the screening as a report', async () => {
    await t('report-source').selectOption(`screening:${screeningId}`);
    await t('report-create').click();
    const frame = app.page.frameLocator('[data-testid="report-frame"]');
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 30_000 }).toContain('New candidates');
    expect(await t('report-item').count()).toBeGreaterThanOrEqual(2);
    await app.screenshot('reports-screening');
    expect(await app.dispatch('report:html', { file: '../project.json' })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('report:pdf', { file: `reports/run-${runId}.html`, path: path.join(app.home, 'x.txt') })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });
});
