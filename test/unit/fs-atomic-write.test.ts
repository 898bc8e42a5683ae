/**
 * The one atomic-write module: short writes are continued, a failed write leaves no temporary file and the
 * target untouched, and the writers built on it (training checkpoints, model bundles, app manifests) inherit that.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync, writeJsonAtomic } from '../../src-main/core/fs/atomic-write';
import { loadCheckpoint, saveCheckpoint } from '../../src-main/core/train/checkpoint';
import { tempDir } from '../fixtures/screen/helpers';

afterEach(() => {
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

/** Makes every fs.writeSync / fs.write write at most `max` bytes (as a slow pipe or a full page cache may). */
function shortWrites(max: number): void {
  const writeSync = fs.writeSync.bind(fs) as (fd: number, b: Uint8Array, off: number, len: number) => number;
  const short = (fd: number, b: Uint8Array, off?: number, len?: number): number => {
    const o = off ?? 0;
    return writeSync(fd, b, o, Math.min(len ?? b.length - o, max));
  };
  vi.spyOn(fs, 'writeSync').mockImplementation(short as unknown as typeof fs.writeSync);
  const write = fs.write.bind(fs) as (fd: number, b: Uint8Array, off: number, len: number, pos: null, cb: (e: Error | null, n: number) => void) => void;
  vi.spyOn(fs, 'write').mockImplementation(((fd: number, b: Uint8Array, off: number, len: number, pos: null, cb: (e: Error | null, n: number) => void) =>
    write(fd, b, off, Math.min(len, max), pos, cb)) as unknown as typeof fs.write);
  syncBuiltinESMExports();
}

/** Makes the disk full: fsync fails with ENOSPC. */
function failingFsync(): void {
  const enospc = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  vi.spyOn(fs, 'fsyncSync').mockImplementation(() => {
    throw enospc();
  });
  vi.spyOn(fs, 'fsync').mockImplementation(((_fd: number, cb: (e: Error | null) => void) => cb(enospc())) as typeof fs.fsync);
  syncBuiltinESMExports();
}

const leftovers = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('atomic writes', () => {
  const payload = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));

  it('continues after short writes (sync and async)', async () => {
    const dir = tempDir('atomic');
    shortWrites(777);
    writeFileAtomicSync(path.join(dir, 'a.bin'), payload);
    await writeFileAtomic(path.join(dir, 'b.bin'), payload);
    expect(fs.readFileSync(path.join(dir, 'a.bin')).equals(payload)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'b.bin')).equals(payload)).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });

  it('removes its temporary file and keeps the old content when the write fails (sync and async)', async () => {
    const dir = tempDir('atomic');
    fs.writeFileSync(path.join(dir, 'a.json'), 'old');
    fs.writeFileSync(path.join(dir, 'b.json'), 'old');
    failingFsync();
    expect(() => writeFileAtomicSync(path.join(dir, 'a.json'), 'new')).toThrow(/ENOSPC/);
    await expect(writeJsonAtomic(path.join(dir, 'b.json'), { x: 1 })).rejects.toThrow(/ENOSPC/);
    expect(leftovers(dir)).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'a.json'), 'utf8')).toBe('old');
    expect(fs.readFileSync(path.join(dir, 'b.json'), 'utf8')).toBe('old');
  });

  it('the checkpoint writer writes every byte on short writes and leaves nothing behind on failure', () => {
    const dir = tempDir('atomic-ckpt');
    const file = path.join(dir, 'train.ckpt');
    const data = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i));
    shortWrites(1000);
    saveCheckpoint(file, { meta: { epoch: 3 }, groups: { params: [{ name: 'w', shape: [50, 100], data }] } });
    vi.restoreAllMocks();
    syncBuiltinESMExports();
    const back = loadCheckpoint<{ epoch: number }>(file);
    expect(back.meta.epoch).toBe(3);
    expect(Array.from(back.groups.params[0].data)).toEqual(Array.from(data));
    failingFsync();
    expect(() => saveCheckpoint(file, { meta: { epoch: 4 }, groups: { params: [{ name: 'w', shape: [50, 100], data }] } })).toThrow(/ENOSPC/);
    expect(leftovers(dir)).toEqual([]);
  });
});
