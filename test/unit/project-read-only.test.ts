/**
 * A project on a read-only disk whose run is marked running (the app that ran it is gone) opens read-only: the run
 * shows as interrupted and a notice says the folder cannot be written, instead of failing with EROFS while
 * rewriting run.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProjectSession } from '../../src-main/app/projects/project-session';
import { RUN_FORMAT, projectPaths } from '../../src-main/app/projects/manifests';
import { tempDir } from '../fixtures/screen/helpers';

const DEAD_PID = 2 ** 22 + 777;
let home: string;
let previousHome: string | undefined;

beforeAll(() => {
  home = tempDir('ro-home');
  previousHome = process.env.MTCGCNN_HOME;
  process.env.MTCGCNN_HOME = home;
});
afterAll(() => {
  if (previousHome === undefined) delete process.env.MTCGCNN_HOME;
  else process.env.MTCGCNN_HOME = previousHome;
  fs.rmSync(home, { recursive: true, force: true });
  vi.restoreAllMocks();
});

/** Every write under `dir` fails as on a read-only file system (the tests run as root, so chmod would not stop them). */
function readOnly(dir: string): void {
  const erofs = (p: string): NodeJS.ErrnoException => Object.assign(new Error(`EROFS: read-only file system, open '${p}'`), { code: 'EROFS', path: p });
  const open = fs.open.bind(fs) as (...a: unknown[]) => void;
  vi.spyOn(fs, 'open').mockImplementation(((p: fs.PathLike, flags: unknown, ...rest: unknown[]) => {
    const cb = rest[rest.length - 1] as (e: Error | null) => void;
    if (String(p).startsWith(dir) && flags !== 'r' && flags !== undefined && typeof cb === 'function') return void cb(erofs(String(p)));
    return open(p, flags, ...rest);
  }) as unknown as typeof fs.open);
}

describe('a read-only project with a run marked running', () => {
  it('opens, shows the run as interrupted and says the folder is read-only', async () => {
    const session = new ProjectSession({ emit: () => {} });
    const info = await session.create('Read only', home);
    const dir = info.dir;
    const runDir = path.join(projectPaths(dir).runs, 'run-1');
    fs.mkdirSync(runDir, { recursive: true });
    const manifest = {
      format: RUN_FORMAT, version: 1, id: 'run-1', name: 'Band gap run', state: 'running', dataset: 'd', tasks: ['band_gap'],
      createdAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:05:00.000Z',
      owner: { pid: DEAD_PID, host: os.hostname(), session: 'gone', startedAt: '2026-12-01T10:00:00.000Z' },
      checkpoint: null,
    };
    const file = projectPaths(dir).runManifest('run-1');
    fs.writeFileSync(file, JSON.stringify(manifest));
    await session.close();

    readOnly(dir);
    const opened = await session.open(dir);
    expect(opened.runs).toHaveLength(1);
    expect(opened.runs[0]).toMatchObject({ id: 'run-1', state: 'interrupted', resumable: false });
    expect(opened.runs[0].note).toMatch(/Interrupted: the app process that ran it \(pid \d+\) is gone/);
    expect(opened.notices.join('\n')).toMatch(/read-only/);
    expect(opened.notices.join('\n')).toMatch(/Band gap run/);
    // Nothing was written, and reading the project again still works.
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).state).toBe('running');
    expect((await session.current())!.runs[0].state).toBe('interrupted');
    expect(fs.readdirSync(runDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
