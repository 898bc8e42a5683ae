// Issue 15: the calls that write a file the user names (screen:export, report:pdf, demo:report-pdf) accept only a path
// a save dialog returned since the app started: Electron's native dialog (app:choose-save-file) or the browser shell's
// in-app dialog, confirmed by main (fs:confirm-save). The real handlers and dispatcher, with a recording context.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, type AppContext } from '../../src-main/app/handlers';
import { createDispatcher, type Dispatch } from '../../src-main/ipc/dispatcher';

let tmp: string;
let previousHome: string | undefined;

function shell(savesInPage: boolean, saveAnswers: (string | null)[] = []): Dispatch {
  const ctx: AppContext = {
    backend: async () => ({ name: 'cpu', description: 'test', howToGetGpu: '', versions: {} }),
    events: { emit: () => {} },
    openExternal: async () => {},
    chooseFolder: async () => null,
    chooseFile: async () => null,
    chooseSaveFile: async () => saveAnswers.shift() ?? null,
    printToPdf: async () => ({ bytes: 0 }),
    savesInPage,
  };
  return createDispatcher(createHandlers(ctx));
}

const NOT_CHOSEN = /was not chosen in a save dialog/;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-save-paths-'));
  previousHome = process.env.MTCGCNN_HOME;
  process.env.MTCGCNN_HOME = path.join(tmp, 'home');
});

afterAll(() => {
  if (previousHome === undefined) delete process.env.MTCGCNN_HOME;
  else process.env.MTCGCNN_HOME = previousHome;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('write paths come from a save dialog', () => {
  it('refuses screen:export, report:pdf and demo:report-pdf to a path no dialog returned', async () => {
    const dispatch = shell(false);
    const out = path.join(tmp, 'out');
    for (const [channel, arg] of [
      ['screen:export', { screeningId: 'abc', rows: [0], path: `${out}.csv` }],
      ['report:pdf', { file: 'reports/run-abc.html', path: `${out}.pdf` }],
      ['demo:report-pdf', { path: `${out}.pdf` }],
    ] as const) {
      const r = await dispatch(channel, arg);
      expect(r, channel).toMatchObject({ ok: false, error: { code: 'failed' } });
      expect(r.ok ? '' : r.error.message, channel).toMatch(NOT_CHOSEN);
    }
  });

  it('lets a path through once the native save dialog returned it (and only that path)', async () => {
    const chosen = path.join(tmp, 'demo report.pdf');
    const dispatch = shell(false, [chosen]);
    expect(await dispatch('app:choose-save-file', { title: 'Save', extensions: ['pdf'] })).toEqual({ ok: true, value: { path: chosen } });
    // Past the guard: the demo has not been screened yet, which is the next thing the call finds.
    const allowed = await dispatch('demo:report-pdf', { path: chosen });
    expect(allowed.ok ? '' : allowed.error.message).not.toMatch(NOT_CHOSEN);
    const other = await dispatch('demo:report-pdf', { path: path.join(tmp, 'other.pdf') });
    expect(other.ok ? '' : other.error.message).toMatch(NOT_CHOSEN);
  });

  it('records the in-app dialog choice through fs:confirm-save in the browser shell only', async () => {
    const target = path.join(tmp, 'rows.csv');
    const desktop = shell(false);
    expect(await desktop('fs:confirm-save', { path: target, extensions: ['csv'] })).toMatchObject({ ok: false, error: { code: 'failed' } });
    const browser = shell(true);
    expect(await browser('fs:confirm-save', { path: path.join(tmp, 'rows.txt'), extensions: ['csv'] })).toMatchObject({ ok: false, error: { code: 'failed' } });
    expect(await browser('fs:confirm-save', { path: path.join(tmp, 'missing', 'rows.csv'), extensions: ['csv'] })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await browser('fs:confirm-save', { path: target, extensions: ['csv'] })).toEqual({ ok: true, value: { path: target } });
    const r = await browser('screen:export', { screeningId: 'abc', rows: [0], path: target });
    expect(r.ok ? '' : r.error.message).not.toMatch(NOT_CHOSEN);
  });
});
