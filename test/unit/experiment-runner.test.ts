// The experiment runner with a fake trainer: job files, skipping finished jobs, stopping and resuming,
// refusing results of other settings, the per-job checkpoint path, results.json and the outputs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ExperimentCancelledError,
  ExperimentConflictError,
  jobFile,
  lockExperimentDir,
  planExperiment,
  PRESETS,
  readResultsJson,
  runExperiment,
  runExperimentInDir,
  type ExperimentDataset,
  type ExperimentSettings,
  type Trainer,
} from '../../src-main/core/experiment';
import { splitIndices } from '../../src-main/core/metrics/split';
import type { CrystalGraph } from '../../src-main/core/graph/crystal-graph';
import { DEFAULT_GRAPH_SETTINGS } from '../../src-main/core/graph/crystal-graph';
import type { TrainOptions, TrainResult } from '../../src-main/core/train/types';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'exp-runner-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const N = 50;
const TASKS = [
  { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
  { name: 'band_gap_eV', unit: 'eV' },
];

const data: ExperimentDataset = {
  name: 'fake',
  dir: '/data/fake',
  contentHash: 'hash-1',
  graphs: Array.from({ length: N }, (_, i) => ({ id: String(i), numAtoms: 2 }) as unknown as CrystalGraph),
  labels: { formation_energy_per_atom_eV: Float64Array.from({ length: N }, (_, i) => -i / 10), band_gap_eV: Float64Array.from({ length: N }, (_, i) => (i % 3) * 0.5) },
  elementTable: { dimension: 1, matrix: () => new Float32Array(119) },
  graphSettings: DEFAULT_GRAPH_SETTINGS,
};

function settings(over: Partial<ExperimentSettings> = {}): ExperimentSettings {
  return { preset: 'tiny', tasks: TASKS, repeats: 2, baseSeed: 0, fractions: [0.3, 0.6], train: PRESETS.tiny.train, ...over };
}

interface Call {
  options: TrainOptions;
  tasks: string[];
}

/** A trainer whose test MAE encodes the job: 1 + seed + trainFraction (+ 0.5 for band gap; multi-task 10 % better). */
function fakeTrainer(calls: Call[], opts: { abortAfter?: number; controller?: AbortController } = {}): Trainer {
  return async (options, d) => {
    calls.push({ options, tasks: d.tasks.map((t) => t.name) });
    if (opts.abortAfter !== undefined && calls.length > opts.abortAfter) {
      opts.controller!.abort();
      const e = new Error('training cancelled');
      e.name = 'AbortError';
      throw e;
    }
    const sp = options.split as { seed: number; trainFraction?: number };
    const split = splitIndices(d.graphs.length, sp);
    const f = sp.trainFraction ?? 0.6;
    const factor = d.tasks.length > 1 ? 0.9 : 1;
    const tasks = Object.fromEntries(
      d.tasks.map((t) => {
        const mae = factor * (1 + sp.seed + f + (t.name.startsWith('band') ? 0.5 : 0));
        return [t.name, { n: split.test.length, mae, rmse: mae * 1.2, r2: 0.5, spearman: 0.8 - sp.seed / 10, unit: t.unit, ...(t.name.startsWith('band') ? { roc_auc: 0.9, threshold: 0.025 } : {}) }];
      }),
    );
    return {
      split: { ...split, seed: sp.seed },
      testMetrics: { tasks, average_mae: 1 },
      validationMetrics: { tasks: {}, average_mae: 2 },
      members: [{ history: [{ seconds: 0.25 }, { seconds: 0.25 }], bestEpoch: 1, epochsRun: 2 }],
      backend: { name: 'fake', description: 'fake backend' },
      path: 'fused',
      durationSeconds: 0.6,
    } as unknown as TrainResult;
  };
}

describe('runExperiment', () => {
  it('trains every job once with its own split, seed and checkpoint, and writes one file per job', async () => {
    const dir = path.join(root, 'a');
    const plan = planExperiment(settings());
    const calls: Call[] = [];
    const done: string[] = [];
    const records = await runExperiment(plan, data, { dir, trainer: fakeTrainer(calls) }, { onJobDone: (e) => done.push(`${e.index}/${e.total}:${e.job.key}:${e.etaSeconds !== undefined}`) });
    expect(records.map((r) => r.key)).toEqual(plan.jobs.map((j) => j.key));
    expect(calls).toHaveLength(plan.jobs.length);
    expect(done[0]).toBe(`1/${plan.jobs.length}:S1-r0:true`);
    for (const [i, job] of plan.jobs.entries()) {
      const o = calls[i].options;
      expect(calls[i].tasks).toEqual(job.tasks);
      expect(o.seed).toBe(job.seed);
      expect(o.split).toEqual(job.study === 'fraction' ? { seed: job.seed, trainFraction: job.trainFraction } : { seed: job.seed });
      expect(o.members).toBe(1);
      expect(o.epochs).toBe(PRESETS.tiny.train.epochs);
      expect(o.model).toMatchObject({ convDim: 16, numConv: 1, hiddenDim: 32 });
      expect(o.checkpointPath).toMatch(new RegExp(`checkpoints[\\\\/]${job.key.replace(/\./g, '\\.')}-[0-9a-f]{16}\\.ckpt$`));
      expect(o.resume).toBe(true);
      const rec = JSON.parse(fs.readFileSync(jobFile(dir, job.key), 'utf8'));
      expect(rec).toMatchObject({ key: job.key, tasks: job.tasks, seed: job.seed, trainFraction: job.trainFraction, seconds: 0.5, backend: { name: 'fake' } });
    }
    expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false);
    // Fraction 0.3 of 50 crystals = 15 training crystals; val and test stay 10 + 10.
    expect(records.find((r) => r.key === 'F0.3-E1-r1')).toMatchObject({ trainSize: 15, valSize: 10, testSize: 10 });
    expect(records.find((r) => r.key === 'E1-r1')).toMatchObject({ trainSize: 30, valSize: 10, testSize: 10 });

    // Again: nothing to do, the same records come back.
    const again: Call[] = [];
    let start: unknown;
    const records2 = await runExperiment(plan, data, { dir, trainer: fakeTrainer(again) }, { onStart: (s) => (start = s) });
    expect(again).toHaveLength(0);
    expect(start).toEqual({ total: plan.jobs.length, alreadyDone: plan.jobs.length, remaining: 0 });
    expect(records2).toEqual(records);
  });

  it('stops on the signal with the finished jobs on disk, and the same call resumes with the rest', async () => {
    const dir = path.join(root, 'b');
    const plan = planExperiment(settings());
    const controller = new AbortController();
    const calls: Call[] = [];
    const err = await runExperiment(plan, data, { dir, trainer: fakeTrainer(calls, { abortAfter: 4, controller }), signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExperimentCancelledError);
    expect(err).toMatchObject({ done: 4, total: plan.jobs.length });
    const files = fs.readdirSync(path.join(dir, 'jobs')).sort();
    expect(files).toEqual(plan.jobs.slice(0, 4).map((j) => `${j.key}.json`).sort());
    const before = Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, 'jobs', f), 'utf8')]));

    const rest: Call[] = [];
    await runExperiment(plan, data, { dir, trainer: fakeTrainer(rest) });
    // The job that was interrupted is redone (its checkpoint would be resumed by the real trainer); finished ones are not.
    expect(rest[0].options.checkpointPath).toBe(calls[4].options.checkpointPath);
    expect(rest.map((c) => c.options.seed)).toEqual(plan.jobs.slice(4).map((j) => j.seed));
    expect(rest).toHaveLength(plan.jobs.length - 4);
    for (const f of files) expect(fs.readFileSync(path.join(dir, 'jobs', f), 'utf8')).toBe(before[f]);
  });

  it('refuses to mix results made with other settings or data', async () => {
    const dir = path.join(root, 'c');
    const plan = planExperiment(settings({ repeats: 1, fractions: [] }));
    await runExperiment(plan, data, { dir, trainer: fakeTrainer([]) });
    const longer = planExperiment(settings({ repeats: 1, fractions: [], train: { ...PRESETS.tiny.train, epochs: 3 } }));
    await expect(runExperiment(longer, data, { dir, trainer: fakeTrainer([]) })).rejects.toThrow(ExperimentConflictError);
    await expect(runExperiment(longer, data, { dir, trainer: fakeTrainer([]) })).rejects.toThrow(/epochs 2 -> 3/);
    await expect(runExperiment(plan, { ...data, contentHash: 'hash-2' }, { dir, trainer: fakeTrainer([]) })).rejects.toThrow(/dataset changed/);
    // More repeats only add jobs.
    const more = planExperiment(settings({ repeats: 2, fractions: [] }));
    const calls: Call[] = [];
    await runExperiment(more, data, { dir, trainer: fakeTrainer(calls) });
    expect(calls.map((c) => c.options.seed)).toEqual([1, 1, 1]);
  });

  it('refuses a folder locked by another live process and takes over a stale lock', () => {
    const dir = path.join(root, 'd');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '.lock'), JSON.stringify({ pid: process.ppid }));
    expect(() => lockExperimentDir(dir)).toThrow(/another experiment/);
    fs.writeFileSync(path.join(dir, '.lock'), JSON.stringify({ pid: 2 ** 22 + 12345 }));
    const release = lockExperimentDir(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.lock'), 'utf8')).pid).toBe(process.pid);
    release();
    expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false);
  });
});

describe('runExperimentInDir', () => {
  it('keeps results.json current after every job and writes the tables and the report at the end', async () => {
    const dir = path.join(root, 'e');
    const plan = planExperiment(settings());
    const seen: number[] = [];
    const { results, outputs } = await runExperimentInDir(plan, data, { dir, trainer: fakeTrainer([]), appVersion: '9.9.9' }, {
      onJobDone: () => seen.push(readResultsJson(dir).jobs.length),
    });
    expect(seen).toEqual(plan.jobs.map((_, i) => i + 1));
    expect(results.complete).toBe(true);
    expect(readResultsJson(dir)).toEqual(JSON.parse(JSON.stringify(results)));
    for (const f of ['experiment.json', 'results.json', 'report.html', 'tables.md', 'table1_average_mae.csv', 'table2_mae_per_property.md', 'table3_mae_vs_fraction.csv', 'table4_spearman_auc_vs_fraction.csv']) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    expect(outputs.html).toContain('band_gap_eV');
    expect(outputs.html).toContain('9.9.9');
  });
});
