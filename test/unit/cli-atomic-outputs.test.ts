/**
 * `predict --out` and `report --out` write atomically: when the disk fails mid-write, the previous file is still there
 * unchanged and no temporary file is left (they used to write in place).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src-main/core/compute/backend';
import { runCommand, type Command } from '../../src-main/cli/command';
import { predictCommand } from '../../src-main/cli/commands/predict';
import { reportCommand } from '../../src-main/cli/commands/report';
import { tempDir } from '../fixtures/screen/helpers';

const V1 = path.resolve(__dirname, '../fixtures/model-bundle-v1');
const NACL = path.resolve(__dirname, '../fixtures/structures/NaCl-Fm-3m.cif');
const CSCL = path.resolve(__dirname, '../fixtures/structures/CsCl-Pm-3m.cif');

let work: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm', skipNative: true });
  work = tempDir('cli-atomic');
});
afterEach(() => vi.restoreAllMocks());

async function run(cmd: Command, ...argv: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const code = await runCommand(cmd, argv, { out: () => {}, err: (l) => err.push(l), progress: () => {}, isTty: false });
  return { code, err: err.join('\n') };
}

function diskFull(): void {
  vi.spyOn(fs, 'fsyncSync').mockImplementation(() => {
    throw Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' });
  });
}

const tmpFiles = (): string[] => fs.readdirSync(work).filter((f) => f.endsWith('.tmp'));

describe('CLI outputs are written atomically', () => {
  it('predict --out keeps the previous file when the write fails', async () => {
    const out = path.join(work, 'pred.csv');
    expect((await run(predictCommand, NACL, CSCL, '--model', V1, '--out', out)).code).toBe(0);
    const before = fs.readFileSync(out, 'utf8');
    expect(before.split('\n')).toHaveLength(4);
    diskFull();
    const r = await run(predictCommand, NACL, '--model', V1, '--out', out);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/ENOSPC/);
    expect(fs.readFileSync(out, 'utf8')).toBe(before);
    expect(tmpFiles()).toEqual([]);
  });

  it('report --out keeps the previous HTML when the write fails', async () => {
    const csv = path.join(work, 'hits.csv');
    expect((await run(predictCommand, NACL, CSCL, '--model', V1, '--out', csv)).code).toBe(0);
    const html = path.join(work, 'hits.html');
    const first = await run(reportCommand, csv, '--model', V1, '--out', html);
    expect(first.code, first.err).toBe(0);
    const before = fs.readFileSync(html, 'utf8');
    expect(before).toMatch(/<html/i);
    diskFull();
    const r = await run(reportCommand, csv, '--model', V1, '--out', html, '--title', 'Second');
    expect(r.code).not.toBe(0);
    expect(fs.readFileSync(html, 'utf8')).toBe(before);
    expect(tmpFiles()).toEqual([]);
  });
});
