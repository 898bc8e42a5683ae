// Prediction in worker threads (screening and evaluate): each worker loads the shipped model on its own wasm backend;
// the rows must equal those predicted on the calling thread, in the same order, and resume / cancel / fallbacks keep
// working. Real inputs: the committed Materials Project CIFs (plus broken files) and the shipped default model.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker } from '../bundle-worker';
import { screenFolder, type ScreenOptions, type ScreeningModel } from '../../src-main/core/screen';
import { loadScreeningModel } from '../../src-main/services/screening-model';
import { Predictor } from '../../src-main/core/model/predictor';
import { predictInWorkers } from '../../src-main/core/model/worker-predictor';
import { readStructureFileSync } from '../../src-main/core/io';
import { buildCrystalGraph } from '../../src-main/core/graph/build-graph';
import { MP_SMALL_DIR, mpSmallIds } from '../shared-data';
import { makeFixture, readRows, tempDir, type FixtureInfo } from '../fixtures/screen/helpers';

const BUNDLE_DIR = path.resolve(__dirname, '../../node_modules/.cache/mtcgcnn-test/screen-worker-predict');
const SHIPPED = path.resolve(__dirname, '..', '..', 'resources', 'models', 'mtcgcnn-e4-mp25k');

let fx: FixtureInfo;
let work: string;
let workerScript: string;
let model: ScreeningModel;
/** The rows predicted on the calling thread (workers off): the reference. */
let reference: string;

function opts(name: string, extra: Partial<ScreenOptions> = {}): ScreenOptions {
  return {
    inputDir: fx.dir,
    outPath: path.join(work, name),
    recursive: true,
    fsync: false,
    chunkSize: 3,
    batchSize: 8,
    readOptions: { maxBytes: fx.maxBytes },
    workerScript,
    ...extra,
  };
}

beforeAll(async () => {
  fx = makeFixture();
  work = tempDir('screen-wpred');
  // Inside the repository (node_modules/.cache), so that the bundle finds the tfjs packages it leaves external.
  workerScript = await bundleWorker(path.resolve(__dirname, '../../src-main/core/featurize/featurize-worker.ts'), BUNDLE_DIR);
  model = await loadScreeningModel(SHIPPED);
  const s = await screenFolder(opts('reference.csv', { threads: 0, workerScript: null }), model);
  expect(s).toMatchObject({ featurizer: 'in-process', predictor: 'in-process' });
  reference = fs.readFileSync(path.join(work, 'reference.csv'), 'utf8');
});
afterAll(() => {
  fs.rmSync(fx.dir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe('screening with prediction in worker threads', () => {
  it('the shipped model loaded for screening tells workers how to load it (wasm backend)', () => {
    expect(model.workerModel).toEqual({ bundleDir: SHIPPED, backend: 'wasm' });
  });

  it('gives the same CSV as prediction on the calling thread, in the same order, with 2 workers', async () => {
    const warnings: string[] = [];
    const s = await screenFolder(opts('k2.csv', { threads: 2 }), model, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(s).toMatchObject({ featurizer: 'workers', predictor: 'workers', threads: 2 });
    const text = fs.readFileSync(path.join(work, 'k2.csv'), 'utf8');
    expect(text).toBe(reference);
    // Real predictions (not all errors), and the broken files have their error rows.
    const { header, rows } = readRows(path.join(work, 'k2.csv'));
    const fe = header.find((h) => h.startsWith('formation_energy_per_atom') && !h.includes('_std'))!;
    const predicted = rows.filter((r) => r.error === '');
    expect(predicted.length).toBeGreaterThan(40);
    expect(new Set(predicted.map((r) => r[fe])).size).toBeGreaterThan(40);
    for (const bad of Object.keys(fx.bad)) expect(rows.find((r) => r.file === bad)!.error).not.toBe('');
    // Input order: sorted relative paths.
    const files = [...new Set(rows.map((r) => r.file))];
    expect(files).toEqual([...files].sort());
  });

  it('resumes a partial CSV with workers to the same content as an uninterrupted run', async () => {
    const out = path.join(work, 'resume.csv');
    const cut = reference.lastIndexOf('\n', Math.floor(reference.length * 0.4)) + 17; // inside a row
    fs.writeFileSync(out, reference.slice(0, cut));
    const s = await screenFolder(opts('resume.csv', { threads: 2, resume: true }), model);
    expect(s.predictor).toBe('workers');
    expect(s.skipped).toBeGreaterThan(5);
    expect(s.files + s.skipped).toBe(fx.screened.length + fx.nested.length);
    expect(fs.readFileSync(out, 'utf8')).toBe(reference);
  });

  it('stops cleanly when cancelled, and --resume completes the output', async () => {
    const out = path.join(work, 'cancel.csv');
    const controller = new AbortController();
    const s1 = await screenFolder(opts('cancel.csv', { threads: 2, chunkSize: 2, batchSize: 4, progressIntervalMs: 0, signal: controller.signal }), model, {
      onProgress: (p) => {
        if (p.done >= 10) controller.abort();
      },
    });
    expect(s1.cancelled).toBe(true);
    const partial = fs.readFileSync(out, 'utf8');
    expect(reference.startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(reference.length);
    await screenFolder(opts('cancel.csv', { threads: 2, resume: true }), model);
    expect(fs.readFileSync(out, 'utf8')).toBe(reference);
  });

  it('predicts on the calling thread when the workers cannot load the model, with the same rows', async () => {
    const warnings: string[] = [];
    const broken: ScreeningModel = { ...model, workerModel: { bundleDir: path.join(work, 'no-such-model'), backend: 'wasm' } };
    const s = await screenFolder(opts('fallback.csv', { threads: 2 }), broken, { onWarning: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/do not start \(.*no-such-model.*\); continuing in-process/);
    expect(s).toMatchObject({ featurizer: 'in-process', predictor: 'in-process' });
    expect(fs.readFileSync(path.join(work, 'fallback.csv'), 'utf8')).toBe(reference);
  });

  it('without a bundled worker script, featurizes and predicts in-process (the source-tree fallback)', async () => {
    const s = await screenFolder(opts('no-bundle.csv', { threads: 2, workerScript: null }), model);
    expect(s).toMatchObject({ featurizer: 'in-process', predictor: 'in-process' });
    expect(fs.readFileSync(path.join(work, 'no-bundle.csv'), 'utf8')).toBe(reference);
  });
});

describe('predictInWorkers (evaluate)', () => {
  it('equals Predictor.predict on the calling thread bit for bit, in order, split across 2 workers', async () => {
    const predictor = await Predictor.load(SHIPPED);
    const graphs = mpSmallIds().map((id) => buildCrystalGraph(id, readStructureFileSync(path.join(MP_SMALL_DIR, `${id}.cif`))[0].structure, predictor.bundle.graphSettings));
    const here = predictor.predict(graphs);
    const there = await predictInWorkers(graphs, model.workerModel!, { threads: 2, workerScript, graphsPerTask: 7 });
    expect(there.mean.map((c) => Array.from(c))).toEqual(here.mean.map((c) => Array.from(c)));
    expect(here.std).toBeDefined();
    expect(there.std!.map((c) => Array.from(c))).toEqual(here.std!.map((c) => Array.from(c)));
    predictor.dispose();
  });
});
