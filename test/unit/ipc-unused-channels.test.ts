/**
 * Channels no view calls are not exposed: `dataset:summary` (a relative-path folder scan, never called by the
 * renderer) is gone from the contract, so a compromised renderer cannot use it to scan arbitrary folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS } from '../../src-shared/contract';
import { createDispatcher } from '../../src-main/ipc/dispatcher';
import type { Handlers } from '../../src-main/ipc/dispatcher';

function rendererSources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? rendererSources(p) : /\.(ts|vue)$/.test(e.name) ? [p] : [];
  });
}

describe('IPC channels', () => {
  it('dataset:summary is not a channel, and a call to it is an unknown channel', async () => {
    expect(INVOKE_CHANNELS).not.toContain('dataset:summary');
    const handlers = Object.fromEntries(INVOKE_CHANNELS.map((c) => [c, () => undefined])) as unknown as Handlers;
    const res = await createDispatcher(handlers)('dataset:summary', { dir: 'relative/dir' });
    expect(res).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('the renderer mentions no channel that the contract lacks', () => {
    const src = rendererSources(path.resolve(__dirname, '../../src-renderer/src')).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    expect(src).not.toMatch(/'dataset:summary'/);
  });
});
