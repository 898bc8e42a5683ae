// `mtcgcnn report` with the built CLI: the run report of a tiny model trained on the MT-CGCNN sample, and the
// screening report of the sample folder plus a broken file. The PDFs are read back with pdftotext, and page 1
// of each is rendered to test-results/cli-report/ for a human look.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvText } from '../../src-main/core/screen/csv-reader';
import { formatInt, formatSig } from '../../src-shared/text-format';
import { HAVE_SAMPLE, SAMPLE_DIR as SAMPLE } from '../shared-data';
import { CHROMIUM, HAVE_POPPLER } from '../tools';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'out', 'main', 'cli.js');
const PNG_DIR = path.join(ROOT, 'test-results', 'cli-report');
const home = mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-report-'));
const MODEL = path.join(home, 'model');
const SCREEN_DIR = path.join(home, 'candidates');
const RESULTS = path.join(home, 'results.csv');
const ENV = { ...process.env, MTCGCNN_HOME: home, NO_COLOR: '1' };
const FE = 'formation_energy_per_atom_eV';
const BG = 'band_gap_eV';
afterAll(() => rmSync(home, { recursive: true, force: true }));

function mtcgcnn(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: ENV, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}


/** PDF text with runs of whitespace collapsed (table cells and wrapped lines become single spaces). */
function pdfText(pdf: string): string {
  return execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

function pageOnePng(pdf: string, name: string): string {
  mkdirSync(PNG_DIR, { recursive: true });
  const prefix = path.join(PNG_DIR, name);
  execFileSync('pdftoppm', ['-r', '70', '-png', '-f', '1', '-l', '1', '-singlefile', pdf, prefix]);
  return `${prefix}.png`;
}

describe.skipIf(!HAVE_SAMPLE || !CHROMIUM || !HAVE_POPPLER)('mtcgcnn report (built CLI, MT-CGCNN sample)', () => {
  beforeAll(() => {
    const r = mtcgcnn('train', SAMPLE, '--epochs', '2', '--atom-fea', '16', '--conv', '1', '--hidden', '32', '--out', MODEL, '--quiet');
    expect(r.status, r.stderr).toBe(0);
  });

  it('run report: the PDF names the tasks with units and prints the test metrics of the model', () => {
    const pdf = path.join(home, 'run.pdf');
    const r = mtcgcnn('report', MODEL, '--pdf', pdf);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`PDF report written to ${pdf}`);
    const metrics = JSON.parse(readFileSync(path.join(MODEL, 'model.json'), 'utf8')).trainingCard.testMetrics;
    const text = pdfText(pdf);
    expect(text).toContain('Training run report'.toUpperCase());
    for (const t of [FE, BG]) expect(text).toContain(t);
    expect(text).toContain(`${formatSig(metrics.tasks[FE].mae)} eV/atom`);
    expect(text).toContain(`${formatSig(metrics.tasks[BG].mae)} eV`);
    expect(text).toContain(`${formatSig(metrics.tasks[FE].rmse)} eV/atom`);
    expect(existsSync(pageOnePng(pdf, 'run-page1'))).toBe(true);
  });

  it('--out FILE picks the format from the file name, and is not mixed with --pdf/--html', () => {
    const html = path.join(home, 'out-only.html');
    const r = mtcgcnn('report', MODEL, '--out', html);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain(FE);
    expect(existsSync(path.join(home, 'out-only.pdf'))).toBe(false);
    const pdf = path.join(home, 'out.pdf');
    const p = mtcgcnn('report', MODEL, '--out', pdf);
    expect(p.status, p.stderr).toBe(0);
    expect(pdfText(pdf)).toContain(FE);
    expect(existsSync(path.join(home, 'out.html'))).toBe(true);
    const bad = mtcgcnn('report', MODEL, '--out', path.join(home, 'x.txt'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('must end in .pdf or .html');
    const both = mtcgcnn('report', MODEL, '--out', pdf, '--pdf', pdf);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('either --out or --pdf/--html');
  });

  it('screening report: counts, both ends of every ranking with values from the CSV, the failed file', () => {
    mkdirSync(SCREEN_DIR);
    for (const f of readdirSync(SAMPLE).filter((n) => n.endsWith('.cif'))) copyFileSync(path.join(SAMPLE, f), path.join(SCREEN_DIR, f));
    writeFileSync(path.join(SCREEN_DIR, 'zz-broken.cif'), 'data_broken\n_cell_length_a 3.0\n');
    const s = mtcgcnn('screen', SCREEN_DIR, '--model', MODEL, '--out', RESULTS);
    expect(s.status, s.stderr).toBe(3); // finished, one file failed

    const rows = parseCsvText(readFileSync(RESULTS, 'utf8')).records;
    const header = rows[0];
    const data = rows.slice(1);
    const ok = data.filter((r) => r[header.length - 1] === '');
    const broken = data.find((r) => r[0] === 'zz-broken')!;
    expect(broken[header.length - 1]).not.toBe('');
    const fe = ok.map((r) => Number(r[header.indexOf(`${FE} (eV/atom)`)]));
    const bg = ok.map((r) => Number(r[header.indexOf(`${BG} (eV)`)]));
    const ood = ok.filter((r) => r[header.indexOf('out_of_domain')] === 'true').length;

    const pdf = path.join(home, 'screening.pdf');
    const r = mtcgcnn('report', RESULTS, '--model', MODEL, '--pdf', pdf, '--source-dir', SCREEN_DIR);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${data.length} rows: ${ok.length} predicted, 1 failed, ${ood} out of domain`);
    const text = pdfText(pdf);
    expect(text).toContain('SCREENING REPORT');
    for (const t of [FE, BG]) expect(text).toContain(t);
    expect(text).toMatch(new RegExp(`SCREENED PREDICTED FAILED OUT OF DOMAIN ${data.length} ${ok.length} 1 ${ood}`));
    expect(text).toContain('Top 10 candidates: lowest predicted formation energy');
    expect(text).toContain('Top 10 candidates: highest predicted formation energy');
    expect(text).toContain('Top 10 candidates: highest predicted band gap');
    expect(text).toContain('Top 10 candidates: lowest predicted band gap');
    expect(text).toContain(`${formatSig(Math.min(...fe))} eV/atom`);
    expect(text).toContain(`${formatSig(Math.max(...fe))} eV/atom`);
    expect(text).toContain(`${formatSig(Math.max(...bg))} eV`);
    expect(text).toContain(`${formatInt(ok.length)} structures`);
    expect(text).toContain('zz-broken');
    expect(existsSync(pageOnePng(pdf, 'screening-page1'))).toBe(true);
  });

  it('screening report: refuses a CSV written by another model (the shipped default without --model)', () => {
    const none = mtcgcnn('report', RESULTS, '--html', path.join(home, 'y.html'));
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/using the shipped default model/);
    expect(none.stderr).toMatch(/was not written by the model .*give the model that screened it with --model/);
    const other = path.join(home, 'other');
    expect(mtcgcnn('train', SAMPLE, '--tasks', FE, '--epochs', '1', '--atom-fea', '8', '--conv', '1', '--hidden', '8', '--out', other, '--quiet').status).toBe(0);
    const wrong = mtcgcnn('report', RESULTS, '--model', other, '--html', path.join(home, 'x.html'));
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/was not written by the model/);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
  });
});
