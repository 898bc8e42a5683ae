import { describe, expect, it } from 'vitest';
import { createDispatcher, UserFacingError, type Handlers } from '../../src-main/ipc/dispatcher';
import { INVOKE_CHANNELS, invokeContract } from '../../src-shared/contract';

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const fail = () => {
    throw new Error('not used in this test');
  };
  // Every channel of the contract fails unless a test overrides it (new channels need no edit here).
  const all = Object.fromEntries(INVOKE_CHANNELS.map((c) => [c, fail])) as unknown as Handlers;
  return {
    ...all,
    'app:echo': ({ text }) => ({ text, receivedAtIso: '2026-01-01T00:00:00.000Z' }),
    ...overrides,
  };
}

describe('IPC dispatcher', () => {
  it('answers a valid call with the handler value', async () => {
    const dispatch = createDispatcher(handlers());
    expect(await dispatch('app:echo', { text: 'Fe2O3' })).toEqual({
      ok: true,
      value: { text: 'Fe2O3', receivedAtIso: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('refuses unknown channels without calling anything', async () => {
    const res = await createDispatcher(handlers())('fs:readFile', { path: '/etc/passwd' });
    expect(res).toEqual({ ok: false, error: { code: 'unknown-channel', message: expect.stringContaining('fs:readFile') } });
  });

  it.each([
    ['app:echo', undefined],
    ['app:echo', { text: 42 }],
    ['app:echo', { text: 'a', extra: true }],
    ['app:echo', 'just a string'],
    ['app:info', { unexpected: 1 }],
    ['project:open', { dir: '' }],
    ['project:open', { dir: 'relative/dir' }],
    ['project:open', { dir: '/a\0b' }],
    ['job:cancel', { jobId: '../../etc' }],
    ['app:open-external', { url: 'file:///etc/passwd' }],
    ['app:open-external', { url: 'javascript:alert(1)' }],
    ['demo:info', { all: true }],
    ['demo:screen', 'now'],
    ['demo:screen', { model: '/elsewhere' }],
    ['demo:results', 0],
    ['demo:report', { kind: 'run' }],
    ['demo:report-pdf', undefined],
    ['demo:report-pdf', {}],
    ['demo:report-pdf', { path: 'demo.pdf' }],
    ['demo:report-pdf', { path: '/tmp/demo.html' }],
    ['demo:report-pdf', { path: '/tmp/demo\0.pdf' }],
    ['demo:report-pdf', { path: '/tmp/a\nb.pdf' }],
    ['demo:report-pdf', { path: '/tmp/demo.pdf', file: 'reports/x.html' }],
    ['models:list', { source: 'shipped' }],
    ['models:list', 'all'],
    ['screen:start', { folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { runId: 'r1', model: { source: 'shipped', name: 'm' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { runId: '../r1', folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: 'mtcgcnn-e4-mp25k', folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { name: 'm' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'path', name: 'm' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'project', name: 'm' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: '' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: '../../etc' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: '/home/me/models/m' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: 'C:\\models\\m' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: '..' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: '.hidden' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: 'a\nb' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: 'x'.repeat(256) }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: 'm', dir: '/elsewhere' }, folder: '/data/cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: 'm' }, folder: 'cifs', name: 'x', recursive: false }],
    ['screen:start', { model: { source: 'user', name: 'm' }, folder: '/data/cifs', name: 'x', recursive: 'yes' }],
  ])('rejects %s with a bad argument %j as invalid-argument', async (channel, arg) => {
    let called = false;
    const all = Object.fromEntries(
      INVOKE_CHANNELS.map((c) => [
        c,
        () => {
          called = true;
          return undefined;
        },
      ]),
    ) as unknown as Handlers;
    const res = await createDispatcher(all)(channel, arg);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('invalid-argument');
    expect(called).toBe(false);
  });

  it.each([
    ['project:open', 'dir', '/home/me/p', 'relative/p'],
    ['project:rename', 'name', ' My project ', '   '],
    ['dataset:remove', 'name', 'mp-25k', '../up'],
    ['structures:list', 'dataset', 'sample', '.hidden'],
    ['train:run', 'runId', 'run-1', 'run/1'],
    ['screen:detail', 'screeningId', 'scr_2', 'a b'],
    ['job:cancel', 'jobId', 'job-3', '../../etc'],
  ])('%s takes exactly { %s } and passes the checked value on', async (channel, key, good, bad) => {
    const seen: unknown[] = [];
    const all = Object.fromEntries(INVOKE_CHANNELS.map((c) => [c, (arg: unknown) => (seen.push(arg), undefined)])) as unknown as Handlers;
    const dispatch = createDispatcher(all);
    expect((await dispatch(channel, { [key]: good })).ok).toBe(true);
    expect(seen).toEqual([{ [key]: key === 'name' ? good.trim() : good }]);
    for (const arg of [{ [key]: bad }, { [key]: good, extra: 1 }, {}, [good], null]) {
      const res = await dispatch(channel, arg);
      expect(res.ok, JSON.stringify(arg)).toBe(false);
      if (!res.ok) expect(res.error.code).toBe('invalid-argument');
    }
    expect(seen).toHaveLength(1);
  });

  it('turns a user-facing error into its code and message', async () => {
    const dispatch = createDispatcher(
      handlers({
        'project:open': () => {
          throw new UserFacingError('no id_prop.csv in /tmp/x: choose a CGCNN-layout folder', 'not-found');
        },
      }),
    );
    expect(await dispatch('project:open', { dir: '/tmp/x' })).toEqual({
      ok: false,
      error: { code: 'not-found', message: 'no id_prop.csv in /tmp/x: choose a CGCNN-layout folder' },
    });
  });

  it('turns an unexpected exception into an internal error and logs it, without throwing', async () => {
    const logged: string[] = [];
    const dispatch = createDispatcher(
      handlers({
        'job:list': () => {
          throw new TypeError('boom');
        },
      }),
      (m) => logged.push(m),
    );
    const res = await dispatch('job:list', undefined);
    expect(res).toEqual({ ok: false, error: { code: 'internal', message: 'job:list failed: boom' } });
    expect(logged[0]).toContain('TypeError: boom');
  });

  it('passes the demo calls their checked arguments', async () => {
    const seen: unknown[] = [];
    const dispatch = createDispatcher(
      handlers({
        'demo:screen': (arg) => {
          seen.push(arg);
          return { jobId: 'j1' };
        },
        'demo:report-pdf': (arg) => {
          seen.push(arg);
          return { path: arg.path, bytes: 1 };
        },
      }),
    );
    expect(await dispatch('demo:screen', undefined)).toEqual({ ok: true, value: { jobId: 'j1' } });
    expect(await dispatch('demo:screen', null)).toEqual({ ok: true, value: { jobId: 'j1' } });
    expect(await dispatch('demo:report-pdf', { path: '  /home/me/Demo report.PDF ' })).toEqual({ ok: true, value: { path: '/home/me/Demo report.PDF', bytes: 1 } });
    expect(await dispatch('demo:report-pdf', { path: 'C:\\Users\\me\\demo.pdf' })).toMatchObject({ ok: true });
    expect(seen).toEqual([undefined, undefined, { path: '/home/me/Demo report.PDF' }, { path: 'C:\\Users\\me\\demo.pdf' }]);
  });

  it('passes screen:start either a run or a catalogue model, checked', async () => {
    const seen: unknown[] = [];
    const dispatch = createDispatcher(
      handlers({
        'screen:start': (arg) => {
          seen.push(arg);
          return { screeningId: 's1', jobId: 'j1' };
        },
      }),
    );
    expect(await dispatch('screen:start', { runId: 'r1', folder: ' /data/cifs ', name: ' New ', recursive: false })).toMatchObject({ ok: true });
    expect(await dispatch('screen:start', { model: { source: 'shipped', name: 'mtcgcnn-e4-mp25k' }, folder: '/data/cifs', name: 'x', recursive: true })).toMatchObject({ ok: true });
    expect(await dispatch('screen:start', { model: { source: 'user', name: 'my model (v2)' }, folder: '/data/cifs', name: 'x', recursive: false })).toMatchObject({ ok: true });
    expect(seen).toEqual([
      { runId: 'r1', folder: '/data/cifs', name: 'New', recursive: false },
      { model: { source: 'shipped', name: 'mtcgcnn-e4-mp25k' }, folder: '/data/cifs', name: 'x', recursive: true },
      { model: { source: 'user', name: 'my model (v2)' }, folder: '/data/cifs', name: 'x', recursive: false },
    ]);
  });

  it('has a guard for every channel', () => {
    for (const c of INVOKE_CHANNELS) expect(typeof invokeContract[c].parse).toBe('function');
  });
});
