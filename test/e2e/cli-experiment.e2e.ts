// `mtcgcnn experiment` as a user runs it (built CLI, after `electron-vite build`) on the 2-task MT-CGCNN sample:
// a run stopped with Ctrl-C after its first job, resumed without redoing finished jobs, and its tables and report.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsvText } from '../../src-main/core/screen/csv-reader';
import { planExperiment, PRESETS } from '../../src-main/core/experiment/plan';
import { HAVE_SAMPLE, SAMPLE_DIR as SAMPLE } from '../shared-data';
import { CHROMIUM, HAVE_POPPLER } from '../tools';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'out', 'main', 'cli.js');
const home = mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-exp-'));
const EXP = path.join(home, 'exp');
const JOBS = path.join(EXP, 'jobs');
const ENV = { ...process.env, MTCGCNN_HOME: home, NO_COLOR: '1' };
const ARGS = ['experiment', SAMPLE, '--preset', 'tiny', '--repeats', '2', '--epochs', '2', '--fractions', '0.3,0.6', '--atom-fea', '16', '--conv', '1', '--hidden', '32', '--out', EXP];
/** 3 models (S1, S2, E1) x 2 repeats + fraction 0.3 x (E1, S1, S2) x 2 repeats; 0.6 reuses the first study. */
const TOTAL = 12;
afterAll(() => rmSync(home, { recursive: true, force: true }));

