import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScan, scanDataset, scanDatasetSync, structureFileInfo } from '../../src-main/core/dataset/dataset-folder';
import { HAVE_MP25K as hasMp, HAVE_SAMPLE as hasSample, MP25K_DIR as MP25K, SAMPLE_DIR as SAMPLE } from '../shared-data';

const REPO = resolve(__dirname, '../..');
const FIX = join(REPO, 'test/fixtures/dataset');

describe('scanDataset on fixtures', () => {
  it('hand-written fixtures are not named like Materials Project data (mp-123 / mvc-123); only mp-small holds MP files', () => {
    const files = readdirSync(join(REPO, 'test/fixtures'), { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => !f.startsWith('mp-small') && /(^|[\\/])(mp|mvc)-\d+\.[^\\/]+$/i.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('mp-small') && /\.cif$/.test(f)).length).toBeGreaterThan(30);
    expect(existsSync(join(REPO, 'test/fixtures/mp-small/README.md'))).toBe(true);
    const ids = readFileSync(join(FIX, 'messy', 'id_prop.csv'), 'utf8').split(/\r?\n/).slice(1).map((l) => l.split(',')[0]);
    expect(ids.filter((id) => /^(mp|mvc)-\d+$/i.test(id))).toEqual([]);
  });

  it('headerless folder: tasks target_1..2, all files matched', async () => {
    const s = await scanDataset(join(FIX, 'headerless'));
    expect(s.dir).toBe(join(FIX, 'headerless'));
    expect(s.hasHeader).toBe(false);
    expect(s.tasks).toEqual([
      { name: 'target_1', unit: '' },
      { name: 'target_2', unit: '' },
    ]);
    expect(s.entries.map((e) => [e.id, e.format])).toEqual([['1', 'cif'], ['2', 'cif'], ['3', 'cif']]);
    expect(s.entries[0].file).toBe(join(FIX, 'headerless', '1.cif'));
    expect(Number.isNaN(s.entries[1].labels[1])).toBe(true);
    expect(Number.isNaN(s.entries[2].labels[1])).toBe(true);
    expect(s.missingFiles).toEqual([]);
    expect(s.orphanFiles).toEqual([]);
    expect(s.atomInitFile).toBeNull();
  });

  it('messy folder: missing cells, malformed rows, duplicate, missing file, orphan, .vasp, atom_init.json', async () => {
    const s = await scanDataset(join(FIX, 'messy'));
    expect(s.hasHeader).toBe(true);
    expect(s.tasks).toEqual([
      { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
      { name: 'band gap, eV', unit: 'eV' },
    ]);
    expect(s.entries.map((e) => e.id)).toEqual(['messy-1', 'messy-2', 'messy-3', 'messy-4', 'messy-5']);
    const byId = Object.fromEntries(s.entries.map((e) => [e.id, e]));
    expect(byId['messy-3'].format).toBe('poscar');
    expect(byId['messy-3'].file.endsWith('messy-3.vasp')).toBe(true);
    expect(Array.from(byId['messy-1'].labels)).toEqual([-1.5, 0]);
    expect(Number.isNaN(byId['messy-2'].labels[1])).toBe(true);
    expect(byId['messy-3'].labels[0]).toBe(-2);
    expect(Number.isNaN(byId['messy-3'].labels[1])).toBe(true);
    expect(Number.isNaN(byId['messy-4'].labels[0])).toBe(true);
    expect(byId['messy-4'].line).toBe(6); // after a blank line
    expect(s.missingFiles).toEqual(['messy-8']);
    // messy-6's row is malformed, so its file is unmatched too.
    expect(s.orphanFiles).toEqual(['messy-6.cif', 'orphan-7.cif']);
    expect(s.csvIssues.map((i) => [i.line, i.kind])).toEqual([
      [8, 'column-count'],
      [9, 'non-numeric'],
      [10, 'duplicate-id'],
    ]);
    expect(s.duplicateIds).toEqual([{ id: 'messy-1', lines: [2, 10] }]);
    expect(s.csvDataLines).toBe(9);
    expect(s.structureFileCount).toBe(7);
    expect(s.atomInitFile).toBe(join(FIX, 'messy', 'atom_init.json'));
    expect(scanDatasetSync(join(FIX, 'messy'))).toEqual(s);
  });

  it('explains a folder without id_prop.csv or a missing folder', async () => {
    await expect(scanDataset(join(FIX))).rejects.toThrow(/has no id_prop\.csv/);
    await expect(scanDataset(join(FIX, 'nope'))).rejects.toThrow(/cannot read dataset folder/);
  });
});

describe('buildScan matching rules', () => {
  it('prefers .cif, reports ambiguity, matches case-insensitively only as a fallback', () => {
    const s = buildScan('/d', 'id,y\na,1\nB,2\nc,3\nC,4\nq,5\n', ['a.cif', 'a.vasp', 'b.CIF', 'c.cif', 'x.xyz', 'notes.txt', 'id_prop.csv', 'POSCAR']);
    expect(s.entries.map((e) => [e.id, e.file, e.format])).toEqual([
      ['a', '/d/a.cif', 'cif'],
      ['B', '/d/b.CIF', 'cif'],
      ['c', '/d/c.cif', 'cif'],
    ]);
    expect(s.ambiguous).toEqual([{ id: 'a', files: ['a.cif', 'a.vasp'] }]);
    expect(s.caseMismatches).toEqual([{ id: 'B', file: 'b.CIF' }]);
    // 'C' may not take c.cif, which 'c' names exactly.
    expect(s.missingFiles).toEqual(['C', 'q']);
    expect(s.orphanFiles).toEqual(['x.xyz']);
    expect(s.structureFileCount).toBe(5);
  });

  it('recognises structure file names', () => {
    expect(structureFileInfo('mp-1.cif')).toEqual({ stem: 'mp-1', ext: '.cif', format: 'cif' });
    expect(structureFileInfo('a.b.extxyz')).toEqual({ stem: 'a.b', ext: '.extxyz', format: 'xyz' });
    expect(structureFileInfo('x.POSCAR')?.format).toBe('poscar');
    expect(structureFileInfo('.cif')).toBeUndefined();
    expect(structureFileInfo('atom_init.json')).toBeUndefined();
  });

  it('accepts a custom unit inference', () => {
    const s = buildScan('/d', 'id,k\n', [], { inferUnit: (n) => `u(${n})` });
    expect(s.tasks).toEqual([{ name: 'k', unit: 'u(k)' }]);
  });
});

describe.skipIf(!hasSample)('mt-cgcnn-sample (100 crystals)', () => {
  it('matches all 100 rows to CIFs and notices atom_init.json', async () => {
    const s = await scanDataset(SAMPLE);
    expect(s.hasHeader).toBe(true);
    expect(s.tasks).toEqual([
      { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
      { name: 'band_gap_eV', unit: 'eV' },
    ]);
    expect(s.entries.length).toBe(100);
    expect(s.entries.every((e) => e.format === 'cif')).toBe(true);
    expect(s.missingFiles).toEqual([]);
    expect(s.orphanFiles).toEqual([]);
    expect(s.csvIssues).toEqual([]);
    expect(s.atomInitFile).toBe(join(SAMPLE, 'atom_init.json'));
    expect(s.entries[0].id).toBe('0');
    expect(s.entries[0].labels[0]).toBeCloseTo(-0.5754582908333337, 15);
  });
});

describe.skipIf(!hasMp)('mp-cgcnn-25k', () => {
  it('scans 25,710 rows and files and the counts match', async () => {
    const t0 = performance.now();
    const s = await scanDataset(MP25K);
    const ms = performance.now() - t0;
    console.log(`[dataset] mp-cgcnn-25k scanned in ${ms.toFixed(0)} ms: ${s.entries.length} entries, ${s.structureFileCount} structure files`);
    expect(s.tasks.map((t) => t.name)).toEqual(['formation_energy_per_atom_eV', 'band_gap_eV', 'efermi_eV']);
    expect(s.tasks.map((t) => t.unit)).toEqual(['eV/atom', 'eV', 'eV']);
    expect(s.csvDataLines).toBe(25_710);
    expect(s.entries.length).toBe(25_710);
    expect(s.structureFileCount).toBe(25_710);
    expect(s.missingFiles).toEqual([]);
    expect(s.orphanFiles).toEqual([]);
    expect(s.csvIssues).toEqual([]);
    expect(s.entries.every((e) => e.labels.every(Number.isFinite))).toBe(true);
    // Independent count of the CSV's data lines.
    const lines = readFileSync(join(MP25K, 'id_prop.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(lines.length - 1).toBe(s.entries.length);
    expect(s.entries[0].id).toBe('mp-2');
    expect(ms).toBeLessThan(100_000); // generous: catches a hang only (bench/ measures speed)
  });
});
