import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src-main/core/compute/backend';
import { trainModel } from '../../src-main/core/train/trainer';
import type { TrainOptions, TrainProgress, TrainingData } from '../../src-main/core/train/types';
import { syntheticTrainingData } from '../fixtures/synthetic-training';

function data(n = 48, missing = 0.15): TrainingData {
  return syntheticTrainingData(n, { seed: 11, minAtoms: 2, maxAtoms: 8, maxNeighbors: 12, missing, targetSeed: 4 });
}

const small: TrainOptions = {
  model: { convDim: 8, numConv: 2, hiddenDim: 16 },
  epochs: 3,
  batchSize: 16,
  learningRate: 0.01,
  seed: 7,
  split: { seed: 3 },
};

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mtc-train-'));
}

describe('trainModel', () => {
  beforeAll(async () => {
    await initBackend({ force: 'wasm', skipNative: true });
  });

  it('trains, reports progress, keeps the best epoch and evaluates the test split', async () => {
    const events: TrainProgress[] = [];
    const d = data();
    const r = await trainModel({ ...small, epochs: 4, lrSchedule: { kind: 'constant' } }, d, { onProgress: (p) => events.push(p) });
    expect(r.split.train.length + r.split.val.length + r.split.test.length).toBe(48);
    expect(r.members).toHaveLength(1);
    const h = r.members[0].history;
    expect(h).toHaveLength(4);
    expect(h[3].trainTotal).toBeLessThan(h[0].trainTotal);
    const best = Math.min(...h.map((x) => x.valAverageMae ?? Infinity));
    expect(r.members[0].bestValAverageMae).toBeCloseTo(best, 10);
    expect(r.members[0].bestEpoch).toBe(h.findIndex((x) => x.valAverageMae === best) + 1);
    expect(r.testMetrics?.tasks.band_gap_eV.n).toBeGreaterThan(0);
    // band gap is also scored as metal / non-metal: the confusion matrix covers the test split, and ROC AUC is a
    // number in [0, 1] unless one class is absent from it (then null)
    const gap = r.testMetrics!.tasks.band_gap_eV;
    const c = gap.confusion!;
    expect(c.tp + c.fp + c.tn + c.fn).toBe(gap.n);
    if (c.tp + c.fn > 0 && c.tn + c.fp > 0) {
      expect(gap.roc_auc).toBeGreaterThanOrEqual(0);
      expect(gap.roc_auc).toBeLessThanOrEqual(1);
    } else expect(gap.roc_auc).toBeNull();
    expect(r.validationMetrics?.average_mae).toBeCloseTo(best, 4);
    const train = events.filter((e) => e.phase === 'train');
    // every training batch of every epoch reports one step; a partial last batch is still a step
    expect(train[0].stepsPerEpoch).toBe(Math.ceil(r.split.train.length / small.batchSize!));
    expect(train).toHaveLength(4 * train[0].stepsPerEpoch);
    expect(train.map((e) => e.step).slice(0, train[0].stepsPerEpoch)).toEqual(Array.from({ length: train[0].stepsPerEpoch }, (_, i) => i + 1));
    expect(train[0].perTaskTrainLoss.band_gap_eV).toBeGreaterThan(0);
    expect(Object.keys(train[0].weights)).toEqual(['formation_energy_per_atom_eV', 'band_gap_eV']);
    const ends = events.filter((e) => e.phase === 'epoch-end');
    expect(ends).toHaveLength(4);
    expect(ends[3].valMae?.band_gap_eV).toBeGreaterThan(0);
    expect(ends[3].etaSeconds).toBe(0);
    expect(r.normalizers[0].std).toBeGreaterThan(0);
  });

  it('resumes from a checkpoint to bit-identical weights', async () => {
    const dir = tmp();
    const d = data();
    const opts: TrainOptions = { ...small, lossWeighting: { kind: 'gradnorm' }, weightDecay: 1e-3 };
    const straight = await trainModel({ ...opts, checkpointPath: path.join(dir, 'a.ckpt') }, d);
    const ck = path.join(dir, 'b.ckpt');
    await expect(trainModel({ ...opts, checkpointPath: ck, stopAfterEpochs: 2 }, d)).rejects.toThrow(/cancelled/);
    expect(fs.existsSync(ck)).toBe(true);
    const resumed = await trainModel({ ...opts, checkpointPath: ck }, d);
    expect(resumed.members[0].history).toHaveLength(3);
    const a = straight.members[0].params;
    const b = resumed.members[0].params;
    expect(b.map((x) => x.name)).toEqual(a.map((x) => x.name));
    for (let i = 0; i < a.length; i++) expect(Buffer.from(b[i].data.buffer).equals(Buffer.from(a[i].data.buffer))).toBe(true);
    expect(resumed.members[0].lossWeighting).toEqual(straight.members[0].lossWeighting);
    expect(resumed.members[0].history.map((x) => x.valAverageMae)).toEqual(straight.members[0].history.map((x) => x.valAverageMae));
    // A changed setting refuses the checkpoint.
    await expect(trainModel({ ...opts, learningRate: 0.02, checkpointPath: ck }, d)).rejects.toThrow(/different/);
    fs.rmSync(dir, { recursive: true });
  });

  it('stops on AbortSignal and early-stops on patience', async () => {
    const ac = new AbortController();
    await expect(
      trainModel({ ...small, signal: ac.signal }, data(), { onProgress: (p) => { if (p.step === 2) ac.abort(); } }),
    ).rejects.toThrow(/cancelled/);
    const r = await trainModel({ ...small, epochs: 20, patience: 2, learningRate: 0.5, lrSchedule: { kind: 'constant' } }, data());
    const m = r.members[0];
    if (m.stoppedEarly) {
      expect(m.epochsRun).toBeLessThan(20);
      expect(m.epochsRun - m.bestEpoch).toBe(2);
    } else expect(m.epochsRun).toBe(20);
  });

  it('uncertainty weighting, soft sharing and single-task training run', async () => {
    const d = data(32);
    const unc = await trainModel({ ...small, epochs: 2, lossWeighting: { kind: 'uncertainty' } }, d);
    const w = unc.members[0].history.map((h) => h.weights);
    expect(w[1]).not.toEqual([0.5, 0.5]);
    expect(unc.members[0].lossWeighting.logVariances).toHaveLength(2);
    const soft = await trainModel({ ...small, epochs: 2, model: { ...small.model, sharing: 'soft', softSharingStrength: 0.01 } }, d);
    expect(soft.members[0].params.some((p) => p.name.startsWith('tower1.'))).toBe(true);
    const single = await trainModel({ ...small, epochs: 1 }, { ...d, targets: [d.targets[1]], tasks: [d.tasks[1]] });
    expect(Object.keys(single.testMetrics!.tasks)).toEqual(['band_gap_eV']);
    expect(single.testMetrics!.tasks.band_gap_eV.n).toBeGreaterThan(0);
  });

  it('refuses crystals with elements missing from the element table', async () => {
    const d = data(12);
    const m = d.elementTable.matrix().slice();
    const z = d.graphs[3].atomicNumbers[0];
    m.fill(0, z * 92, (z + 1) * 92);
    await expect(trainModel({ ...small, epochs: 1 }, { ...d, elementTable: { dimension: 92, matrix: () => m } })).rejects.toThrow(
      new RegExp(`Z=${z}, which has no features`),
    );
  });

  it('reference (tfjs ops) path trains to the same first-epoch loss as the fused path', async () => {
    const d = data(24, 0);
    const a = await trainModel({ ...small, epochs: 1, path: 'fused' }, d);
    const b = await trainModel({ ...small, epochs: 1, path: 'reference' }, d);
    expect(b.path).toBe('reference');
    expect(Math.abs(a.members[0].history[0].trainTotal - b.members[0].history[0].trainTotal)).toBeLessThan(1e-3);
  });
});