function mtcgcnn(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: ENV, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jobFiles(): string[] {
  try {
    return readdirSync(JOBS).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

function snapshot(): Record<string, string> {
  return Object.fromEntries(jobFiles().map((f) => [f, readFileSync(path.join(JOBS, f), 'utf8')]));
}

const csvRows = (name: string) => parseCsvText(readFileSync(path.join(EXP, name), 'utf8')).records;

describe.skipIf(!HAVE_SAMPLE)('mtcgcnn experiment (built CLI, MT-CGCNN sample)', () => {
  let stopped: Record<string, string> = {};
  /** Checkpoints of the job that was in flight when the run stopped (after its first epoch). */
  let inFlight: string[] = [];

  it('stops cleanly on Ctrl-C after the first job, keeping the finished jobs', async () => {
    const child = spawn(process.execPath, [CLI, ...ARGS], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Jobs of this size take tens of milliseconds: freeze the process as soon as the first job file appears,
    // then deliver Ctrl-C, so that the stop lands early in the run whatever the machine's speed.
    const t0 = Date.now();
    while (jobFiles().length === 0 && child.exitCode === null && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGSTOP');
    child.kill('SIGINT');
    child.kill('SIGCONT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/stopped after \d+ of 12 jobs .*run the same command again to continue/);
    stopped = snapshot();
    inFlight = readdirSync(path.join(EXP, 'checkpoints')).filter((f) => f.endsWith('.ckpt'));
    const n = Object.keys(stopped).length;
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThan(TOTAL);
    expect(Object.keys(stopped)[0]).toMatch(/^(S1|S2|E1)-r0\.json$/);
    // A partial results.json describes what is done so far.
    const partial = JSON.parse(readFileSync(path.join(EXP, 'results.json'), 'utf8'));
    expect(partial).toMatchObject({ complete: false, totalJobs: TOTAL });
    expect(partial.jobs).toHaveLength(n);
  });

  it('resumes with the same command and does not redo finished jobs', () => {
    const n = Object.keys(stopped).length;
    expect(n).toBeGreaterThan(0);
    const pdf = path.join(home, 'experiment.pdf');
    const withPdf = CHROMIUM !== null && HAVE_POPPLER;
    const r = mtcgcnn(...ARGS, ...(withPdf ? ['--pdf', pdf] : []));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resuming: ${n} of ${TOTAL} jobs already done`);
    const trained = r.stderr.split('\n').filter((l) => /^\[\s*\d+\/12\] /.test(l));
    expect(trained).toHaveLength(TOTAL - n);
    // "[ i/12]" is the job's position in the plan: the trained jobs are exactly the ones that had no file.
    const keys = planExperiment({
      preset: 'tiny',
      tasks: [{ name: 'formation_energy_per_atom_eV', unit: 'eV/atom' }, { name: 'band_gap_eV', unit: 'eV' }],
      repeats: 2,
      baseSeed: 0,
      fractions: [0.3, 0.6],
      train: PRESETS.tiny.train,
    }).jobs.map((j) => j.key);
    const trainedKeys = trained.map((l) => keys[Number(/^\[\s*(\d+)\//.exec(l)![1]) - 1]);
    expect(trainedKeys.sort()).toEqual(keys.filter((k) => !(`${k}.json` in stopped)).sort());
    // The interrupted job continues from its checkpoint instead of starting over.
    for (const c of inFlight) expect(r.stderr).toContain(`resumed from ${path.join(EXP, 'checkpoints', c)} after epoch 1`);
    expect(readdirSync(path.join(EXP, 'checkpoints'))).toEqual([]);
    const after = snapshot();
    expect(Object.keys(after)).toHaveLength(TOTAL);
    for (const [f, text] of Object.entries(stopped)) expect(after[f], f).toBe(text);
    // Every line of progress has an ETA; stdout has Tables 1 and 2.
    expect(trained.every((l) => /ETA [\d.]+/.test(l))).toBe(true);
    expect(r.stdout).toContain('### Table 1. Average test MAE per task combination');
    if (withPdf) {
      const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
      expect(text).toContain('Table 1. Average test MAE per task combination');
      expect(text).toContain('Table 3. Test MAE against training-set size');
    }
  });

  it('writes results.json and the tables with the right rows', () => {
    const results = JSON.parse(readFileSync(path.join(EXP, 'results.json'), 'utf8'));
    expect(results).toMatchObject({ format: 'crystal-property-studio/experiment-results', complete: true, totalJobs: TOTAL, missingJobs: [] });
    expect(results.jobs).toHaveLength(TOTAL);
    expect(results.settings.tasks.map((t: { name: string }) => t.name)).toEqual(['formation_energy_per_atom_eV', 'band_gap_eV']);
    for (const j of results.jobs) {
      expect(j.test.tasks[j.tasks[0]].mae).toBeGreaterThan(0);
      expect(j.seconds).toBeGreaterThan(0);
      expect(j.backend.name).toMatch(/wasm|tensorflow|cpu/);
    }

    const t1 = csvRows('table1_average_mae.csv');
    expect(t1[0]).toEqual(['combination', 'tasks', 'repeats', 'average_mae', 'single_task_average_mae', 'improvement_pct']);
    expect(t1.slice(1).map((r) => [r[0], r[1], r[2]])).toEqual([
      ['S1', 'formation_energy_per_atom_eV', '2'],
      ['S2', 'band_gap_eV', '2'],
      ['E1', 'formation_energy_per_atom_eV + band_gap_eV', '2'],
    ]);
    expect(Number(t1[3][3])).toBeGreaterThan(0);
    expect(Number.isFinite(Number(t1[3][5]))).toBe(true);

    const t2 = csvRows('table2_mae_per_property.csv');
    expect(t2.slice(1).map((r) => r[0])).toEqual(['S1', 'S2', 'E1']);
    expect(t2[0].slice(3)).toEqual(['formation_energy_per_atom_eV_mae_mean', 'formation_energy_per_atom_eV_mae_std', 'band_gap_eV_mae_mean', 'band_gap_eV_mae_std']);
    expect(t2[3].slice(3).every((x) => Number(x) >= 0 && x !== '')).toBe(true);

    const t3 = csvRows('table3_mae_vs_fraction.csv');
    expect(t3.slice(1).map((r) => `${r[0]} @ ${r[1]}: ${r[2]} crystals, ${r[3]} repeats`)).toEqual([
      'MT-CGCNN (all tasks) @ 0.3: 30 crystals, 2 repeats',
      'MT-CGCNN (all tasks) @ 0.6: 60 crystals, 2 repeats',
      'CGCNN (single-task) @ 0.3: 30 crystals, 2 repeats',
      'CGCNN (single-task) @ 0.6: 60 crystals, 2 repeats',
    ]);
    // The 0.6 point of the study is the first study's models: same numbers as Table 2.
    expect(t3[2][4]).toBe(t2[3][3]);
    expect(t3[4][6]).toBe(t2[2][5]);

    const t4 = csvRows('table4_spearman_auc_vs_fraction.csv');
    expect(t4[0].slice(-2)).toEqual(['band_gap_eV_auc_mean', 'band_gap_eV_auc_std']);
    expect(t4).toHaveLength(5);

    const md = readFileSync(path.join(EXP, 'tables.md'), 'utf8');
    for (const t of ['Table 1.', 'Table 2.', 'Table 3.', 'Table 4.']) expect(md).toContain(t);
    for (const f of ['table1_average_mae.md', 'table2_mae_per_property.md', 'table3_mae_vs_fraction.md', 'table4_spearman_auc_vs_fraction.md']) {
      expect(readFileSync(path.join(EXP, f), 'utf8')).toMatch(/^### Table \d/);
    }
    expect(readFileSync(path.join(EXP, 'report.html'), 'utf8')).toContain('Experiment report');
  });

  it('stopping and resuming gives exactly the results of an uninterrupted run', () => {
    const straight = path.join(home, 'straight');
    const r = mtcgcnn(...ARGS.map((a) => (a === EXP ? straight : a)));
    expect(r.status, r.stderr).toBe(0);
    for (const f of jobFiles()) {
      const resumed = JSON.parse(readFileSync(path.join(JOBS, f), 'utf8'));
      const once = JSON.parse(readFileSync(path.join(straight, 'jobs', f), 'utf8'));
      expect(resumed.test, f).toEqual(once.test);
      expect(resumed.specHash).toBe(once.specHash);
    }
  });

  it('report EXP_DIR re-renders the experiment report; a finished experiment trains nothing; other settings are refused', () => {
    const html = path.join(home, 'again.html');
    const rep = mtcgcnn('report', EXP, '--html', html);
    expect(rep.status, rep.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('Table 2. Test MAE per property');

    const again = mtcgcnn(...ARGS);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain(`resuming: ${TOTAL} of ${TOTAL} jobs already done`);
    expect(again.stderr).not.toMatch(/^\[\s*\d+\/12\] /m);

    const other = mtcgcnn(...ARGS.map((a, i) => (ARGS[i - 1] === '--epochs' ? '3' : a)));
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/made with other settings or data \(S1-r0: epochs 2 -> 3/);
  });
});
