/**
 * Journey 2, Datasets: pick a CIF folder (native dialog, answered by the harness) and its label CSV, map columns to
 * tasks (names and units proposed from the header), validate as a job with progress, read the report (counts,
 * unreadable files with reasons, label histograms as ECharts bar charts, missing labels per task), then add the
 * dataset to the project by reference or as a copy. Checked against the CSV counted independently and the core's
 * own validation of the same folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scanDataset } from '../../src-main/core/dataset/dataset-folder';
import { structureFileParser } from '../../src-main/core/dataset/structure-parse';
import { validateDataset } from '../../src-main/core/dataset/validation-report';
import { ElementFeatureTable } from '../../src-main/core/element-features/element-features';
import type { JobProgress } from '../../src-shared/contract';
import { startApp, type AppHarness } from './harness';
import { byTestId, call, HAVE_LARGE, HAVE_SAMPLE, LARGE_DATASET, SAMPLE_DATASET, scrollToTestId, waitForJob } from './helpers';

let app: AppHarness;
let projectDir: string;
let problemDir: string;
const t = (id: string) => byTestId(app, id);

/** Independent count of an id_prop.csv with a header: rows and non-empty cells per value column. */
function countCsv(file: string): { header: string[]; rows: number; labelled: number[] } {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]!.split(',');
  const body = lines.slice(1).map((l) => l.split(','));
  return { header, rows: body.length, labelled: header.slice(1).map((_, c) => body.filter((r) => (r[c + 1] ?? '').trim() !== '').length) };
}

/** A small dataset with one unreadable CIF, one row without a file and one missing label. */
function makeProblemDataset(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const ids = ['0', '1', '2', '3', '4', '5', '6', '7'];
  for (const id of ids) fs.copyFileSync(path.join(SAMPLE_DATASET, `${id}.cif`), path.join(dir, `${id}.cif`));
  fs.writeFileSync(path.join(dir, 'broken.cif'), 'data_broken\n_cell_length_a not-a-number\n');
  const src = fs.readFileSync(path.join(SAMPLE_DATASET, 'id_prop.csv'), 'utf8').split(/\r?\n/);
  const rows = src.slice(1, 9);
  rows[3] = rows[3]!.replace(/,[^,]*$/, ','); // crystal 3: band gap missing
  fs.writeFileSync(path.join(dir, 'labels.csv'), [src[0], ...rows, 'broken,-1.0,2.0', 'ghost,-0.5,1.0', ''].join('\n'));
}

beforeAll(async () => {
  app = await startApp();
  projectDir = (await call(app, 'project:create', { name: 'Datasets journey', parentDir: app.home })).dir;
  problemDir = path.join(app.home, 'problem set');
  if (HAVE_SAMPLE) makeProblemDataset(problemDir);
});

afterEach(() => {
  expect(app.takeProblems()).toEqual([]);
});

afterAll(async () => {
  await app?.close();
});

