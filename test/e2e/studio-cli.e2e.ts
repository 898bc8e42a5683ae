// `mtcgcnn studio` as a user runs it (built CLI, after `electron-vite build`): it prints one line with the URL, answers
// only with the token's cookie, and Ctrl-C (SIGINT) while a training runs stops it cleanly: the run is left cancelled
// with a checkpoint, and `train:resume` in the next session continues from the epoch it reached.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IpcResult } from '../../src-shared/contract';
import { HAVE_SAMPLE, SAMPLE_DATASET } from './helpers';
import { REPO_ROOT } from './harness';

const CLI = path.join(REPO_ROOT, 'out/main/cli.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-studio-cli-'));

interface Studio {
  child: ChildProcessWithoutNullStreams;
  url: URL;
  stderr: () => string;
  /** A call as the page makes it: POST /api/call with the session cookie and the page's Origin. */
  call<T>(channel: string, argument?: unknown): Promise<T>;
}

async function startStudio(): Promise<Studio> {
  const child = spawn(process.execPath, [CLI, 'studio', '--no-open'], { env: { ...process.env, MTCGCNN_HOME: home, DISPLAY: '' } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`studio exited (${code}) before printing its URL: ${stderr}`)));
  });
  expect(line).toMatch(/^Crystal Property Studio: http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
  const url = new URL(line.split(': ')[1]!);
  const signIn = await fetch(url, { redirect: 'manual' });
  expect(signIn.status).toBe(302);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  const call = async <T,>(channel: string, argument?: unknown): Promise<T> => {
    const r = await fetch(new URL('/api/call', url), {
      method: 'POST',
      headers: { Cookie: cookie, Origin: url.origin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel, argument }),
    });
    expect(r.status).toBe(200);
    const result = (await r.json()) as IpcResult<T>;
    if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
    return result.value;
  };
  return { child, url, stderr: () => stderr, call };
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code))));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe.skipIf(!HAVE_SAMPLE)('mtcgcnn studio (built CLI)', () => {
  it('refuses to listen on 0.0.0.0 without --allow-remote, and starts nothing', async () => {
    const child = spawn(process.execPath, [CLI, 'studio', '--host', '0.0.0.0', '--no-open'], { env: { ...process.env, MTCGCNN_HOME: home } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exited(child)).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^mtcgcnn studio: error: refusing --host 0\.0\.0\.0 without --allow-remote/);
  });

  it('SIGINT while a training runs leaves a checkpoint that train:resume continues in the next session', async () => {
    const first = await startStudio();
    const project = await first.call<{ dir: string }>('project:create', { name: 'Interrupted', parentDir: home });
    const { jobId } = await first.call<{ jobId: string }>('dataset:validate', {
      structuresDir: SAMPLE_DATASET,
      csvFile: path.join(SAMPLE_DATASET, 'id_prop.csv'),
      tasks: [{ column: 'formation_energy_per_atom_eV', name: 'formation_energy_per_atom', unit: 'eV/atom' }],
      partialOccupancy: 'refuse',
    });
    const job = async (id: string) => (await first.call<{ jobId: string; state: string }[]>('job:list')).find((j) => j.jobId === id);
    await until('validation', async () => ((await job(jobId))?.state === 'done' ? true : undefined));
    const imp = await first.call<{ jobId: string }>('dataset:import', { validationJobId: jobId, name: 'sample', storage: 'reference' });
    await until('import', async () => ((await job(imp.jobId))?.state === 'done' ? true : undefined));
    const settings = {
      dataset: 'sample',
      name: 'long run',
      tasks: ['formation_energy_per_atom'],
      sharing: 'hard',
      softSharingStrength: 0.001,
      weighting: 'fixed',
      weights: [1],
      epochs: 200,
      learningRate: 0.003,
      weightDecay: 0,
      batchSize: 32,
      convDim: 8,
      numConv: 1,
      hiddenDim: 16,
      headHidden: 1,
      patience: null,
      members: 1,
      seed: 1,
      trainRatio: 0.6,
      valRatio: 0.2,
      testRatio: 0.2,
    };
    const { runId } = await first.call<{ runId: string }>('train:start', settings);
    const runDir = path.join(project.dir, 'runs', runId);
    await until('two finished epochs', async () => ((await first.call<{ history: unknown[] }>('train:run', { runId })).history.length >= 2 ? true : undefined));

    first.child.kill('SIGINT');
    expect(await exited(first.child)).toBe(0);
    expect(first.stderr()).toMatch(/stopping: 1 running job\(s\) save their state/);
    const manifest = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { state: string; checkpoint: string | null; epochsDone: number };
    expect(manifest.state).toBe('cancelled');
    expect(manifest.checkpoint).toBe('checkpoint.bin');
    expect(fs.statSync(path.join(runDir, 'checkpoint.bin')).size).toBeGreaterThan(0);
    const stoppedAt = manifest.epochsDone;
    expect(stoppedAt).toBeGreaterThanOrEqual(2);

    const second = await startStudio();
    try {
      await second.call('project:open', { dir: project.dir });
      const before = await second.call<{ run: { state: string; resumable: boolean } }>('train:run', { runId });
      expect(before.run).toMatchObject({ state: 'cancelled', resumable: true });
      await second.call<{ jobId: string }>('train:resume', { runId });
      const resumed = await until('an epoch after the resume', async () => {
        const d = await second.call<{ history: { epoch: number }[] }>('train:run', { runId });
        const last = d.history.at(-1)?.epoch ?? 0;
        return last > stoppedAt ? d.history : undefined;
      });
      // Continued, not restarted: the epochs before the stop are kept once, and the next one follows them.
      expect(resumed.map((h) => h.epoch).slice(0, stoppedAt)).toEqual(Array.from({ length: stoppedAt }, (_, i) => i + 1));
    } finally {
      second.child.kill('SIGINT');
      expect(await exited(second.child)).toBe(0);
    }
  });
});
