// Training threads from the command line, as a user runs them on the built app: `mtcgcnn train --workers K` trains an
// ensemble's members at the same time (identical to one after the other) and splits batches across gradient workers
// (deterministic for a given K); the card records K; `mtcgcnn info` names the default; a bad K is a usage error.
// Uses the committed mp-small fixtures, so it runs on any clone.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyMpSmallDataset, REPO_ROOT } from '../shared-data';

const CLI = path.join(REPO_ROOT, 'out', 'main', 'cli.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-train-threads-'));
const data = path.join(work, 'mp-small');
const ENV = { ...process.env, MTCGCNN_HOME: work, MTCGCNN_MODELS_PATH: '', NO_COLOR: '1' };

function mtcgcnn(...a: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...a], { env: ENV, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const train = (out: string, ...extra: string[]) => mtcgcnn('train', data, '--tasks', 'formation_energy_per_atom_eV,band_gap_eV', '--epochs', '3', '--batch-size', '8',
  '--atom-fea', '8', '--conv', '1', '--hidden', '8', '--seed', '2', '--quiet', '--out', out, ...extra);

/** The weight files of a bundle, in member order, as bytes. */
function weights(dir: string): Buffer[] {
  const model = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { members: { file: string }[]; trainingCard: { options: { workers?: number } } };
  return model.members.map((m) => readFileSync(path.join(dir, m.file)));
}
const card = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')).trainingCard as { options: { workers?: number } };

describe('mtcgcnn train --workers', () => {
  beforeAll(() => {
    copyMpSmallDataset(data);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('trains ensemble members at once with the results of one thread, and records K in the card', () => {
    const one = train(path.join(work, 'k1'), '--ensemble', '2', '--workers', '1');
    expect(one.status, one.out).toBe(0);
    const two = train(path.join(work, 'k2'), '--ensemble', '2', '--workers', '2');
    expect(two.status, two.out).toBe(0);
    expect(two.out).toContain('ensemble: 2 members at a time');
    expect(weights(path.join(work, 'k2'))).toEqual(weights(path.join(work, 'k1')));
    expect(card(path.join(work, 'k2')).options.workers).toBe(2);
  });

  it('splits the batches of one model across gradient workers, the same way every time', () => {
    const a = train(path.join(work, 'dp-a'), '--workers', '2');
    const b = train(path.join(work, 'dp-b'), '--workers', '2');
    expect(a.status, a.out).toBe(0);
    expect(a.out).toContain('data-parallel training: 2 threads');
    expect(b.status, b.out).toBe(0);
    expect(weights(path.join(work, 'dp-a'))).toEqual(weights(path.join(work, 'dp-b')));
  });

  it('refuses a thread count outside 1-64, and info names the default', () => {
    const bad = train(path.join(work, 'bad'), '--workers', '0');
    expect(bad.status).toBe(2);
    expect(bad.out).toMatch(/--workers/);
    const info = mtcgcnn('info');
    expect(info.status).toBe(0);
    expect(info.out).toMatch(/training: +\d+ data-parallel thread\(s\) by default/);
  });
});
