import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countStructureFiles, isStructureFileName, walkStructureFiles } from '../../src-main/core/screen/file-walk';
import { tempDir } from '../fixtures/screen/helpers';

const dir = tempDir('screen-walk');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function list(root: string, recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  for await (const f of walkStructureFiles(root, { recursive })) {
    expect(f.path).toBe(path.join(root, ...f.relPath.split('/')));
    out.push(f.relPath);
  }
  return out;
}

describe('file walk', () => {
  it('accepts the structure file names and nothing else', () => {
    for (const ok of ['a.cif', 'B.CIF', 'x.mcif', 'POSCAR', 'POSCAR_1', 'poscar.h2o', 'CONTCAR', 'CONTCAR.relax', 'si.vasp', 'm.xyz', 'm.extxyz', 'n.poscar']) {
      expect(isStructureFileName(ok), ok).toBe(true);
    }
    for (const no of ['a.csv', 'README', 'a.cif.gz', 'OUTCAR', 'a.json', '.a.cif', '._POSCAR', 'cif', 'a.txt']) expect(isStructureFileName(no), no).toBe(false);
  });

  it('streams files in lexicographic relative-path order, subfolders only with recursive', async () => {
    const files = ['b.cif', 'a.cif', 'a/z.cif', 'a.b/POSCAR', 'a-c.xyz', 'A.cif', 'a/b/c.vasp', 'a/.hidden/x.cif', 'a/skip.txt', 'ab/y.cif', 'z/.x.cif'];
    for (const f of files) {
      fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), 'x');
    }
    fs.mkdirSync(path.join(dir, 'empty-dir'));
    const expected = ['A.cif', 'a-c.xyz', 'a.b/POSCAR', 'a.cif', 'a/b/c.vasp', 'a/z.cif', 'ab/y.cif', 'b.cif'];
    const all = await list(dir, true);
    expect(all).toEqual(expected);
    expect(all).toEqual([...all].sort()); // walk order == sorted relative paths
    expect(await list(dir, false)).toEqual(['A.cif', 'a-c.xyz', 'a.cif', 'b.cif']);
    expect(await countStructureFiles(dir, { recursive: true })).toBe(expected.length);
    expect(await countStructureFiles(dir, { recursive: true, filter: (p) => p.startsWith('a/') })).toBe(2);
  });

  it('follows links to files and skips directory loops', async () => {
    const root = path.join(dir, 'links');
    fs.mkdirSync(path.join(root, 'real'), { recursive: true });
    fs.writeFileSync(path.join(root, 'real', 'x.cif'), 'x');
    fs.symlinkSync(path.join(root, 'real', 'x.cif'), path.join(root, 'link.cif'));
    fs.symlinkSync(root, path.join(root, 'real', 'loop'));
    fs.symlinkSync(path.join(root, 'missing.cif'), path.join(root, 'dangling.cif'));
    const warnings: string[] = [];
    const out: string[] = [];
    for await (const f of walkStructureFiles(root, { recursive: true, onWarning: (m) => warnings.push(m) })) out.push(f.relPath);
    expect(out).toEqual(['link.cif', 'real/x.cif']);
    expect(warnings.join('\n')).toMatch(/real\/loop/);
  });

  it('stops when the signal aborts and rejects a missing root', async () => {
    const c = new AbortController();
    const out: string[] = [];
    for await (const f of walkStructureFiles(dir, { recursive: true, signal: c.signal })) {
      out.push(f.relPath);
      c.abort();
    }
    expect(out).toHaveLength(1);
    await expect(list(path.join(dir, 'nope'), false)).rejects.toThrow();
  });
});

describe('folder walk: names as pymatgen recognises them, and nothing passed over in silence', () => {
  it('reads Fe2O3_POSCAR, POSCAR.relax, x.VASP and reports notes.txt, .DS_Store and a subfolder', async () => {
    const { mkdtempSync, writeFileSync, mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { walkStructureFiles, SkipTally, describeSkipped } = await import('../../src-main/core/screen/file-walk');
    const dir = mkdtempSync(join(tmpdir(), 'walk-kinds-'));
    for (const n of ['Fe2O3_POSCAR', 'POSCAR.relax', 'x.VASP', 'CONTCAR', 'a.extxyz', 'b.mcif', 'notes.txt', '.DS_Store']) writeFileSync(join(dir, n), 'x');
    mkdirSync(join(dir, 'sub'));
    const tally = new SkipTally();
    const found: string[] = [];
    for await (const f of walkStructureFiles(dir, { onSkipped: tally.add })) found.push(f.relPath);
    expect(found).toEqual(['CONTCAR', 'Fe2O3_POSCAR', 'POSCAR.relax', 'a.extxyz', 'b.mcif', 'x.VASP']);
    const s = tally.summary();
    expect(s.byReason).toEqual({ hidden: 1, 'unknown kind': 1, folder: 1 });
    expect(describeSkipped(s)).toContain('1 not a structure file kind: notes.txt');
    expect(describeSkipped(s)).toContain('1 hidden: .DS_Store');
  });
});
