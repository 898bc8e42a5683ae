/**
 * Task metadata, classification tasks, the regression loss options and transfer learning (issue 13).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/core/compute/backend';
import { DEFAULT_GRAPH_SETTINGS } from '../../src-main/core/graph/crystal-graph';
import { binaryMetrics, chooseThreshold, f1Score } from '../../src-main/core/metrics/classification';
import { chooseDecisionThresholds, evaluatePredictions } from '../../src-main/core/metrics/summary';
import { readableColumnName, taskDefaults } from '../../src-shared/task-kind';
import { resolveTask, taskLabel } from '../../src-main/core/model/config';
import { taskOutput } from '../../src-main/core/model/task-output';
import { buildTrainingTasks } from '../../src-main/core/featurize/labelled-dataset';
import type { DatasetScan } from '../../src-main/core/dataset';
import { HUBER_DELTA, maskCounts, maskedTaskLoss } from '../../src-main/core/train/loss';
import { trainModel } from '../../src-main/core/train/trainer';
import { TransferError, type TransferSource, isConvParam, transferRecords } from '../../src-main/core/train/transfer';
import type { TrainOptions, TrainResult, TrainingData } from '../../src-main/core/train/types';
import { syntheticElementTable, syntheticGraphs, syntheticTargets } from '../fixtures/synthetic-training';
import { outputLayout, predictionRow } from '../../src-main/core/screen/columns';

describe('task metadata', () => {
  it('gives known columns their display name, kind and sign', () => {
    expect(taskDefaults('band_gap_eV')).toEqual({ displayName: 'Band gap', kind: 'regression', nonNegative: true });
    expect(taskDefaults('formation_energy_per_atom_eV')).toEqual({ displayName: 'Formation energy', kind: 'regression', nonNegative: false });
    expect(taskDefaults('efermi_eV')).toEqual({ displayName: 'Fermi energy', kind: 'regression', nonNegative: false });
    expect(taskDefaults('is_metal')).toEqual({ displayName: 'Metal / non-metal', kind: 'classification', nonNegative: false });
  });

  it('makes a readable name from an unknown column', () => {
    expect(readableColumnName('lattice_thermal_conductivity_W')).toBe('Lattice thermal conductivity W');
    expect(readableColumnName('my_energy_eV_atom')).toBe('My energy');
    expect(readableColumnName('target_1')).toBe('Target 1');
    expect(taskDefaults('piezo_coefficient_GPa').displayName).toBe('Piezo coefficient');
  });

  it('resolves stored tasks (old bundles have name and unit only) and labels them for people', () => {
    expect(resolveTask({ name: 'band_gap_eV', unit: 'eV' })).toMatchObject({ kind: 'regression', displayName: 'Band gap', nonNegative: true });
    expect(resolveTask({ name: 'x', unit: '', nonNegative: true }).nonNegative).toBe(true);
    expect(resolveTask({ name: 'is_metal', unit: '' })).toMatchObject({ kind: 'classification', unit: 'probability', nonNegative: false });
    expect(taskLabel({ name: 'band_gap_eV', unit: 'eV' })).toBe('Band gap (eV)');
    expect(taskLabel({ name: 'is_metal', unit: '', kind: 'classification' })).toBe('Metal / non-metal (probability)');
  });

  it('clamps non-negative regressions at 0 and maps logits to probabilities', () => {
    const gap = taskOutput({ name: 'band_gap_eV', unit: 'eV' }, { mean: 1, std: 2 });
    expect(gap(-1)).toBe(0);
    expect(gap(0.5)).toBeCloseTo(2, 12);
    const fe = taskOutput({ name: 'formation_energy_per_atom_eV', unit: 'eV/atom' }, { mean: 1, std: 2 });
    expect(fe(-1)).toBeCloseTo(-1, 12);
    const p = taskOutput({ name: 'is_metal', unit: '' }, { mean: 0, std: 1 });
    expect(p(0)).toBe(0.5);
    expect(p(Math.log(3))).toBeCloseTo(0.75, 12);
  });
});

describe('classification metrics and thresholds', () => {
  it('chooses the most accurate threshold and keeps the preferred one when a class is missing', () => {
    // positives score 0.6..0.9, negatives 0.1..0.4 except one at 0.7
    const labels = [true, true, true, true, false, false, false, false];
    const scores = [0.6, 0.7, 0.8, 0.9, 0.1, 0.2, 0.4, 0.7];
    const t = chooseThreshold(labels, scores, 0.5);
    expect(t).toBeCloseTo(0.5, 12); // (0.4 + 0.6) / 2: 7 of 8 right; every other cut is worse
    expect(chooseThreshold([true, true], [0.1, 0.2], 0.025)).toBe(0.025);
    const m = binaryMetrics(labels.map((l) => (l ? 1 : 0)), scores, t);
    expect(m.confusion).toEqual({ tp: 4, fp: 1, tn: 3, fn: 0 });
    expect(m.accuracy).toBe(7 / 8);
    expect(m.f1).toBeCloseTo(8 / 9, 12);
    expect(f1Score({ tp: 0, fp: 0, tn: 3, fn: 0 })).toBeNaN();
  });

  it('moves a regressed gap\'s metal cut to where validation says, and reports classification tasks as such', () => {
    const tasks = [{ name: 'band_gap_eV', unit: 'eV' }, { name: 'is_metal', unit: 'probability', kind: 'classification' as const }];
    // true gaps: 3 metals (0) and 3 non-metals; predicted gaps of metals are biased up to 0.1-0.2 eV.
    const gapTrue = [0, 0, 0, 1, 2, 0.5];
    const gapPred = [0.1, 0.15, 0.2, 0.9, 1.8, 0.6];
    const metal = [1, 1, 1, 0, 0, 0];
    const prob = [0.9, 0.8, 0.4, 0.3, 0.1, 0.2];
    const th = chooseDecisionThresholds(tasks, [gapTrue, metal], [gapPred, prob]);
    expect(th.band_gap_eV).toBeCloseTo(0.4, 12); // between 0.2 and 0.6
    expect(th.is_metal).toBeCloseTo(0.35, 12); // between 0.3 and 0.4
    const fixed = evaluatePredictions(tasks, [gapTrue, metal], [gapPred, prob]);
    expect(fixed.tasks.band_gap_eV.accuracy).toBe(0.5); // the 0.025 eV cut calls every metal a non-metal
    const chosen = evaluatePredictions(tasks, [gapTrue, metal], [gapPred, prob], { decisionThresholds: th });
    expect(chosen.tasks.band_gap_eV.accuracy).toBe(1);
    expect(chosen.tasks.band_gap_eV.decision_threshold).toBeCloseTo(0.4, 12);
    const c = chosen.tasks.is_metal;
    expect(c.kind).toBe('classification');
    expect(c.mae).toBeNull();
    expect(c.roc_auc).toBe(1);
    expect(c.accuracy).toBe(1);
    expect(chosen.average_mae).toBe(chosen.tasks.band_gap_eV.mae); // probabilities do not enter the MAE average
  });
});

describe('regression losses and the logistic loss', () => {
  beforeAll(async () => {
    await initBackend({ force: 'wasm', skipNative: true });
  });

  it('computes masked per-task L1, Huber, MSE and binary cross-entropy', () => {
    const pred = tf.tensor2d([0.5, 2, -3, 0, 1, 4], [3, 2]);
    const target = tf.tensor2d([0, 1, 0, 0, 0, 1], [3, 2]);
    const maskArr = new Float32Array([1, 1, 1, 1, 0, 1]);
    const mask = tf.tensor2d(maskArr, [3, 2]);
    const inv = tf.tensor1d(maskCounts(maskArr, 2).inv);
    const col0 = [0.5, -3]; // errors of task 0 (third row masked)
    const l1 = maskedTaskLoss('l1', pred, target, mask, inv).dataSync();
    expect(l1[0]).toBeCloseTo((0.5 + 3) / 2, 6);
    const mse = maskedTaskLoss('mse', pred, target, mask, inv).dataSync();
    expect(mse[0]).toBeCloseTo((0.25 + 9) / 2, 5);
    const hub = maskedTaskLoss('huber', pred, target, mask, inv).dataSync();
    const h = (e: number): number => (Math.abs(e) <= HUBER_DELTA ? (0.5 * e * e) / HUBER_DELTA : Math.abs(e) - 0.5 * HUBER_DELTA);
    expect(hub[0]).toBeCloseTo((h(col0[0]) + h(col0[1])) / 2, 6);
    const bce = maskedTaskLoss('mse', pred, target, mask, inv, tf.tensor1d([0, 1])).dataSync();
    const ce = (z: number, y: number): number => Math.log(1 + Math.exp(-z)) * y + Math.log(1 + Math.exp(z)) * (1 - y);
    expect(bce[1]).toBeCloseTo((ce(2, 1) + ce(0, 0) + ce(4, 1)) / 3, 5);
    expect(bce[0]).toBeCloseTo(mse[0], 6); // the regression column keeps its loss
  });
});

function scanOf(columns: { name: string; unit: string }[]): DatasetScan {
  return { dir: '/d', idPropFile: '/d/id_prop.csv', tasks: columns.map((c, i) => ({ ...c, column: i + 1 })) } as unknown as DatasetScan;
}

describe('buildTrainingTasks', () => {
  const scan = scanOf([{ name: 'formation_energy_per_atom_eV', unit: 'eV/atom' }, { name: 'band_gap_eV', unit: 'eV' }, { name: 'stable', unit: '' }]);
  const labels = [Float64Array.from([-1, 0.2, NaN]), Float64Array.from([0, 1.5, NaN]), Float64Array.from([1, 0, 1])];

  it('derives is_metal from the band gap and records how', () => {
    const t = buildTrainingTasks(scan, labels, { tasks: ['formation', 'band_gap_eV'], classify: ['is_metal=band_gap_eV<0.025'] });
    expect(t.tasks.map((x) => x.name)).toEqual(['formation_energy_per_atom_eV', 'band_gap_eV', 'is_metal']);
    expect(t.tasks[2]).toMatchObject({ kind: 'classification', unit: 'probability', derivedFrom: { column: 'band_gap_eV', below: 0.025 } });
    expect(Array.from(t.targets[2])).toEqual([1, 0, NaN]);
    expect(t.tasks[1].nonNegative).toBe(true);
  });

  it('takes a 0/1 column as a classification and a user column as non-negative, and refuses bad specs', () => {
    const t = buildTrainingTasks(scan, labels, { tasks: ['stable', 'formation_energy_per_atom_eV'], classify: ['stable'], nonNegative: [] });
    expect(t.tasks[0].kind).toBe('classification');
    expect(() => buildTrainingTasks(scan, labels, { tasks: ['band_gap_eV'], classify: ['band_gap_eV'] })).toThrow(/0 and 1 only/);
    expect(() => buildTrainingTasks(scan, labels, { tasks: ['band_gap_eV'], classify: ['x=band_gap_eV>3'] })).toThrow(/NAME=COLUMN<THRESHOLD/);
    expect(() => buildTrainingTasks(scan, labels, { tasks: ['band_gap_eV'], classify: ['stable=band_gap_eV<1'] })).toThrow(/name of a column/);
    const nn = buildTrainingTasks(scan, labels, { tasks: ['formation_energy_per_atom_eV'], nonNegative: ['formation_energy_per_atom_eV'] });
    expect(nn.tasks[0].nonNegative).toBe(true);
  });
});

function data(n = 60): TrainingData {
  const graphs = syntheticGraphs(n, { seed: 11, minAtoms: 2, maxAtoms: 8, maxNeighbors: 12 });
  const matrix = syntheticElementTable(92);
  const [fe, gap] = syntheticTargets(graphs, 2, 0, 4);
  const g = Float64Array.from(gap, (x) => Math.max(0, x));
  return {
    graphs,
    targets: [fe, g, Float64Array.from(g, (x) => (x < 0.5 ? 1 : 0))],
    tasks: [
      { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' }, { name: 'band_gap_eV', unit: 'eV' },
      { name: 'is_metal', unit: 'probability', kind: 'classification', derivedFrom: { column: 'band_gap_eV', below: 0.5 } },
    ],
    elementTable: { dimension: 92, matrix: () => matrix },
    graphSettings: DEFAULT_GRAPH_SETTINGS,
    datasetName: 'synthetic',
  };
}

const small: TrainOptions = { model: { convDim: 8, numConv: 2, hiddenDim: 16 }, epochs: 2, batchSize: 16, learningRate: 0.01, seed: 7, split: { seed: 3 } };

function sourceOf(r: TrainResult, d: TrainingData): TransferSource {
  return {
    name: 'source', dir: '/nowhere', config: r.config, graphSettings: d.graphSettings, elementMatrix: d.elementTable.matrix(),
    elementDimension: 92, normalizers: r.normalizers, members: r.members.map((m) => m.params),
  };
}

describe('training with a classification task and from a trained model', () => {
  let source: TrainResult;
  beforeAll(async () => {
    await initBackend({ force: 'wasm', skipNative: true });
    const d = data();
    source = await trainModel({ ...small, loss: 'huber' }, { ...d, targets: [d.targets[0]], tasks: [d.tasks[0]] });
  });

  it('trains regression and classification heads together and chooses thresholds on validation', async () => {
    const r = await trainModel({ ...small, loss: 'l1', warmupEpochs: 0.5 }, data());
    expect(r.trainOptions.loss).toBe('l1');
    expect(r.trainOptions.lrSchedule).toMatchObject({ kind: 'cosine', warmupEpochs: 0.5 });
    expect(r.config.tasks[2]).toMatchObject({ kind: 'classification', displayName: 'Metal / non-metal' });
    expect(r.normalizers[2]).toEqual({ mean: 0, std: 1 });
    const probs = Array.from(r.testPredictions[2]);
    expect(probs.every((p) => p > 0 && p < 1)).toBe(true);
    expect(Array.from(r.testPredictions[1]).every((g) => g >= 0)).toBe(true);
    expect(Object.keys(r.decisionThresholds).sort()).toEqual(['band_gap_eV', 'is_metal']);
    expect(r.testMetrics!.tasks.is_metal.kind).toBe('classification');
    expect(r.testMetrics!.tasks.is_metal.decision_threshold).toBe(r.decisionThresholds.is_metal);
  });

  it('refuses labels that are not 0/1 for a classification task', async () => {
    const d = data();
    const bad = { ...d, targets: [d.targets[0], d.targets[1], d.targets[1]] };
    await expect(trainModel(small, bad)).rejects.toThrow(/is not 0 or 1/);
  });

  it('keeps the trunk and the heads of known tasks, adds new heads, and can freeze the convolutions', async () => {
    const d = data();
    const src = sourceOf(source, d);
    const config = { ...source.config, tasks: [d.tasks[1], d.tasks[0]] };
    const recs = transferRecords(src, config, 0);
    const names = new Set(recs.map((r) => r.name));
    expect(names.has('conv0.w_self')).toBe(true);
    expect(names.has('head1.out.w')).toBe(true); // formation energy, now task 1, keeps its head
    expect(names.has('head0.out.w')).toBe(false); // the band gap is new
    const srcHead = source.members[0].params.find((p) => p.name === 'head0.out.w')!;
    expect(Array.from(recs.find((r) => r.name === 'head1.out.w')!.data)).toEqual(Array.from(srcHead.data));

    const r = await trainModel(
      { ...small, transfer: { source: src, freezeConvs: true, trunkLrFactor: 0.5 } },
      { ...d, targets: [d.targets[1], d.targets[0]], tasks: [d.tasks[1], d.tasks[0]] },
    );
    expect(r.trainOptions.transfer).toEqual({ from: 'source', freezeConvs: true, trunkLrFactor: 0.5 });
    expect(r.normalizers[1]).toEqual(source.normalizers[0]); // the kept head keeps its target scaling
    const before = new Map(source.members[0].params.map((p) => [p.name, p.data]));
    for (const p of r.members[0].params) {
      if (!isConvParam(p.name) || p.name.endsWith('.mean') || p.name.endsWith('.var')) continue;
      expect(Array.from(p.data), p.name).toEqual(Array.from(before.get(p.name)!));
    }
    const moved = r.members[0].params.find((p) => p.name === 'head1.fc0.w')!;
    expect(Array.from(moved.data)).not.toEqual(Array.from(before.get('head0.fc0.w')!));
  });

  it('names the mismatch when the source was built differently', async () => {
    const d = data();
    const src = sourceOf(source, d);
    const other = { ...src, graphSettings: { ...d.graphSettings, radiusAngstrom: 6 } };
    await expect(trainModel({ ...small, transfer: { source: other } }, d)).rejects.toThrow(/radiusAngstrom = 6/);
    await expect(trainModel({ ...small, model: { convDim: 16, numConv: 2, hiddenDim: 16 }, transfer: { source: src } }, d)).rejects.toThrow(TransferError);
    await expect(trainModel({ ...small, model: { convDim: 16, numConv: 2, hiddenDim: 16 }, transfer: { source: src } }, d)).rejects.toThrow(/convDim = 8, this run 16/);
  });
});

describe('screening columns', () => {
  it('calls metals from the classifier probability at the model\'s threshold, else from the gap', () => {
    const tasks = [{ name: 'band_gap_eV', unit: 'eV' }, { name: 'is_metal', unit: 'probability', kind: 'classification' as const }];
    const layout = outputLayout({ tasks, ensembleSize: 1, decisionThresholds: { is_metal: 0.3, band_gap_eV: 0.2 } });
    expect(layout.header).toContain('is_metal (probability)');
    expect(layout.metalRule).toBe('probability-above');
    const row = (gap: number, p: number): string => predictionRow(layout, { id: 'a', file: 'a.cif', formula: 'X', numAtoms: 1, mean: [gap, p], outOfDomain: false })[layout.header.indexOf('metal')];
    expect(row(1.0, 0.4)).toBe('metal');
    expect(row(0.0, 0.2)).toBe('non-metal');
    const gapOnly = outputLayout({ tasks: [tasks[0]], ensembleSize: 1, decisionThresholds: { band_gap_eV: 0.2 } });
    expect(gapOnly.metalRule).toBe('gap-below');
    expect(gapOnly.metalThreshold).toBe(0.2);
    expect(outputLayout({ tasks: [tasks[0]], ensembleSize: 1, decisionThresholds: undefined }).metalThreshold).toBe(0.025);
  });
});
