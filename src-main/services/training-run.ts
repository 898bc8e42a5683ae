/**
 * Everything a finished training leaves on disk: the model bundle (model.json + weights) and its run record
 * (training-run.json: history, test-split predictions), which reports and the app read back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { elementSymbol } from '../core/crystal/elements';
import { reducedFormulaOf } from '../core/crystal/structure';
import type { CrystalGraph } from '../core/graph/crystal-graph';
import { saveBundle, type ModelDomain, type ModelJson } from '../core/model/bundle';
import type { TrainingData, TrainResult } from '../core/train';
import { writeFileAtomicSync } from '../core/fs/atomic-write';
import { checkpointFiles } from '../core/train/checkpoint';
import { TEST_PREDICTIONS_FILE, testPredictionsRecord } from '../core/catalogue/test-predictions';

export const RUN_RECORD_FILE = 'training-run.json';

export interface TrainingRunRecord {
  format: 'crystal-property-studio/training-run';
  formatVersion: 1;
  tasks: { name: string; unit: string }[];
  backend: { name: string; description: string };
  computePath: string;
  durationSeconds: number;
  startedAt: string;
  finishedAt: string;
  split: { seed: number | null; train: number; val: number; test: number };
  history: TrainResult['members'][number]['history'][];
  test: { ids: string[]; formulas: string[]; numAtoms: number[]; true: (number | null)[][]; pred: number[][] };
  extra: Record<string, unknown>;
}

/** Elements and cell sizes of the training split. */
export function trainingDomain(graphs: readonly CrystalGraph[], train: ArrayLike<number>): ModelDomain {
  const zs = new Set<number>();
  let minAtoms = Infinity;
  let maxAtoms = 0;
  for (let k = 0; k < train.length; k++) {
    const g = graphs[train[k]];
    for (const z of g.atomicNumbers) zs.add(z);
    minAtoms = Math.min(minAtoms, g.numAtoms);
    maxAtoms = Math.max(maxAtoms, g.numAtoms);
  }
  return { elements: [...zs].sort((a, b) => a - b).map(elementSymbol), minAtoms: Number.isFinite(minAtoms) ? minAtoms : 0, maxAtoms };
}

export function saveTrainedModel(
  dir: string,
  result: TrainResult,
  data: TrainingData,
  graphs: readonly CrystalGraph[],
  extra: Record<string, unknown> = {},
): { model: ModelJson; record: TrainingRunRecord } {
  const model = saveBundle(dir, result, data, { extraCard: extra, domain: trainingDomain(graphs, result.split.train) });
  const test = Array.from(result.split.test);
  const record: TrainingRunRecord = {
    format: 'crystal-property-studio/training-run',
    formatVersion: 1,
    tasks: data.tasks.map((t) => ({ name: t.name, unit: t.unit })),
    backend: { name: result.backend.name, description: result.backend.description },
    computePath: result.path,
    durationSeconds: result.durationSeconds,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    split: { seed: result.split.seed, train: result.split.train.length, val: result.split.val.length, test: test.length },
    history: result.members.map((m) => m.history),
    test: {
      ids: test.map((i) => graphs[i].id),
      formulas: test.map((i) => reducedFormulaOf(graphs[i].atomicNumbers)),
      numAtoms: test.map((i) => graphs[i].numAtoms),
      true: data.targets.map((col) => test.map((i) => (Number.isNaN(col[i]) ? null : col[i]))),
      pred: result.testPredictions.map((col) => Array.from(col)),
    },
    extra,
  };
  writeFileAtomicSync(path.join(dir, RUN_RECORD_FILE), JSON.stringify(record));
  const compact = testPredictionsRecord(
    { seed: result.split.seed, test: test.length }, record.test.ids, data.tasks, result.testPredictions, 'training', result.finishedAt,
  );
  writeFileAtomicSync(path.join(dir, TEST_PREDICTIONS_FILE), JSON.stringify(compact));
  // A finished run needs no checkpoint; removing both generations (and the members') makes a re-run start fresh.
  const base = path.join(dir, 'checkpoint.bin');
  const files = [base, ...result.members.map((_, k) => `${base}.m${k}`)].flatMap(checkpointFiles);
  for (const f of files) fs.rmSync(f, { force: true });
  return { model, record };
}

export function readTrainingRun(dir: string): TrainingRunRecord | undefined {
  const file = path.join(dir, RUN_RECORD_FILE);
  if (!fs.existsSync(file)) return undefined;
  const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainingRunRecord;
  if (rec.format !== 'crystal-property-studio/training-run') throw new Error(`${file} is not a training run record`);
  return rec;
}
