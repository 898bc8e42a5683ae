// Training survives a real crash: `mtcgcnn train` is killed with SIGKILL in the middle of a run, the same command is
// run again, and the bundle (weights, members, metrics, history) equals that of an uninterrupted run. A checkpoint
// damaged after the crash is refused with the file and the reason, and the run falls back to the previous one.
// Uses the committed mp-small fixtures, so it runs on any clone.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyMpSmallDataset, REPO_ROOT } from '../shared-data';

const CLI = path.join(REPO_ROOT, 'out', 'main', 'cli.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-train-crash-'));
const data = path.join(work, 'mp-small');
const ENV = { ...process.env, MTCGCNN_HOME: work, MTCGCNN_MODELS_PATH: '', NO_COLOR: '1' };
const EPOCHS = 8;
const args = (out: string) => ['train', data, '--tasks', 'formation_energy_per_atom_eV,band_gap_eV', '--epochs', String(EPOCHS), '--batch-size', '2',
  '--atom-fea', '8', '--conv', '1', '--hidden', '8', '--weighting', 'uncertainty', '--seed', '4', '--out', out];

function mtcgcnn(...a: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...a], { env: ENV, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out: `${r.stdout}${r.stderr}` };
}

/** Starts the training and SIGKILLs it once its first checkpoint exists (epoch 2 is then under way). */
async function trainAndKill(out: string): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...args(out)], { env: ENV, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const until = Date.now() + 120_000;
  while (!existsSync(path.join(out, 'checkpoint.bin'))) {
    if (child.exitCode !== null) throw new Error(`training exited (${child.exitCode}) before its first checkpoint`);
    if (Date.now() > until) throw new Error('no checkpoint within 120 s');
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  expect(existsSync(path.join(out, 'model.json'))).toBe(false);
}

interface Bundle {
  weights: Buffer;
  members: unknown;
  metrics: unknown;
  history: unknown;
}

function bundle(dir: string): Bundle {
  const model = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
    members: unknown;
    trainingCard: { testMetrics: unknown; validationMetrics: unknown; epochs: unknown };
  };
  const run = JSON.parse(readFileSync(path.join(dir, 'training-run.json'), 'utf8')) as { history: { seconds?: number }[][] };
  return {
    weights: readFileSync(path.join(dir, 'weights.bin')),
    members: model.members,
    metrics: [model.trainingCard.testMetrics, model.trainingCard.validationMetrics, model.trainingCard.epochs],
    // wall-clock seconds per epoch differ between runs; everything else must not
    history: run.history.map((m) => m.map(({ seconds: _s, ...rest }) => rest)),
  };
}

describe('mtcgcnn train killed with SIGKILL (built CLI, committed fixtures)', () => {
  let straight: Bundle;

  beforeAll(() => {
    expect(existsSync(CLI), `${CLI} (run electron-vite build)`).toBe(true);
    copyMpSmallDataset(data);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('an uninterrupted run writes the bundle and leaves no checkpoint', () => {
    const dir = path.join(work, 'straight');
    const r = mtcgcnn(...args(dir));
    expect(r.status, r.out).toBe(0);
    straight = bundle(dir);
    expect(straight.weights.length).toBeGreaterThan(1000);
    expect(readdirSync(dir).filter((f) => f.includes('checkpoint'))).toEqual([]);
  });

  it('killed mid-run, the same command resumes and ends with the same weights and metrics', async () => {
    const dir = path.join(work, 'killed');
    await trainAndKill(dir);
    const r = mtcgcnn(...args(dir));
    expect(r.status, r.out).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`resumed from ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/checkpoint(\\.prev)?\\.bin after epoch [1-${EPOCHS - 1}]`));
    const resumed = bundle(dir);
    expect(resumed.weights.equals(straight.weights)).toBe(true);
    expect(resumed.members).toEqual(straight.members);
    expect(resumed.metrics).toEqual(straight.metrics);
    expect(resumed.history).toEqual(straight.history);
    expect(readdirSync(dir).filter((f) => f.includes('checkpoint'))).toEqual([]);
  });

  it('a checkpoint torn after the crash is refused with a clear message and the previous one is used', async () => {
    const dir = path.join(work, 'torn');
    await trainAndKill(dir);
    // Crash again once a second generation exists, then tear the newest (as a failing disk or a bad copy would).
    const ckpt = path.join(dir, 'checkpoint.bin');
    const prev = path.join(dir, 'checkpoint.prev.bin');
    await trainAndKillAfterNextCheckpoint(dir);
    expect(existsSync(prev)).toBe(true);
    const bytes = readFileSync(ckpt);
    writeFileSync(ckpt, bytes.subarray(0, bytes.length - 100));
    const r = mtcgcnn(...args(dir));
    expect(r.status, r.out).toBe(0);
    expect(r.stderr).toContain(`checkpoint ${ckpt}: checkpoint is truncated; falling back to the previous checkpoint ${prev}`);
    const resumed = bundle(dir);
    expect(resumed.weights.equals(straight.weights)).toBe(true);
    expect(resumed.metrics).toEqual(straight.metrics);
  });
});

/** Resumes the run in `dir` and kills it as soon as it has written one more checkpoint (so two generations exist). */
async function trainAndKillAfterNextCheckpoint(dir: string): Promise<void> {
  const prev = path.join(dir, 'checkpoint.prev.bin');
  if (existsSync(prev)) return;
  const child = spawn(process.execPath, [CLI, ...args(dir)], { env: ENV, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const until = Date.now() + 120_000;
  while (!existsSync(prev) && child.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}
