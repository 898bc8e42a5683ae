// Table maths of the experiment: results from job records, the four tables (CSV and Markdown), the report input.
import { describe, expect, it } from 'vitest';
import {
  collectResults,
  experimentReport,
  experimentTables,
  MT_SERIES,
  planExperiment,
  PRESETS,
  ST_SERIES,
  tableCsv,
  tableMarkdown,
  tablesMarkdown,
  type ExperimentDatasetInfo,
  type JobRecord,
} from '../../src-main/core/experiment';
import { parseCsvText } from '../../src-main/core/screen/csv-reader';
import { renderExperimentReportHtml } from '../../src-main/core/report/html';

const TASKS = [
  { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
  { name: 'band_gap_eV', unit: 'eV' },
];
const plan = planExperiment({ preset: 'tiny', tasks: TASKS, repeats: 2, baseSeed: 0, fractions: [0.3, 0.6], train: PRESETS.tiny.train });

/** Test MAE of each (job, task), chosen so that every statistic below is easy to check by hand. */
const MAE: Record<string, Record<string, number>> = {
  'S1-r0': { formation_energy_per_atom_eV: 0.1 },
  'S1-r1': { formation_energy_per_atom_eV: 0.3 },
  'S2-r0': { band_gap_eV: 0.4 },
  'S2-r1': { band_gap_eV: 0.6 },
  'E1-r0': { formation_energy_per_atom_eV: 0.1, band_gap_eV: 0.4 },
  'E1-r1': { formation_energy_per_atom_eV: 0.1, band_gap_eV: 0.4 },
  'F0.3-E1-r0': { formation_energy_per_atom_eV: 0.5, band_gap_eV: 1.0 },
  'F0.3-E1-r1': { formation_energy_per_atom_eV: 0.7, band_gap_eV: 1.2 },
  'F0.3-S1-r0': { formation_energy_per_atom_eV: 0.6 },
  'F0.3-S1-r1': { formation_energy_per_atom_eV: 0.6 },
  'F0.3-S2-r0': { band_gap_eV: 1.5 },
  'F0.3-S2-r1': { band_gap_eV: 1.7 },
};

function record(key: string): JobRecord {
  const job = plan.jobs.find((j) => j.key === key)!;
  const tasks = Object.fromEntries(
    job.tasks.map((t) => [
      t,
      { n: 20, mae: MAE[key][t], rmse: 1, r2: 0.5, spearman: t === 'band_gap_eV' ? 0.5 + job.repeat * 0.2 : 0.9, unit: t === 'band_gap_eV' ? 'eV' : 'eV/atom', ...(t === 'band_gap_eV' ? { roc_auc: 0.8 + job.repeat * 0.1, threshold: 0.025 } : {}) },
    ]),
  );
  return {
    format: 'crystal-property-studio/experiment-job',
    formatVersion: 1,
    key,
    study: job.study,
    combination: job.combination,
    tasks: job.tasks,
    repeat: job.repeat,
    seed: job.seed,
    trainFraction: job.trainFraction,
    specHash: '0'.repeat(16),
    spec: { tasks: job.tasks, seed: job.seed, trainFraction: job.trainFraction, train: PRESETS.tiny.train, datasetHash: 'h' },
    trainSize: job.trainFraction === 0.6 ? 60 : 30,
    valSize: 20,
    testSize: 20,
    test: { tasks, average_mae: null },
    validationAverageMae: null,
    bestEpoch: 1,
    epochsRun: 2,
    seconds: 1.5,
    backend: { name: 'wasm', description: 'WebAssembly' },
    computePath: 'fused',
    finishedAt: '2026-01-01T00:00:00.000Z',
  };
}

const dataset: ExperimentDatasetInfo = {
  name: 'sample',
  dir: '/d/sample',
  contentHash: 'h',
  crystals: 100,
  failed: 0,
  labelsPerTask: { formation_energy_per_atom_eV: 100, band_gap_eV: 100 },
  split: { train: 60, val: 20, test: 20 },
  graph: { radiusAngstrom: 8, maxNeighbors: 12 },
};
const results = collectResults(plan, plan.jobs.map((j) => record(j.key)), dataset, '1.2.3');
const tables = experimentTables(results);
const csv = (i: number) => parseCsvText(tableCsv(tables[i])).records;

describe('collectResults', () => {
  it('gathers the combination runs and merges the single-task models of the reduced-data study', () => {
    expect(results.complete).toBe(true);
    expect(results.jobs).toHaveLength(12);
    expect(results.trainingSeconds).toBeCloseTo(18);
    expect(results.backends).toEqual(['wasm']);
    expect(results.combinationRuns).toHaveLength(6);
    expect(results.fractionRuns.map((r) => `${r.label}@${r.trainFraction}r${r.repeat}:${r.trainSize}`)).toEqual([
      `${MT_SERIES}@0.3r0:30`, `${ST_SERIES}@0.3r0:30`, `${MT_SERIES}@0.3r1:30`, `${ST_SERIES}@0.3r1:30`,
      `${MT_SERIES}@0.6r0:60`, `${ST_SERIES}@0.6r0:60`, `${MT_SERIES}@0.6r1:60`, `${ST_SERIES}@0.6r1:60`,
    ]);
    // The single-task point merges S1 and S2 of the same fraction and seed; the 0.6 point is the combination job.
    expect(results.fractionRuns[1].mae).toEqual({ formation_energy_per_atom_eV: 0.6, band_gap_eV: 1.5 });
    expect(results.fractionRuns[5].mae).toEqual({ formation_energy_per_atom_eV: 0.1, band_gap_eV: 0.4 });
    expect(results.fractionRuns[0].rocAuc).toEqual({ band_gap_eV: 0.8 });
    expect(results.fractionRuns[0].spearman).toEqual({ formation_energy_per_atom_eV: 0.9, band_gap_eV: 0.5 });
  });

  it('reports the jobs still missing', () => {
    const partial = collectResults(plan, plan.jobs.slice(0, 5).map((j) => record(j.key)), dataset, '1.2.3');
    expect(partial.complete).toBe(false);
    expect(partial.missingJobs).toEqual(plan.jobs.slice(5).map((j) => j.key));
    // Fraction 0.6: repeat 0 has E1 and both single-task models, repeat 1 only the single-task models so far.
    expect(partial.fractionRuns.map((r) => `${r.label} r${r.repeat}`)).toEqual([`${MT_SERIES} r0`, `${ST_SERIES} r0`, `${ST_SERIES} r1`]);
    expect(tablesMarkdown(partial, experimentTables(partial))).toContain('**Incomplete:** 7 of 12 jobs');
  });
});

describe('experiment tables', () => {
  it('Table 1: average MAE per combination and the improvement over the single-task models', () => {
    const rows = csv(0);
    expect(rows[0]).toEqual(['combination', 'tasks', 'repeats', 'average_mae', 'single_task_average_mae', 'improvement_pct']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['S1', 'S2', 'E1']);
    // S1 mean 0.2, S2 mean 0.5; E1 means 0.1 and 0.4 -> average 0.25, baseline 0.35, improvement ((0.2-0.1)/0.2 + (0.5-0.4)/0.5)/2 = 35 %.
    expect(Number(rows[1][3])).toBeCloseTo(0.2);
    expect(rows[1][4]).toBe('');
    expect(Number(rows[3][3])).toBeCloseTo(0.25);
    expect(Number(rows[3][4])).toBeCloseTo(0.35);
    expect(Number(rows[3][5])).toBeCloseTo(35);
    expect(rows[3][1]).toBe('formation_energy_per_atom_eV + band_gap_eV');
  });

  it('Table 2: per-property mean and sample standard deviation over repeats', () => {
    const rows = csv(1);
    expect(rows[0]).toEqual(['combination', 'tasks', 'repeats', 'formation_energy_per_atom_eV_mae_mean', 'formation_energy_per_atom_eV_mae_std', 'band_gap_eV_mae_mean', 'band_gap_eV_mae_std']);
    expect(rows[1].slice(3).map(Number).slice(0, 2)).toEqual([0.2, Number((Math.SQRT2 * 0.1).toPrecision(6))]);
    expect(rows[1].slice(5)).toEqual(['', '']);
    expect(rows[3].slice(3).map(Number)).toEqual([0.1, 0, 0.4, 0]);
    const md = tableMarkdown(tables[1]);
    expect(md).toContain('| S1 | formation_energy_per_atom_eV | 2 | 0.200 ± 0.141 eV/atom |  |');
    expect(md).toContain('formation_energy_per_atom_eV MAE (eV/atom)');
  });

  it('Table 3: MAE against the training fraction of the whole dataset, both series', () => {
    const rows = csv(2);
    expect(rows[0].slice(0, 4)).toEqual(['model', 'train_fraction', 'train_crystals', 'repeats']);
    expect(rows.slice(1).map((r) => `${r[0]} ${r[1]} ${r[2]} ${r[3]}`)).toEqual([`${MT_SERIES} 0.3 30 2`, `${MT_SERIES} 0.6 60 2`, `${ST_SERIES} 0.3 30 2`, `${ST_SERIES} 0.6 60 2`]);
    expect(rows[1].slice(4).map(Number)).toEqual([0.6, Number((Math.SQRT2 * 0.1).toPrecision(6)), 1.1, Number((Math.SQRT2 * 0.1).toPrecision(6))]);
    expect(rows[3].slice(4).map(Number)).toEqual([0.6, 0, 1.6, Number((Math.SQRT2 * 0.1).toPrecision(6))]);
  });

  it('Table 4: Spearman for every property, AUC only for the band gap', () => {
    const rows = csv(3);
    expect(rows[0]).toEqual([
      'model', 'train_fraction', 'train_crystals', 'repeats',
      'formation_energy_per_atom_eV_spearman_mean', 'formation_energy_per_atom_eV_spearman_std', 'band_gap_eV_spearman_mean', 'band_gap_eV_spearman_std',
      'band_gap_eV_auc_mean', 'band_gap_eV_auc_std',
    ]);
    expect(Number(rows[1][8])).toBeCloseTo(0.85);
    expect(Number(rows[1][9])).toBeCloseTo(Math.SQRT2 * 0.05, 5);
    expect(Number(rows[1][6])).toBeCloseTo(0.6);
  });

  it('Markdown tables have one cell per header column in every row', () => {
    for (const t of tables) {
      const lines = tableMarkdown(t).split('\n').filter((l) => l.startsWith('|'));
      const cols = lines[0].split(' | ').length;
      expect(lines.length).toBe(t.rows.length + 2);
      for (const l of lines.slice(2)) expect(l.split(' | ').length, `${t.name}: ${l}`).toBe(cols);
    }
  });
});

describe('experimentReport', () => {
  it('gives the report layer fractions of all crystals and the number of trained models, and renders', () => {
    const r = experimentReport(results, { createdIso: '2026-01-01T00:00:00.000Z' });
    // Shares of ALL crystals, as `train --train-fraction` and the CSV tables count them (not of the training part).
    expect(r.fractionRuns!.map((f) => f.trainingFraction)).toEqual([0.3, 0.3, 0.3, 0.3, 0.6, 0.6, 0.6, 0.6]);
    // 12 jobs = 12 models, although there are 6 combination runs + 8 fraction runs (the single-task runs merge two
    // models each, and the 0.6 runs reuse the models of the first study).
    expect(r.trainedModels).toBe(12);
    expect(r.combinationRuns).toHaveLength(6);
    expect(r.appVersion).toBe('1.2.3');
    expect(r.model).toMatchObject({ architecture: { atomFeatures: 16, convLayers: 1, hidden: 32 }, epochs: 2, backend: 'wasm' });
    expect(r.description).toContain('E1 = formation_energy_per_atom_eV + band_gap_eV');
    const html = renderExperimentReportHtml(r);
    expect(html).toContain('Table 3');
    expect(html).toContain('+35.0 %');
    expect(html).toContain('12 trained models');
    expect(html).not.toContain('14 trained models');
    // Learning-curve axis, tables and caption: 30 % and 60 % of all 100 crystals, never 50 % / 100 % of the training part.
    expect(html).toContain('Training data (share of all crystals)');
    expect(html).toContain('Training data (% of all crystals)');
    expect(html).toContain('Models trained on 30 %, 60 % of all 100 crystals');
    expect(html).toMatch(/<td class="num">30 %<\/td>/);
    expect(html).toMatch(/<td class="num">60 %<\/td>/);
    expect(html).not.toMatch(/<td class="num">(50|100) %<\/td>/);
  });
});
