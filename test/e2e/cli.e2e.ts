// The built `mtcgcnn` CLI as a user runs it: node out/main/cli.js <verb> ... (after `electron-vite build`).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCrystalGraph } from '../../src-main/core/graph/build-graph';
import { readStructureFileSync } from '../../src-main/core/io';
import pkg from '../../package.json';
import { HAVE_SAMPLE, MP_SMALL_DIR, SAMPLE_DIR as SAMPLE } from '../shared-data';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'out', 'main', 'cli.js');
const home = mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function mtcgcnn(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, MTCGCNN_HOME: home, NO_COLOR: '1' }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mtcgcnn (built CLI)', () => {
  it('is built with a shebang and prints its version', () => {
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    expect(mtcgcnn('--version')).toMatchObject({ status: 0, stdout: `${pkg.version}\n` });
  });

  it('info names the wasm backend on this machine', () => {
    const r = mtcgcnn('info');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^backend: +wasm /m);
    // The built CLI runs the convolutions on the fused SIMD wasm kernels, not the slower JavaScript ones.
    expect(r.stdout).toMatch(/^kernels: +fused SIMD wasm kernels$/m);
  });

  it('fails with a one-line error and a non-zero exit on bad input', () => {
    const r = mtcgcnn('featurize', path.join(home, 'no-such-folder'));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(mtcgcnn('featurize', SAMPLE, '--radius', 'big').status).toBe(2);
  });

  it.skipIf(!HAVE_SAMPLE)('featurize builds every graph of the sample in worker threads and dumps the neighbour lists', () => {
    const dump = path.join(home, 'nb.jsonl');
    const r = mtcgcnn('featurize', SAMPLE, '--dump-neighbors', dump, '--json');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ crystals: 100, featurized: 100, failed: 0, mode: 'workers' });
    const lines = readFileSync(dump, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(100);
    const first = lines.find((l) => l.id === '0');
    const direct = buildCrystalGraph('0', readStructureFileSync(path.join(SAMPLE, '0.cif'))[0].structure);
    expect(first.species).toHaveLength(direct.numAtoms);
    expect(first.neighbors[0]).toHaveLength(12);
    for (let k = 0; k < 12; k++) {
      expect(first.neighbors[0][k][0]).toBe(direct.neighborIndex[k]);
      expect(first.neighbors[0][k][1]).toBeCloseTo(direct.neighborDistance[k], 4);
    }
    // The second run is served from the graph cache.
    expect(JSON.parse(mtcgcnn('featurize', SAMPLE, '--json').stdout)).toMatchObject({ fromCache: 100, built: 0 });
  });

  it('screen and evaluate predict on worker threads (--workers), with the same rows and metrics as on the main thread', () => {
    const csv = (k: number): string => path.join(home, `screen-k${k}.csv`);
    const main = mtcgcnn('screen', MP_SMALL_DIR, '--out', csv(0), '--workers', '0');
    expect(main.status, main.stderr).toBe(0);
    expect(main.stdout).toMatch(/, in-process -> /);
    const two = mtcgcnn('screen', MP_SMALL_DIR, '--out', csv(2), '--workers', '2');
    expect(two.status, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/^screened 41 files \(41 rows\) .*, 2 worker threads \(featurize \+ predict\) -> /);
    expect(readFileSync(csv(2), 'utf8')).toBe(readFileSync(csv(0), 'utf8'));
    expect(mtcgcnn('screen', '--help').stdout).toMatch(/--workers K +worker threads that read, featurize and predict the files, .*\(default: all logical cores, \d+ here\)/);

    const out = (k: number, what: string): string => path.join(home, `evaluate-k${k}.${what}`);
    for (const k of [0, 2]) {
      const r = mtcgcnn('evaluate', MP_SMALL_DIR, '--out', out(k, 'json'), '--predictions', out(k, 'csv'), '--workers', String(k));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(k === 0 ? '(predicted on the main thread)' : '(predicted on 2 worker threads)');
    }
    expect(readFileSync(out(2, 'csv'), 'utf8')).toBe(readFileSync(out(0, 'csv'), 'utf8'));
    expect(readFileSync(out(2, 'json'), 'utf8')).toBe(readFileSync(out(0, 'json'), 'utf8'));
    expect(readFileSync(out(0, 'csv'), 'utf8').trim().split('\n')).toHaveLength(42);
  });

  it("evaluate --split test re-scores a model on its own held-back crystals (the card's figures), and refuses other data", () => {
    const model = path.join(home, 'tiny-model');
    const t = mtcgcnn('train', MP_SMALL_DIR, '--tasks', 'formation_energy_per_atom_eV,band_gap_eV', '--classify', 'is_metal=band_gap_eV<0.025', '--epochs', '2',
      '--atom-fea', '8', '--conv', '1', '--hidden', '8', '--quiet', '--out', model);
    expect(t.status, t.stderr).toBe(0);
    const card = JSON.parse(readFileSync(path.join(model, 'model.json'), 'utf8')).trainingCard as { split: { test: number }; testMetrics: { tasks: Record<string, { n: number; mae: number | null; roc_auc?: number }> } };
    const json = path.join(home, 'tiny-test.json');
    const e = mtcgcnn('evaluate', MP_SMALL_DIR, '--model', model, '--split', 'test', '--out', json);
    expect(e.status, e.stderr).toBe(0);
    const m = JSON.parse(readFileSync(json, 'utf8')) as { tasks: Record<string, { n: number; mae: number | null; roc_auc?: number }>; dataset: { split: string; crystals: number } };
    expect(m.dataset).toMatchObject({ split: 'test', crystals: card.split.test });
    for (const [name, c] of Object.entries(card.testMetrics.tasks)) {
      expect(m.tasks[name].n).toBe(c.n);
      if (c.mae !== null) expect(m.tasks[name].mae).toBeCloseTo(c.mae, 4);
      if (c.roc_auc !== undefined) expect(m.tasks[name].roc_auc).toBeCloseTo(c.roc_auc, 4);
    }
    // the same folder less one crystal is another dataset
    const fewer = path.join(home, 'mp-small-less-one');
    cpSync(MP_SMALL_DIR, fewer, { recursive: true });
    const ids = readFileSync(path.join(fewer, 'id_prop.csv'), 'utf8').trim().split('\n');
    writeFileSync(path.join(fewer, 'id_prop.csv'), ids.slice(0, -1).join('\n') + '\n');
    const other = mtcgcnn('evaluate', fewer, '--model', model, '--split', 'test', '--out', path.join(home, 'x.json'));
    expect(other.status).not.toBe(0);
    expect(other.stderr).toContain('is not the dataset the model was trained on');
  });
});