describe.skipIf(!HAVE_SAMPLE)('Datasets: import the MT-CGCNN sample', () => {
  let validationJob: string;

  it('picks the folder with the dialog; the CSV defaults to its id_prop.csv; Inspect proposes tasks and units', async () => {
    await app.open('datasets');
    await t('dataset-import').waitFor();
    app.dialogAnswers.push(SAMPLE_DATASET);
    await t('import-structures-browse').click();
    await expect.poll(() => t('import-structures-input').inputValue()).toBe(SAMPLE_DATASET);
    expect(await t('import-csv-input').inputValue()).toBe(`${SAMPLE_DATASET}/id_prop.csv`);
    await t('import-inspect').click();
    await t('column-mapping').waitFor();

    const csv = countCsv(path.join(SAMPLE_DATASET, 'id_prop.csv'));
    const cifs = fs.readdirSync(SAMPLE_DATASET).filter((f) => f.endsWith('.cif')).length;
    const tile = async (id: string) => (await t(id).locator('.tile-value').textContent())?.trim();
    expect(await tile('inspect-rows')).toBe(String(csv.rows));
    expect(await tile('inspect-files')).toBe(String(cifs));
    expect(await tile('inspect-matched')).toBe(String(csv.rows));
    expect(await tile('inspect-missing')).toBe('0');

    const rows = t('mapping-row');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-column')).toBe('formation_energy_per_atom_eV');
    expect(await rows.nth(0).locator('[data-testid="mapping-name"]').inputValue()).toBe('formation_energy_per_atom_eV');
    expect(await rows.nth(0).locator('[data-testid="mapping-unit"]').inputValue()).toBe('eV/atom');
    expect(await rows.nth(1).locator('[data-testid="mapping-unit"]').inputValue()).toBe('eV');
    expect(await rows.nth(1).locator('td').nth(2).textContent()).toBe(String(csv.labelled[1]));
    expect(await t('mapping-kind').textContent()).toContain('multi-task (MT-CGCNN)');

    // A name used twice is caught before anything is sent.
    await rows.nth(1).locator('[data-testid="mapping-name"]').fill('formation_energy_per_atom_eV');
    await t('mapping-error').waitFor();
    expect(await t('validate-start').isDisabled()).toBe(true);
    await rows.nth(0).locator('[data-testid="mapping-name"]').fill('formation_energy');
    await rows.nth(1).locator('[data-testid="mapping-name"]').fill('band_gap');
    expect(await t('mapping-error').count()).toBe(0);
    await app.screenshot('datasets-mapping');
  });

  it('validates as a job with job:progress events, then shows the report', async () => {
    const before = app.emitted.length;
    await t('validate-start').click();
    await t('validation-report').waitFor({ timeout: 60_000 });
    const progress = app.emitted.slice(before).filter((e) => e.event === 'job:progress').map((e) => e.payload as JobProgress);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.every((p) => p.kind === 'validate')).toBe(true);
    const last = progress.at(-1)!;
    validationJob = last.jobId;
    const csv = countCsv(path.join(SAMPLE_DATASET, 'id_prop.csv'));
    expect(last).toMatchObject({ state: 'done', done: csv.rows, total: csv.rows, unit: 'structures' });

    // The same folder validated by the core directly.
    const scan = await scanDataset(SAMPLE_DATASET);
    const core = validateDataset(scan, structureFileParser(), { features: ElementFeatureTable.builtin() });
    const tile = async (id: string) => (await t(id).locator('.tile-value').textContent())?.trim();
    expect(await tile('report-usable')).toBe(String(core.counts.usable));
    expect(await tile('report-bad')).toBe(String(core.counts.badFiles));
    expect(await tile('report-missing-files')).toBe('0');

    const stats = t('label-stats-row');
    expect(await stats.count()).toBe(2);
    expect(await stats.nth(0).getAttribute('data-task')).toBe('formation_energy');
    expect(await stats.nth(0).textContent()).toContain('(eV/atom)');
    expect(await stats.nth(1).getAttribute('data-task')).toBe('band_gap');
    for (let k = 0; k < 2; k++) {
      expect(await stats.nth(k).locator('[data-testid="stat-labelled"]').textContent()).toBe(String(core.labelStats[k]!.n));
      if (core.counts.usable === csv.rows) expect(core.labelStats[k]!.n).toBe(csv.labelled[k]);
    }
    // Min / max printed with their unit.
    expect(await stats.nth(1).textContent()).toContain(' eV');

    // One ECharts bar chart per task, drawn as SVG with the task and unit in its title.
    const charts = t('label-histogram');
    expect(await charts.count()).toBe(2);
    await expect.poll(() => charts.nth(1).locator('[data-rendered="true"]').count()).toBe(1);
    const titles = await app.page.locator('[data-testid="label-histogram"] svg text').allTextContents();
    expect(titles).toContain('formation_energy (eV/atom)');
    expect(titles).toContain('band_gap (eV)');
    expect(await charts.nth(0).locator('svg path').count()).toBeGreaterThan(5);
    const report = await call(app, 'dataset:validation', { jobId: validationJob });
    expect(report.labelStats.map((s) => s.histogram!.counts.reduce((a, b) => a + b, 0))).toEqual(report.labelStats.map((s) => s.n));

    await scrollToTestId(app, 'validation-report');
    await app.screenshot('datasets-report');
    await scrollToTestId(app, 'report-histograms');
    await app.screenshot('datasets-report-histograms');
  });

  it('adds the dataset by reference: manifests on disk, the list and the project follow', async () => {
    await scrollToTestId(app, 'dataset-accept');
    expect(await t('dataset-name').inputValue()).toBe('mt-cgcnn-sample');
    expect(await t('storage-reference').isChecked()).toBe(true);
    await t('dataset-accept-submit').click();
    await t('import-done').waitFor();
    await app.screenshot('datasets-imported');

    const dsDir = path.join(projectDir, 'datasets', 'mt-cgcnn-sample');
    const manifest = JSON.parse(fs.readFileSync(path.join(dsDir, 'dataset.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      format: 'crystal-property-studio/dataset',
      version: 1,
      name: 'mt-cgcnn-sample',
      storage: 'reference',
      structuresDir: SAMPLE_DATASET,
      csvFile: path.join(SAMPLE_DATASET, 'id_prop.csv'),
      tasks: [
        { column: 'formation_energy_per_atom_eV', name: 'formation_energy', unit: 'eV/atom' },
        { column: 'band_gap_eV', name: 'band_gap', unit: 'eV' },
      ],
      readOptions: { partialOccupancy: 'refuse' },
    });
    const index = JSON.parse(fs.readFileSync(path.join(dsDir, 'structures.json'), 'utf8')) as { rows: { id: string; ok: boolean; formula: string; atoms: number }[] };
    expect(index.rows.length).toBe(countCsv(path.join(SAMPLE_DATASET, 'id_prop.csv')).rows);
    expect(index.rows[0]).toMatchObject({ id: '0', file: '0.cif', ok: true });
    expect(fs.existsSync(path.join(dsDir, 'validation.json'))).toBe(true);
    expect(fs.readdirSync(path.join(projectDir, 'datasets'))).toEqual(['mt-cgcnn-sample']); // no temp folder left

    const row = app.page.locator('[data-testid="dataset-row"][data-dataset="mt-cgcnn-sample"]');
    await row.waitFor();
    expect(await row.locator('[data-testid="dataset-crystals"]').textContent()).toBe(String(index.rows.filter((r) => r.ok).length));
    expect(await row.textContent()).toContain('formation_energy (eV/atom), band_gap (eV)');
    const info = await call(app, 'project:current');
    expect(info!.datasets).toEqual([expect.objectContaining({ name: 'mt-cgcnn-sample', storage: 'reference', available: true })]);
  });

  it('reopens the stored report of a project dataset', async () => {
    await t('import-start-over').click();
    await app.page.locator('[data-dataset="mt-cgcnn-sample"] [data-testid="dataset-show-report"]').click();
    await t('validation-report').waitFor();
    expect(await t('validation-report').locator('h2').textContent()).toBe('Report: mt-cgcnn-sample');
    await app.page.locator('[data-dataset="mt-cgcnn-sample"] [data-testid="dataset-show-report"]').click();
    await expect.poll(() => t('validation-report').count()).toBe(0);
  });
});

