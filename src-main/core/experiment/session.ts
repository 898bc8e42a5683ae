/**
 * An experiment in a folder, end to end: experiment.json (what was asked), jobs/ (one file per finished job),
 * results.json (refreshed after every job, so a stopped experiment still has its partial results), and at the
 * end the tables and report.html. Used by `mtcgcnn experiment`; the Electron main process can call it with a
 * worker-thread trainer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../fs/atomic-write';
import { REPORT_FILE, TABLES_FILE, writeExperimentOutputs, writeResultsJson, type ExperimentOutputs } from './outputs';
import type { ExperimentPlan } from './plan';
import { collectResults, datasetInfo, RESULTS_FILE, type ExperimentResults } from './results';
import { EXPERIMENT_FORMAT, runExperiment, type ExperimentCallbacks, type ExperimentDataset, type Trainer } from './runner';

export const EXPERIMENT_FILE = 'experiment.json';

export interface ExperimentSessionOptions {
  readonly dir: string;
  readonly trainer: Trainer;
  readonly signal?: AbortSignal;
  readonly appVersion: string;
  /** Report title (default: properties and dataset). */
  readonly title?: string;
}

export async function runExperimentInDir(
  plan: ExperimentPlan,
  data: ExperimentDataset,
  options: ExperimentSessionOptions,
  callbacks: ExperimentCallbacks = {},
): Promise<{ results: ExperimentResults; outputs: ExperimentOutputs }> {
  const { dir } = options;
  fs.mkdirSync(dir, { recursive: true });
  const info = datasetInfo(data, plan.settings);
  writeFileAtomicSync(
    path.join(dir, EXPERIMENT_FILE),
    JSON.stringify(
      {
        format: EXPERIMENT_FORMAT,
        formatVersion: 1,
        writtenAt: new Date().toISOString(),
        appVersion: options.appVersion,
        settings: plan.settings,
        dataset: info,
        combinations: plan.combinations,
        jobs: plan.jobs.map((j) => j.key),
      },
      null,
      1,
    ),
  );
  const records = await runExperiment(plan, data, { dir, trainer: options.trainer, signal: options.signal }, {
    ...callbacks,
    onRecords: (recs) => {
      writeResultsJson(dir, collectResults(plan, recs, info, options.appVersion));
      callbacks.onRecords?.(recs);
    },
  });
  const results = collectResults(plan, records, info, options.appVersion);
  const outputs = writeExperimentOutputs(dir, results, { appVersion: options.appVersion, title: options.title });
  return { results, outputs };
}

/** Removes what an experiment wrote in `dir` (for starting over); other files in the folder are left alone. */
export function clearExperimentDir(dir: string): void {
  for (const sub of ['jobs', 'checkpoints']) fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const ours = new Set([EXPERIMENT_FILE, RESULTS_FILE, REPORT_FILE, TABLES_FILE]);
  for (const n of names) {
    if (ours.has(n) || /^table\d_[a-z_]+\.(csv|md)$/.test(n)) fs.rmSync(path.join(dir, n), { force: true });
  }
}
