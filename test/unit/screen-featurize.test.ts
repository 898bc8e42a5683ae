import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker } from '../bundle-worker';
import { DEFAULT_GRAPH_SETTINGS } from '../../src-main/core/graph/crystal-graph';
import { buildCrystalGraph } from '../../src-main/core/graph/build-graph';
import { readStructureFileSync } from '../../src-main/core/io';
import { screenFolder } from '../../src-main/core/screen';
import { crystalIds, featurizeChunk, type FeaturizeRequest, type FeaturizeResponse } from '../../src-main/core/featurize/featurize-chunk';
import { WorkerFeaturizer, type TaskRunner } from '../../src-main/core/featurize/featurizer';
import { decodeGraphs, encodeGraphs } from '../../src-main/core/graph/graph-codec';
import { compositionModel, makeFixture, sampleCif, tempDir, type FixtureInfo } from '../fixtures/screen/helpers';

let fx: FixtureInfo;
let work: string;
beforeAll(() => {
  fx = makeFixture(undefined, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  work = tempDir('screen-feat');
});
afterAll(() => {
  fs.rmSync(fx.dir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const file = (rel: string): { path: string; relPath: string } => ({ path: path.join(fx.dir, rel), relPath: rel });

describe('graph codec', () => {
  it('moves a chunk of graphs between threads as one transferable buffer without changing them', () => {
    const graphs = ['0', '3', '7'].map((id) => buildCrystalGraph(id, readStructureFileSync(sampleCif(id))[0].structure));
    const enc = encodeGraphs(graphs);
    const back = structuredClone(enc, { transfer: [enc.buffer as ArrayBuffer] });
    expect(enc.byteLength).toBe(0); // transferred away
    const dec = decodeGraphs(back);
    expect(dec.map((g) => ({ ...g, atomicNumbers: [...g.atomicNumbers], neighborIndex: [...g.neighborIndex], neighborDistance: [...g.neighborDistance] }))).toEqual(
      graphs.map((g) => ({ ...g, atomicNumbers: [...g.atomicNumbers], neighborIndex: [...g.neighborIndex], neighborDistance: [...g.neighborDistance] })),
    );
    expect(decodeGraphs(encodeGraphs([]))).toEqual([]);
  });
});

describe('featurizeChunk', () => {
  it('reads each file into entries with graphs, and bad files into one error entry each', () => {
    const res = featurizeChunk({ files: ['0.cif', 'multi.cif', 'empty.cif', 'POSCAR_NaCl'].map(file), graphSettings: DEFAULT_GRAPH_SETTINGS, readOptions: {} });
    expect(res.files.map((f) => f.entries.map((e) => e.id))).toEqual([['0'], [expect.stringMatching(/^multi#/), 'multi#second'], ['empty'], ['POSCAR_NaCl']]);
    expect(res.files[2].entries[0].error).toMatch(/^empty: /);
    expect(decodeGraphs(res.graphs).map((g) => g.id)).toEqual(['0', res.files[1].entries[0].id, 'multi#second', 'POSCAR_NaCl']);
    expect(res.files[3].entries[0]).toMatchObject({ graph: 3, formula: 'NaCl', numAtoms: 8 });
  });

  it('names rows by file stem, stem#block for several structures', () => {
    expect(crystalIds('a/b/mp-1.cif', [{ name: 'X' }])).toEqual(['mp-1']);
    expect(crystalIds('m.cif', [{ name: 'A' }, { name: 'B' }])).toEqual(['m#A', 'm#B']);
    expect(crystalIds('t.extxyz', [{ name: 't#0' }, { name: 't#1' }])).toEqual(['t#0', 't#1']);
  });
});

describe('WorkerFeaturizer recovery', () => {
  const config = { graphSettings: DEFAULT_GRAPH_SETTINGS, readOptions: {} };

  it('isolates a file that crashes a worker and keeps the rest', async () => {
    fs.copyFileSync(path.join(fx.dir, '1.cif'), path.join(fx.dir, 'crash.cif'));
    let pools = 0;
    const createPool = (): TaskRunner<FeaturizeRequest, FeaturizeResponse> => {
      pools++;
      return {
        run: async (req) => {
          if (req.files.some((f) => f.relPath === 'crash.cif')) throw new Error('worker exited with code 134');
          return featurizeChunk(req);
        },
        close: async () => {},
      };
    };
    const warnings: string[] = [];
    const f = new WorkerFeaturizer(createPool, 2, { ...config, onWarning: (m) => warnings.push(m) });
    const res = await f.featurize(['0.cif', 'crash.cif', '2.cif'].map(file));
    expect(res.files.map((x) => x.relPath)).toEqual(['0.cif', 'crash.cif', '2.cif']);
    expect(res.files[1].entries).toEqual([{ id: 'crash', error: 'worker crashed while reading this file: worker exited with code 134' }]);
    expect(res.graphs.map((g) => g.id)).toEqual(['0', '2']);
    expect(res.files[2].entries[0].graph).toBe(1);
    expect(f.mode).toBe('workers');
    expect(pools).toBe(4); // first pool, its replacement, a quarantine pool, and a new one after crash.cif
    expect(f.threads).toBe(2);
    expect(warnings.join('\n')).toMatch(/restarting the workers/);
    await f.close();
    fs.rmSync(path.join(fx.dir, 'crash.cif'));
  });

  it('falls back to in-process featurization when workers cannot start at all', async () => {
    const warnings: string[] = [];
    const f = new WorkerFeaturizer(
      () => ({ run: async () => Promise.reject(new Error('Cannot find module screen-worker.js')), close: async () => {} }),
      2,
      { ...config, onWarning: (m) => warnings.push(m) },
    );
    const res = await f.featurize(['0.cif', '1.cif'].map(file));
    expect(res.graphs.map((g) => g.id)).toEqual(['0', '1']);
    expect(f.mode).toBe('in-process');
    expect(warnings.join('\n')).toMatch(/do not start/);
    expect((await f.featurize([file('2.cif')])).graphs).toHaveLength(1);
  });
});

describe('real worker threads', () => {
  it('give the same output as in-process featurization (bundled screen-worker)', async () => {
    // Bundle the worker entry the way the app build does, into a temp dir (never into the repo).
    const workerScript = await bundleWorker(path.resolve(__dirname, '../../src-main/core/featurize/featurize-worker.ts'), path.join(work, 'bundle'));
    expect(fs.existsSync(workerScript)).toBe(true);
    const base = { inputDir: fx.dir, recursive: true, fsync: false, chunkSize: 3, batchSize: 8, readOptions: { maxBytes: fx.maxBytes } };
    const a = await screenFolder({ ...base, outPath: path.join(work, 'inproc.csv'), threads: 0 }, compositionModel({ ensembleSize: 2 }));
    const warnings: string[] = [];
    const b = await screenFolder({ ...base, outPath: path.join(work, 'workers.csv'), threads: 2, workerScript }, compositionModel({ ensembleSize: 2 }), {
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([]);
    expect(b).toMatchObject({ featurizer: 'workers', threads: 2, files: a.files, failed: a.failed });
    expect(a.featurizer).toBe('in-process');
    expect(fs.readFileSync(path.join(work, 'workers.csv'), 'utf8')).toBe(fs.readFileSync(path.join(work, 'inproc.csv'), 'utf8'));
  });

  it('survive a worker that dies on one file, and fall back in-process when workers cannot load', async () => {
    // A stand-in worker speaking the pool protocol: it exits (killing its thread) on crash.cif.
    const fake = path.join(work, 'fake-worker.js');
    fs.writeFileSync(
      fake,
      `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.request.files.some((f) => f.relPath === 'crash.cif')) process.exit(7);
  const files = m.request.files.map((f) => ({ relPath: f.relPath, entries: [{ id: f.relPath, error: 'fake worker' }], warnings: [] }));
  const graphs = new Uint8Array([${Array.from(encodeGraphs([])).join(',')}]);
  parentPort.postMessage({ id: m.id, ok: true, result: { files, graphs } });
});`,
    );
    fs.copyFileSync(path.join(fx.dir, '1.cif'), path.join(fx.dir, 'crash.cif'));
    const warnings: string[] = [];
    const base = { inputDir: fx.dir, fsync: false, chunkSize: 4, batchSize: 8, threads: 2, readOptions: { maxBytes: fx.maxBytes } };
    const s = await screenFolder({ ...base, outPath: path.join(work, 'fake.csv'), workerScript: fake }, compositionModel(), { onWarning: (m) => warnings.push(m) });
    fs.rmSync(path.join(fx.dir, 'crash.cif'));
    expect(s.featurizer).toBe('workers');
    expect(warnings.join('\n')).toMatch(/worker exited with code 7.*restarting/);
    const csv = fs.readFileSync(path.join(work, 'fake.csv'), 'utf8');
    expect(csv).toMatch(/\ncrash,crash\.cif,.*,worker crashed while reading this file: worker exited with code 7\n/);
    expect(csv.split('\n').filter((l) => l.endsWith(',fake worker'))).toHaveLength(s.files - 1);

    const broken = path.join(work, 'broken-worker.js');
    fs.writeFileSync(broken, "throw new Error('broken bundle');\n");
    const w2: string[] = [];
    const t = await screenFolder({ ...base, outPath: path.join(work, 'broken.csv'), workerScript: broken }, compositionModel(), { onWarning: (m) => w2.push(m) });
    expect(t.featurizer).toBe('in-process');
    expect(w2.join('\n')).toMatch(/do not start \(broken bundle\)/);
    expect(t.failed).toBe(Object.keys(fx.bad).length);
  });
});
