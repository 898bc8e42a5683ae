import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src-main/core/compute/backend';
import { DEFAULT_GRAPH_SETTINGS } from '../../src-main/core/graph/crystal-graph';
import { BUNDLE_VERSION, elementTableFromCgcnnJson, elementTableToCgcnnJson, loadBundle, saveBundle } from '../../src-main/core/model/bundle';
import { Predictor } from '../../src-main/core/model/predictor';
import { trainModel } from '../../src-main/core/train/trainer';
import type { TrainResult, TrainingData } from '../../src-main/core/train/types';
import { syntheticElementTable, syntheticGraphs, syntheticTargets } from '../fixtures/synthetic-training';

describe('model bundle and Predictor', () => {
  let d: TrainingData;
  let result: TrainResult;
  let dir: string;

  beforeAll(async () => {
    await initBackend({ force: 'wasm', skipNative: true });
    const graphs = syntheticGraphs(30, { seed: 21, minAtoms: 2, maxAtoms: 6 });
    const matrix = syntheticElementTable(92);
    d = {
      graphs,
      targets: syntheticTargets(graphs, 2, 0.1, 5),
      tasks: [{ name: 'formation_energy_per_atom_eV', unit: 'eV/atom' }, { name: 'band_gap_eV', unit: 'eV' }],
      elementTable: { dimension: 92, matrix: () => matrix },
      graphSettings: DEFAULT_GRAPH_SETTINGS,
      datasetName: 'synthetic-30',
      datasetHash: 'abc123',
    };
    result = await trainModel({ model: { convDim: 8, numConv: 2, hiddenDim: 8 }, epochs: 2, members: 2, seed: 1 }, d);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtc-bundle-'));
    saveBundle(path.join(dir, 'model'), result, d);
  });

  it('writes model.json with the training card and one weights file per member', () => {
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model', 'model.json'), 'utf8'));
    expect(json.formatVersion).toBe(BUNDLE_VERSION);
    expect(json.members).toHaveLength(2);
    expect(fs.existsSync(path.join(dir, 'model', 'members', '1', 'weights.bin'))).toBe(true);
    expect(json.tasks[1]).toMatchObject({ name: 'band_gap_eV', unit: 'eV' });
    expect(json.trainingCard.dataset).toEqual({ name: 'synthetic-30', contentHash: 'abc123', crystals: 30 });
    expect(json.trainingCard.split.train + json.trainingCard.split.val + json.trainingCard.split.test).toBe(30);
    expect(json.trainingCard.backend.name).toBe('wasm');
    expect(json.trainingCard.testMetrics.tasks.band_gap_eV.mae).toBeGreaterThan(0);
    expect(Object.keys(json.elementFeatures.table).length).toBeGreaterThan(90);
  });

  it('the element table round-trips through the CGCNN format', () => {
    const m = d.elementTable.matrix();
    const back = elementTableFromCgcnnJson(elementTableToCgcnnJson(m, 92), 92);
    expect(Array.from(back.subarray(92))).toEqual(Array.from(m.subarray(92)));
  });

  it('Predictor reproduces the trainer test predictions (ensemble mean) and gives a std', async () => {
    const p = await Predictor.load(path.join(dir, 'model'));
    expect(p.members).toBe(2);
    const test = Array.from(result.split.test, (i) => d.graphs[i]);
    const out = p.predict(test);
    expect(out.std).toHaveLength(2);
    for (let t = 0; t < 2; t++) {
      for (let k = 0; k < test.length; k++) {
        expect(out.mean[t][k]).toBeCloseTo(result.testPredictions[t][k], 4);
        expect(out.std![t][k]).toBeGreaterThanOrEqual(0);
      }
    }
    expect(out.std![0].some((s) => s > 0)).toBe(true);
    const ev = p.evaluate(test, d.targets.map((col) => Float64Array.from(result.split.test, (i) => col[i])));
    expect(ev.metrics.average_mae).toBeCloseTo(result.testMetrics!.average_mae!, 4);
    p.dispose();
  });

  it('refuses newer, foreign, incomplete or corrupt bundles with clear messages', () => {
    const src = path.join(dir, 'model');
    const copy = (name: string, edit: (j: Record<string, unknown>) => void): string => {
      const dst = path.join(dir, name);
      fs.cpSync(src, dst, { recursive: true });
      const f = path.join(dst, 'model.json');
      const j = JSON.parse(fs.readFileSync(f, 'utf8'));
      edit(j);
      fs.writeFileSync(f, JSON.stringify(j));
      return dst;
    };
    expect(() => loadBundle(copy('newer', (j) => { j.formatVersion = 99; }))).toThrow(/newer than this app supports/);
    expect(() => loadBundle(copy('foreign', (j) => { j.format = 'something-else'; }))).toThrow(/not a Crystal Property Studio model bundle/);
    const missing = copy('missing', () => undefined);
    fs.rmSync(path.join(missing, 'members', '0', 'weights.bin'));
    expect(() => loadBundle(missing)).toThrow(/incomplete/);
    const corrupt = copy('corrupt', () => undefined);
    const wf = path.join(corrupt, 'members', '1', 'weights.bin');
    const buf = fs.readFileSync(wf);
    buf[10] ^= 0xff;
    fs.writeFileSync(wf, buf);
    expect(() => loadBundle(corrupt)).toThrow(/corrupt/);
    expect(() => loadBundle(path.join(dir, 'nothing'))).toThrow(/not a model bundle/);
    const arch = copy('arch', (j) => { (j.architecture as Record<string, unknown>).convDim = 16; });
    expect(() => loadBundle(arch)).toThrow(/bad size|architecture|tensor/);
  });
});
