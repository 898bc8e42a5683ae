/**
 * Journey 1, Projects: create a project folder (location from the native dialog, answered by the harness), see it
 * on disk as human-readable manifests, rename it, close it, find it in the recent list (persisted under
 * MTCGCNN_HOME), reopen it, and find runs whose process is gone shown as interrupted (resumable). Errors say what
 * to do.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppHarness } from './harness';
import { byTestId, call } from './helpers';

let app: AppHarness;
let parent: string;
let projectDir: string;
let livePid: number | undefined;
const t = (id: string) => byTestId(app, id);

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** Every file under `dir` whose name looks like a leftover temporary file of an atomic write. */
function leftoverTmpFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith('.tmp')) out.push(e.name);
  return out;
}

/** A pid that certainly belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

function writeRun(dir: string, id: string, fields: Record<string, unknown>, checkpoint: boolean): void {
  const runDir = path.join(dir, 'runs', id);
  fs.mkdirSync(runDir, { recursive: true });
  if (checkpoint) fs.writeFileSync(path.join(runDir, 'checkpoint.bin'), Buffer.alloc(16));
  fs.writeFileSync(
    path.join(runDir, 'run.json'),
    JSON.stringify({
      format: 'crystal-property-studio/run',
      version: 1,
      id,
      name: id,
      dataset: 'mt-cgcnn-sample',
      tasks: ['formation_energy_per_atom', 'band_gap'],
      createdAt: '2026-01-10T10:00:00.000Z',
      updatedAt: '2026-01-10T10:05:00.000Z',
      checkpoint: checkpoint ? 'checkpoint.bin' : null,
      epochs: 30,
      epochsDone: 7,
      ...fields,
    }),
  );
}

beforeAll(async () => {
  app = await startApp();
  parent = path.join(app.home, 'my projects');
  fs.mkdirSync(parent, { recursive: true });
});

afterEach(() => {
  expect(app.takeProblems()).toEqual([]);
});

afterAll(async () => {
  if (livePid) process.kill(livePid);
  await app?.close();
});

describe('Projects', () => {
  it('starts on Projects with nothing open and an empty recent list', async () => {
    await app.open();
    expect(await t('view-title').textContent()).toBe('Projects');
    expect(await t('nav-projects').getAttribute('aria-current')).toBe('page');
    await t('project-create').waitFor();
    await t('recent-empty').waitFor();
    expect(await t('header-project-none').textContent()).toBe('No project');
    await app.screenshot('projects-start');
  });

  it('creates a project in a folder chosen with the in-app file browser', async () => {
    await t('project-name').fill('Perovskite screening');
    app.dialogAnswers.push(parent);
    await t('project-location-browse').click();
    await expect.poll(() => t('project-location-input').inputValue()).toBe(parent);
    expect(app.dialogsShown).toEqual(['Choose where to create the project']);
    expect(await t('project-target').textContent()).toBe(`${parent}/Perovskite-screening`);
    await t('project-create-submit').click();

    await t('project-overview').waitFor();
    projectDir = path.join(parent, 'Perovskite-screening');
    expect(await t('project-title').textContent()).toBe('Perovskite screening');
    expect(await t('project-dir').textContent()).toBe(projectDir);
    expect(await t('header-project').textContent()).toContain('Perovskite screening');

    // On disk: a readable project.json and one folder per kind of content.
    const manifest = readJson(path.join(projectDir, 'project.json'));
    expect(manifest).toMatchObject({ format: 'crystal-property-studio/project', version: 1, name: 'Perovskite screening' });
    expect(Date.parse(String(manifest.createdAt))).toBeGreaterThan(Date.now() - 60_000);
    expect(fs.readFileSync(path.join(projectDir, 'project.json'), 'utf8')).toContain('\n  "name": "Perovskite screening"');
    for (const sub of ['datasets', 'models', 'runs', 'screenings', 'reports']) expect(fs.statSync(path.join(projectDir, sub)).isDirectory()).toBe(true);
    expect(leftoverTmpFiles(projectDir)).toEqual([]);

    // Remembered under MTCGCNN_HOME.
    const recent = readJson(path.join(app.home, 'recent-projects.json'));
    expect(recent.projects).toEqual([expect.objectContaining({ dir: projectDir, name: 'Perovskite screening' })]);
    await app.screenshot('projects-overview');
  });

  it('refuses a second project with the same folder and says what to do', async () => {
    const res = await app.dispatch('project:create', { name: 'Perovskite screening', parentDir: parent });
    expect(res).toMatchObject({ ok: false, error: { code: 'failed', message: expect.stringContaining('choose another name') } });
  });

  it('renames the project (project.json and the recent list follow)', async () => {
    await t('project-rename').click();
    await t('project-rename-input').fill('Perovskites: band gaps');
    await t('project-rename-save').click();
    await expect.poll(() => t('project-title').textContent()).toBe('Perovskites: band gaps');
    expect(readJson(path.join(projectDir, 'project.json')).name).toBe('Perovskites: band gaps');
    expect((readJson(path.join(app.home, 'recent-projects.json')).projects as { name: string }[])[0]!.name).toBe('Perovskites: band gaps');
    expect(await t('header-project').textContent()).toContain('Perovskites: band gaps');
    // The folder keeps its name.
    expect(fs.existsSync(projectDir)).toBe(true);
  });

  it('closes the project; the recent list offers it again', async () => {
    await t('project-close').click();
    await t('project-create').waitFor();
    await t('recent-projects').waitFor();
    const items = t('recent-project');
    expect(await items.count()).toBe(1);
    expect(await items.first().getAttribute('data-dir')).toBe(projectDir);
    expect(await items.first().textContent()).toContain('Perovskites: band gaps');
    expect(await call(app, 'project:current')).toBeNull();
    await app.screenshot('projects-recent');
  });

  it('reopens from the recent list; runs whose process is gone are shown interrupted and resumable', async () => {
    const dead = await deadPid();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    livePid = live.pid!;
    const host = os.hostname();
    writeRun(projectDir, 'run-crashed', { state: 'running', owner: { pid: dead, host, session: 'an-earlier-session', startedAt: '2026-01-10T10:00:00.000Z' } }, true);
    writeRun(projectDir, 'run-queued-no-checkpoint', { state: 'queued', owner: { pid: dead, host, session: 'an-earlier-session', startedAt: '' } }, false);
    writeRun(projectDir, 'run-elsewhere-alive', { state: 'running', owner: { pid: livePid, host, session: 'another-app-instance', startedAt: '' } }, true);
    writeRun(projectDir, 'run-finished', { state: 'done', epochsDone: 30, owner: null }, true);

    await t('recent-project').first().locator('button.recent-open').click();
    await t('project-overview').waitFor();
    expect(await t('project-title').textContent()).toBe('Perovskites: band gaps');

    const notice = await t('project-notice').textContent();
    expect(notice).toContain('2 training runs were interrupted');
    expect(notice).toContain('run-crashed');

    const state = async (id: string) => app.page.locator(`[data-run="${id}"] [data-testid="run-state"]`).textContent();
    expect(await state('run-crashed')).toBe('interrupted · resumable');
    expect(await state('run-queued-no-checkpoint')).toBe('interrupted');
    expect(await state('run-elsewhere-alive')).toBe('running');
    expect(await state('run-finished')).toBe('done');
    expect(await app.page.locator('[data-run="run-crashed"] [data-testid="run-note"]').textContent()).toContain(`pid ${dead}`);

    // The manifests on disk now say so (atomically rewritten, nothing left behind).
    const crashed = readJson(path.join(projectDir, 'runs', 'run-crashed', 'run.json'));
    expect(crashed).toMatchObject({ state: 'interrupted', epochsDone: 7, checkpoint: 'checkpoint.bin' });
    expect(typeof crashed.interruptedAt).toBe('string');
    expect(readJson(path.join(projectDir, 'runs', 'run-elsewhere-alive', 'run.json')).state).toBe('running');
    expect(leftoverTmpFiles(projectDir)).toEqual([]);
    await t('project-runs').scrollIntoViewIfNeeded();
    await app.screenshot('projects-interrupted-runs');

    // The owner of the live run exits: the next read finds it interrupted too.
    process.kill(livePid);
    await new Promise((resolve) => live.on('exit', resolve));
    livePid = undefined;
    await t('project-refresh').click();
    await expect.poll(() => state('run-elsewhere-alive')).toBe('interrupted · resumable');
  });

  it('opens a project by typing its path; a folder that is not a project gives a clear error', async () => {
    await t('project-close').click();
    await t('project-open-dir-input').fill(parent);
    await t('project-open-submit').click();
    await t('ipc-error').waitFor();
    expect(await t('ipc-error-code').textContent()).toBe('not-found');
    expect(await t('ipc-error-message').textContent()).toContain('no project.json');
    expect(await t('ipc-error').textContent()).toContain('What to do');
    await app.screenshot('projects-open-error');

    await t('project-open-dir-input').fill('relative/path');
    await t('project-open-dir-relative').waitFor();

    await t('project-open-dir-input').fill(projectDir);
    await t('project-open-submit').click();
    await t('project-overview').waitFor();
    expect(await t('ipc-error').count()).toBe(0);
  });

  it('marks a recent project whose folder is gone as missing, and forgets it on request', async () => {
    const doomed = await call(app, 'project:create', { name: 'Doomed', parentDir: parent });
    await call(app, 'project:close');
    fs.rmSync(doomed.dir, { recursive: true });
    await app.page.reload();
    await t('recent-projects').waitFor();
    const row = app.page.locator(`[data-testid="recent-project"][data-dir="${doomed.dir}"]`);
    await row.locator('[data-testid="recent-missing"]').waitFor();
    expect(await row.locator('button.recent-open').isDisabled()).toBe(true);
    await app.screenshot('projects-recent-missing');
    await row.locator('[data-testid="recent-forget"]').click();
    await expect.poll(() => row.count()).toBe(0);
    const stored = readJson(path.join(app.home, 'recent-projects.json')).projects as { dir: string }[];
    expect(stored.map((p) => p.dir)).toEqual([projectDir]);
  });

  it('rejects bad project arguments with typed errors', async () => {
    expect(await app.dispatch('project:open', { dir: 'relative/path' })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('project:create', { name: '   ' })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('project:create', { name: 'x', parentDir: '/tmp', extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('project:rename', { name: 'a\u0007b' })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('app:choose-folder', { title: 'x', defaultPath: 'relative' })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    const missingParent = await app.dispatch('project:create', { name: 'x', parentDir: path.join(app.home, 'nope') });
    expect(missingParent).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringContaining('does not exist') } });
  });

  it('shows the open project in the dark theme', async () => {
    await t('nav-projects').click();
    if ((await t('project-overview').count()) === 0) {
      await t('recent-project').first().locator('button.recent-open').click();
      await t('project-overview').waitFor();
    }
    await t('theme-toggle').click();
    expect(await app.page.getAttribute('html', 'data-theme')).toBe('dark');
    await app.screenshot('projects-overview-dark');
    await t('theme-toggle').click();
  });
});
