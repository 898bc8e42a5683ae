// The Slurm job-array journey on a real one-node cluster (scripts/slurm-local.sh): `mtcgcnn slurm` writes the
// script, sbatch runs it, one array task is killed while it runs, the script is submitted again, and `mtcgcnn merge`
// joins the shards into exactly the rows of a local `mtcgcnn screen` of the same folder. Skipped where Slurm is not
// installed or the tests do not run as root (with CI set, test/global-setup.ts fails the run instead).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRows } from '../fixtures/screen/helpers';
import { MP_SMALL_DIR, REPO_ROOT } from '../shared-data';
import { HAVE_SLURM } from '../tools';

const CLI = path.join(REPO_ROOT, 'out', 'main', 'cli.js');
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'slurm-local.sh');
const MODEL = path.join(REPO_ROOT, 'resources', 'models', 'mtcgcnn-e4-mp25k');
const IS_ROOT = process.getuid?.() === 0;
const SHARDS = 4;
/** Seconds each array task waits before starting the CLI (the window in which one is killed). */
const START_DELAY_S = 8;

const work = mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-slurm-e2e-'));
const ENV: NodeJS.ProcessEnv = { ...process.env, MTCGCNN_HOME: work, MTCGCNN_MODELS_PATH: '', NO_COLOR: '1' };

function sh(cmd: string, args: string[], timeoutMs = 120_000) {
  const r = spawnSync(cmd, args, { env: ENV, encoding: 'utf8', cwd: work, timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
const mtcgcnn = (...args: string[]) => sh(process.execPath, [CLI, ...args], 300_000);

/** Array tasks of `jobId` still known to the controller, as "jobId_task STATE". */
function tasks(jobId: string): string[] {
  return sh('squeue', ['-h', '-r', '-j', jobId, '-o', '%i %T']).stdout.split('\n').filter((l) => l.trim() !== '');
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe.skipIf(!HAVE_SLURM || !IS_ROOT)('Slurm job array on a local one-node cluster (built CLI)', () => {
  const input = path.join(work, 'cifs');
  const outDir = path.join(work, 'array');
  let startedHere = false;

  beforeAll(() => {
    // The cluster .ci/run started is reused (and left running); one started here is stopped afterwards.
    const started = sh('bash', [SCRIPT, 'start'], 120_000);
    if (started.status !== 0) throw new Error(`scripts/slurm-local.sh start failed:\n${started.out}`);
    startedHere = !started.stdout.includes('already running');
    ENV.SLURM_CONF = /SLURM_CONF=(\S+)/.exec(sh('bash', [SCRIPT, 'env']).stdout)![1];
    // 123 files: the 41 committed Materials Project CIFs, three copies each under different names.
    mkdirSync(input);
    const cifs = readdirSync(MP_SMALL_DIR).filter((f) => f.endsWith('.cif'));
    for (const prefix of ['a', 'b', 'c']) for (const f of cifs) copyFileSync(path.join(MP_SMALL_DIR, f), path.join(input, `${prefix}-${f}`));
  });

  afterAll(() => {
    if (startedHere) sh('bash', [SCRIPT, 'stop'], 60_000);
    rmSync(work, { recursive: true, force: true });
  });

  it('slurm -> sbatch, one task killed, resubmitted, merge equals a local screen row for row', async () => {
    expect(existsSync(CLI), `${CLI} (run electron-vite build)`).toBe(true);
    // How the nodes run the CLI: a wrapper (as clusters use for `module load`) that starts it after a pause, so that
    // the task killed below is certainly killed while it runs and before it has written its rows.
    const wrapper = path.join(work, 'mtcgcnn-on-node.sh');
    writeFileSync(wrapper, `#!/bin/sh\nsleep ${START_DELAY_S}\nexec ${process.execPath} ${CLI} "$@"\n`, { mode: 0o755 });
    const written = mtcgcnn('slurm', input, '--model', MODEL, '--out-dir', outDir, '--shards', String(SHARDS), '--cpus-per-task', '1', '--mem', '1G',
      '--time', '00:20:00', '--mtcgcnn', wrapper);
    expect(written.status, written.out).toBe(0);
    const script = path.join(outDir, 'screen.sbatch');
    expect(existsSync(script)).toBe(true);

    const first = sh('sbatch', ['--parsable', script]);
    expect(first.status, first.out).toBe(0);
    const jobId = first.stdout.trim().split(';')[0];
    expect(jobId).toMatch(/^\d+$/);

    // Kill the first array task seen running (within its start-up pause: it has screened nothing yet).
    const victim = await until('an array task to run', () => tasks(jobId).find((l) => l.endsWith(' RUNNING'))?.split(' ')[0], 120_000);
    const killed = sh('scancel', ['--signal=KILL', '--full', victim]);
    expect(killed.status, killed.out).toBe(0);
    await until(`job ${jobId} to leave the queue`, () => (tasks(jobId).length === 0 ? true : undefined), 300_000, 500);
    const k = Number(victim.split('_')[1]);
    const shardFile = (i: number) => path.join(outDir, `shard-${i}.csv`);
    const partialRows = existsSync(shardFile(k)) ? readRows(shardFile(k)).rows.length : 0;
    expect(partialRows).toBe(0);

    // Merging now would lose the killed shard's rows; submitting the same script again finishes it.
    const again = sh('sbatch', ['--parsable', '--wait', script], 300_000);
    expect(again.status, again.out).toBe(0);
    for (let i = 1; i <= SHARDS; i++) expect(existsSync(shardFile(i)), shardFile(i)).toBe(true);
    expect(readRows(shardFile(k)).rows.length).toBeGreaterThan(partialRows);

    const merged = path.join(outDir, 'all.csv');
    const m = mtcgcnn('merge', ...Array.from({ length: SHARDS }, (_, i) => shardFile(i + 1)), '--out', merged);
    expect(m.status, m.out).toBe(0);
    const local = path.join(work, 'local.csv');
    const l = mtcgcnn('screen', input, '--model', MODEL, '--out', local);
    expect(l.status, l.out).toBe(0);

    const a = readRows(merged);
    const b = readRows(local);
    expect(a.header).toEqual(b.header);
    expect(b.rows).toHaveLength(123);
    const key = (r: Record<string, string>) => `${r.file}\t${r.id}`;
    const sort = (rows: Record<string, string>[]) => [...rows].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
    expect(sort(a.rows)).toEqual(sort(b.rows));
  });
});
