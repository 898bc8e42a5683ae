// The app's "interrupted, resume" path on a real checkpoint: a training run on the committed mp-small fixtures is
// stopped after its second epoch, its manifest is left as a crash leaves it (state running, owner process gone), the
// project is reopened (the run shows interrupted and resumable), and train:resume continues from the checkpoint to
// the end: history without gaps, the model bundle written, the checkpoint removed. Runs on any clone.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_DEFAULTS, type EpochPoint } from '../../src-shared/contract';
import { loadCheckpoint } from '../../src-main/core/train/checkpoint';
import { copyMpSmallDataset } from '../shared-data';
import { startApp, type AppHarness } from './harness';
import { call, projectWithDataset, waitForJob } from './helpers';

let app: AppHarness;
let projectDir: string;
const EPOCHS = 6;

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

beforeAll(async () => {
  app = await startApp();
  const data = copyMpSmallDataset(path.join(app.home, 'mp-small'));
  projectDir = await projectWithDataset(app, data, 'Crash and resume', 'mp-small');
});

afterAll(async () => {
  await app?.close();
});

describe('training run interrupted by a crash, resumed in the app from its real checkpoint', () => {
  let runId: string;
  let stoppedAt: number;

  it('leaves a checkpoint and a manifest that says running, as a crash does', async () => {
    const started = await call(app, 'train:start', {
      ...TRAIN_DEFAULTS, dataset: 'mp-small', name: 'Crashed run', tasks: ['formation_energy_per_atom', 'band_gap'], weights: [1, 1],
      epochs: EPOCHS, batchSize: 4, convDim: 8, numConv: 1, hiddenDim: 16,
    });
    runId = started.runId;
    const runDir = path.join(projectDir, 'runs', runId);
    await expect.poll(() => (fs.existsSync(path.join(runDir, 'run.json')) ? Number(readJson(path.join(runDir, 'run.json')).epochsDone ?? 0) : 0), { timeout: 120_000, interval: 20 }).toBeGreaterThanOrEqual(2);
    await call(app, 'job:cancel', { jobId: started.jobId });
    expect((await waitForJob(app, started.jobId)).state).toBe('cancelled');
    const manifest = readJson(path.join(runDir, 'run.json'));
    stoppedAt = Number(manifest.epochsDone);
    expect(stoppedAt).toBeLessThan(EPOCHS);
    // The real checkpoint holds the finished epochs.
    expect(loadCheckpoint<{ epochsDone: number }>(path.join(runDir, 'checkpoint.bin')).meta.epochsDone).toBe(stoppedAt);
    // What a killed app leaves: the run still "running", owned by a process that no longer exists.
    fs.writeFileSync(
      path.join(runDir, 'run.json'),
      JSON.stringify({ ...manifest, state: 'running', owner: { pid: await deadPid(), host: os.hostname(), session: 'a-crashed-session', startedAt: String(manifest.createdAt) } }),
    );
  });

  it('on reopening, the run is interrupted and resumable; resume finishes it from the checkpoint', async () => {
    await call(app, 'project:close');
    const info = await call(app, 'project:open', { dir: projectDir });
    expect(info.notices.join('\n')).toContain('1 training run was interrupted (the app stopped while it was running): Crashed run');
    const run = info.runs.find((r) => r.id === runId)!;
    expect(run).toMatchObject({ state: 'interrupted', resumable: true, epochsDone: stoppedAt });

    const { jobId } = await call(app, 'train:resume', { runId });
    expect((await waitForJob(app, jobId, 300_000)).state).toBe('done');
    const detail = await call(app, 'train:run', { runId });
    expect(detail.run.state).toBe('done');
    const history = readJson(path.join(projectDir, 'runs', runId, 'history.json')).epochs as EpochPoint[];
    expect(history.map((h) => h.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
    const manifest = readJson(path.join(projectDir, 'runs', runId, 'run.json'));
    expect(manifest).toMatchObject({ state: 'done', epochsDone: EPOCHS, checkpoint: null });
    for (const f of ['model.json', 'weights.bin']) expect(fs.existsSync(path.join(projectDir, 'models', runId, f)), f).toBe(true);
    expect(fs.readdirSync(path.join(projectDir, 'runs', runId)).filter((f) => f.includes('checkpoint'))).toEqual([]);
  });
});