describe.skipIf(!HAVE_SAMPLE)('Datasets: a folder with problems', () => {
  it('reports the unreadable file with its reason, the row without a file and the missing label', async () => {
    await t('import-structures-input').fill(problemDir);
    await t('import-csv-input').fill(path.join(problemDir, 'labels.csv'));
    await t('import-inspect').click();
    await t('column-mapping').waitFor();
    const tile = async (id: string) => (await t(id).locator('.tile-value').textContent())?.trim();
    expect(await tile('inspect-rows')).toBe('10');
    expect(await tile('inspect-matched')).toBe('9');
    expect(await tile('inspect-missing')).toBe('1');
    await t('validate-start').click();
    await t('validation-report').waitFor({ timeout: 60_000 });

    expect(await t('validation-status').textContent()).toContain('Needs attention');
    expect(await tile('report-usable')).toBe('8');
    expect(await tile('report-bad')).toBe('1');
    expect(await tile('report-missing-files')).toBe('1');
    const bad = t('bad-file-row');
    expect(await bad.count()).toBe(1);
    expect(await bad.first().getAttribute('data-id')).toBe('broken');
    expect((await bad.first().locator('.reason').textContent())!.length).toBeGreaterThan(10);
    const problems = await t('report-problems').textContent();
    expect(problems).toContain('without a structure file (e.g. ghost)');
    expect(problems).toContain('cannot be used (e.g. broken');
    const gap = app.page.locator('[data-testid="label-stats-row"][data-task="band_gap_eV"]');
    expect(await gap.locator('[data-testid="stat-labelled"]').textContent()).toBe('7');
    expect(await gap.locator('[data-testid="stat-missing"]').textContent()).toContain('1');
    await scrollToTestId(app, 'validation-report');
    await app.screenshot('datasets-report-problems');
  });

  it('adds it as a copy: files copied into the project, paths stored relative; removal leaves the source alone', async () => {
    await t('dataset-name').fill('problem set');
    await t('storage-copy').check();
    await t('dataset-accept-submit').click();
    await t('import-done').waitFor();
    const dsDir = path.join(projectDir, 'datasets', 'problem set');
    const manifest = JSON.parse(fs.readFileSync(path.join(dsDir, 'dataset.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ storage: 'copy', structuresDir: path.join('files', 'structures'), csvFile: path.join('files', 'labels.csv') });
    expect((manifest.original as { structuresDir: string }).structuresDir).toBe(problemDir);
    // Every row with a file is copied (the unreadable one too, so the copy is self-contained); the CSV as well.
    expect(fs.readdirSync(path.join(dsDir, 'files', 'structures')).sort()).toEqual(['0.cif', '1.cif', '2.cif', '3.cif', '4.cif', '5.cif', '6.cif', '7.cif', 'broken.cif']);
    expect(fs.readFileSync(path.join(dsDir, 'files', 'labels.csv'), 'utf8')).toBe(fs.readFileSync(path.join(problemDir, 'labels.csv'), 'utf8'));
    const info = await call(app, 'project:current');
    expect(info!.datasets.find((d) => d.name === 'problem set')).toMatchObject({ storage: 'copy', crystals: 8, badFiles: 1, structuresDir: path.join(dsDir, 'files', 'structures') });

    const remove = app.page.locator('[data-dataset="problem set"] [data-testid="dataset-remove"]');
    await remove.click();
    expect(await remove.textContent()).toContain('Confirm');
    await remove.click();
    await expect.poll(() => app.page.locator('[data-dataset="problem set"]').count()).toBe(0);
    expect(fs.existsSync(dsDir)).toBe(false);
    expect(fs.readdirSync(problemDir).length).toBe(10);
  });

  it('a missing CSV and bad arguments give errors that say what to do', async () => {
    await t('import-start-over').click();
    await t('import-structures-input').fill(problemDir);
    await t('import-csv-input').fill(path.join(problemDir, 'nope.csv'));
    await t('import-inspect').click();
    await t('ipc-error').waitFor();
    expect(await t('ipc-error-code').textContent()).toBe('not-found');
    expect(await t('ipc-error-message').textContent()).toContain('does not exist');
    expect(await t('ipc-error').textContent()).toContain('What to do');
    await app.screenshot('datasets-error');

    const bad = await app.dispatch('dataset:validate', {
      structuresDir: problemDir,
      csvFile: path.join(problemDir, 'labels.csv'),
      tasks: [{ column: 'band_gap_eV', name: '1gap', unit: 'eV' }],
      partialOccupancy: 'refuse',
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringContaining('must start with a letter') } });
    const twice = await app.dispatch('dataset:validate', {
      structuresDir: problemDir,
      csvFile: path.join(problemDir, 'labels.csv'),
      tasks: [
        { column: 'band_gap_eV', name: 'gap', unit: 'eV' },
        { column: 'band_gap_eV', name: 'gap2', unit: 'eV' },
      ],
      partialOccupancy: 'refuse',
    });
    expect(twice).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringContaining('mapped twice') } });
    expect(await app.dispatch('dataset:import', { validationJobId: 'nope', name: '../evil', storage: 'copy' })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('dataset:import', { validationJobId: 'unknown-job', name: 'x', storage: 'copy' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});

describe.skipIf(!HAVE_LARGE)('Datasets: a 25k-crystal folder', () => {
  it('shows live progress with rate and ETA while validating, and Cancel stops the job', async () => {
    await t('import-structures-input').fill(LARGE_DATASET);
    await t('import-csv-input').fill(path.join(LARGE_DATASET, 'id_prop.csv'));
    await t('import-inspect').click();
    await t('column-mapping').waitFor({ timeout: 60_000 });
    await t('validate-start').click();
    await t('job-progress').waitFor();
    await expect.poll(async () => Number((await t('job-count').textContent())?.split('/')[0]?.replace(/,/g, '') ?? 0), { timeout: 60_000 }).toBeGreaterThan(50);
    await t('job-eta').waitFor();
    expect(await t('job-count').textContent()).toMatch(/^[\d,]+ \/ 25,\d{3} structures \(\d/);
    // The app stays responsive while main validates.
    const started = performance.now();
    expect(await app.invokeFromPage('app:echo', { text: 'still there' })).toMatchObject({ ok: true });
    expect(performance.now() - started).toBeLessThan(20_000); // generous: main must answer during validation, not finish it first
    expect(await t('status-jobs').textContent()).toContain('validate');
    await scrollToTestId(app, 'column-mapping');
    await app.screenshot('datasets-validating');
    await t('job-cancel').click();
    await expect.poll(() => t('job-state').textContent(), { timeout: 30_000 }).toBe('cancelled');
    const jobId = app.jobs.list().find((j) => j.kind === 'validate' && j.state === 'cancelled')!.jobId;
    expect(await waitForJob(app, jobId)).toMatchObject({ state: 'cancelled' });
    expect(await app.dispatch('dataset:validation', { jobId })).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(await t('validation-report').count()).toBe(0);
  });
});
