/**
 * Two `mtcgcnn screen --out c.csv --resume` runs at once must not both append to c.csv: the output is locked
 * (c.csv.lock with host and pid), the second run is refused with a clear message and a non-zero exit, and a lock
 * left by a process that no longer exists on this host is taken over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src-main/cli/command';
import { createScreenCommand } from '../../src-main/cli/commands/screen';
import { parseCsvText } from '../../src-main/core/screen';
import { acquireLock, LockError, REMOTE_STALE_MS } from '../../src-main/core/fs/lock-file';
import { compositionModel, tempDir } from '../fixtures/screen/helpers';

const STRUCTURES = path.resolve(__dirname, '../fixtures/structures');
/** A process id that does not exist (above Linux's pid_max default of 2^22). */
const DEAD_PID = 2 ** 22 + 4321;

let input: string;
let work: string;
const screen = createScreenCommand(async () => compositionModel({ ensembleSize: 2, delayMs: 15 }));

async function run(...argv: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const code = await runCommand(screen, argv, { out: () => {}, err: (l) => err.push(l), progress: () => {}, isTty: false });
  return { code, err: err.join('\n') };
}

const args = (out: string): string[] => [input, '--model', 'MODEL', '--out', out, '--resume', '--threads', '0', '--chunk-size', '1', '--batch-size', '1'];

beforeAll(() => {
  input = tempDir('lock-in');
  work = tempDir('lock-out');
  const cifs = fs.readdirSync(STRUCTURES).filter((f) => f.endsWith('.cif'));
  // 30 files: every fixture CIF under several names.
  for (let i = 0; i < 30; i++) {
    const f = cifs[i % cifs.length];
    fs.copyFileSync(path.join(STRUCTURES, f), path.join(input, `${String(i).padStart(2, '0')}-${f}`));
  }
});
afterAll(() => {
  fs.rmSync(input, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

/** The files of a screening CSV, once per row (a multi-block CIF has several rows with distinct ids). */
function filesIn(csv: string): string[] {
  const rows = parseCsvText(fs.readFileSync(csv, 'utf8')).records.slice(1);
  const ids = rows.map((r) => `${r[0]}\t${r[1]}`);
  expect(new Set(ids).size, 'a row written twice').toBe(ids.length);
  return [...new Set(rows.map((r) => r[1]))];
}

describe('screen output lock', () => {
  it('refuses a second run on the same output while the first runs; no row is written twice', async () => {
    const out = path.join(work, 'c.csv');
    const [a, b] = await Promise.all([run(...args(out)), run(...args(out))]);
    // One run is refused (exit 1); the other screens everything (exit 0, or 3 for the fixture files that fail).
    expect([a.code, b.code].filter((c) => c === 1)).toHaveLength(1);
    expect([a.code, b.code].filter((c) => c === 0 || c === 3)).toHaveLength(1);
    expect([a, b].find((r) => r.code === 1)!.err).toMatch(/c\.csv is in use by a screening run \(pid \d+ on .+\)/);
    const files = filesIn(out);
    expect(files).toHaveLength(fs.readdirSync(input).length);
    expect(fs.existsSync(`${out}.lock`)).toBe(false);
  });

  it('takes over a lock whose process is gone, refuses one held by a live process or another host', async () => {
    const out = path.join(work, 'stale.csv');
    fs.writeFileSync(`${out}.lock`, JSON.stringify({ host: os.hostname(), pid: DEAD_PID, startedAt: '2026-01-01T00:00:00Z' }));
    const r = await run(...args(out));
    expect([0, 3]).toContain(r.code);
    expect(filesIn(out)).toHaveLength(fs.readdirSync(input).length);
    expect(fs.existsSync(`${out}.lock`)).toBe(false);

    const live = path.join(work, 'live.csv');
    fs.writeFileSync(`${live}.lock`, JSON.stringify({ host: os.hostname(), pid: process.ppid, startedAt: '2026-01-01T00:00:00Z' }));
    const refused = await run(...args(live));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(new RegExp(`pid ${process.ppid}`));
    expect(fs.existsSync(live)).toBe(false);
    expect(fs.existsSync(`${live}.lock`)).toBe(true);

    const remote = path.join(work, 'remote.csv');
    fs.writeFileSync(`${remote}.lock`, JSON.stringify({ host: 'node-17.cluster', pid: DEAD_PID }));
    const r2 = await run(...args(remote));
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/node-17\.cluster.*delete .*remote\.csv\.lock/);
    // The same lock, untouched for longer than the heartbeat allows: its job died on that node; taken over.
    const old = new Date(Date.now() - REMOTE_STALE_MS - 60_000);
    fs.utimesSync(`${remote}.lock`, old, old);
    const r3 = await run(...args(remote));
    expect([0, 3]).toContain(r3.code);
    expect(fs.existsSync(`${remote}.lock`)).toBe(false);
  });

  it('acquireLock: exclusive within one process too, released only by its owner', () => {
    const lock = path.join(work, 'x.lock');
    const release = acquireLock(lock, { purpose: 'test' });
    const owner = JSON.parse(fs.readFileSync(lock, 'utf8'));
    expect(owner).toMatchObject({ host: os.hostname(), pid: process.pid, purpose: 'test' });
    expect(() => acquireLock(lock)).toThrow(LockError);
    release();
    expect(fs.existsSync(lock)).toBe(false);
    const again = acquireLock(lock);
    release(); // the first owner's release must not remove the second owner's lock
    expect(fs.existsSync(lock)).toBe(true);
    again();
    expect(fs.existsSync(lock)).toBe(false);
  });
});
