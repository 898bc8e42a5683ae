import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScan, scanDataset, type DatasetEntry } from '../../src-main/core/dataset/dataset-folder';
import { structureFileParser, structureFileParserAsync } from '../../src-main/core/dataset/structure-parse';
import {
  labelStatistics,
  validateDataset,
  validateDatasetAsync,
  type StructureParseOutcome,
} from '../../src-main/core/dataset/validation-report';
import { ElementFeatureTable } from '../../src-main/core/element-features';
import { HAVE_SAMPLE as hasSample, SAMPLE_DIR as SAMPLE } from '../shared-data';

const REPO = resolve(__dirname, '../..');
const FIX = join(REPO, 'test/fixtures/dataset');

describe('labelStatistics', () => {
  it('computes n, missing, min, max, mean, sample std, median and a 20-bin histogram', () => {
    const s = labelStatistics('y', 'eV', [1, 2, NaN, 3, 4, NaN]);
    expect(s).toMatchObject({ task: 'y', unit: 'eV', n: 4, missing: 2, min: 1, max: 4, mean: 2.5, median: 2.5 });
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.histogram!.edges.length).toBe(21);
    expect(s.histogram!.edges[0]).toBe(1);
    expect(s.histogram!.edges[20]).toBe(4);
    expect(s.histogram!.counts.length).toBe(20);
    expect(s.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(s.histogram!.counts[0]).toBe(1);
    expect(s.histogram!.counts[19]).toBe(1); // the maximum falls in the last bin
  });

  it('odd median, a single value, a constant column, and no values', () => {
    expect(labelStatistics('y', '', [5, 1, 3]).median).toBe(3);
    const one = labelStatistics('y', '', [7]);
    expect(one).toMatchObject({ n: 1, std: 0, mean: 7, median: 7 });
    const c = labelStatistics('y', '', [2, 2, 2]);
    expect(c.histogram!.edges[0]).toBe(1.5);
    expect(c.histogram!.edges[20]).toBe(2.5);
    expect(c.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(labelStatistics('y', '', [NaN])).toMatchObject({ n: 0, missing: 1, min: null, mean: null, histogram: null });
  });

  it('is numerically stable for large offsets', () => {
    const s = labelStatistics('y', '', [1e9 + 1, 1e9 + 2, 1e9 + 3]);
    expect(s.std).toBeCloseTo(1, 9);
  });
});

describe('validateDataset', () => {
  const scan = buildScan(
    '/d',
    'id,e_eV,g_eV\nok1,1,2\nok2,3,\nbad,1,1\nthrows,1,1\nxx,5,6\nnoatoms,1,1\nmissing,1,1\n',
    ['ok1.cif', 'ok2.cif', 'bad.cif', 'throws.cif', 'xx.cif', 'noatoms.cif', 'orphan.cif'],
  );
  const fake = (file: string, entry: DatasetEntry): StructureParseOutcome => {
    switch (entry.id) {
      case 'bad':
        return { error: 'syntax error on line 3' };
      case 'throws':
        throw new Error('boom');
      case 'xx':
        return { ok: true, numAtoms: 2, formula: 'OgFe', atomicNumbers: [118, 26] };
      case 'noatoms':
        return { ok: true, numAtoms: 0, formula: '' };
      default:
        expect(file).toBe(`/d/${entry.id}.cif`);
        return { ok: true, numAtoms: entry.id === 'ok1' ? 2 : 4, formula: 'NaCl', atomicNumbers: [11, 17], warnings: entry.id === 'ok2' ? ['x'] : [] };
    }
  };

  it('counts, bad files with reasons, coverage, statistics and problems', () => {
    const progress: number[] = [];
    const r = validateDataset(scan, fake, { features: ElementFeatureTable.builtin(), onProgress: (d) => progress.push(d) });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.counts).toEqual({
      csvRows: 7,
      validRows: 7,
      structureFiles: 7,
      entries: 6,
      parsed: 3,
      usable: 2,
      badFiles: 4,
      missingFiles: 1,
      orphanFiles: 1,
      duplicateIds: 0,
      csvIssues: 0,
      labelledPerTask: { e_eV: 2, g_eV: 1 },
      missingPerTask: { e_eV: 0, g_eV: 1 },
    });
    expect(r.badFiles.map((b) => [b.id, b.reason])).toEqual([
      ['bad', 'syntax error on line 3'],
      ['throws', 'boom'],
      ['xx', expect.stringMatching(/^OgFe: no element features for Og \(.*atom-features-cgcnn92\.json\)$/)],
      ['noatoms', 'no atoms (numAtoms = 0)'],
    ]);
    expect(r.unsupportedElements).toEqual([{ z: 118, symbol: 'Og', crystals: 1 }]);
    expect(r.elementsPresent).toBe(2);
    expect(r.atoms).toEqual({ min: 2, max: 4, mean: 3, median: 3 });
    expect(r.filesWithWarnings).toBe(1);
    expect(r.labelStats.map((s) => [s.task, s.unit, s.n, s.mean])).toEqual([
      ['e_eV', 'eV', 2, 2],
      ['g_eV', 'eV', 1, 2],
    ]);
    expect(r.missingFiles).toEqual(['missing']);
    expect(r.orphanFiles).toEqual(['orphan.cif']);
    expect(r.problems.join('\n')).toMatch(/1 row without a structure file \(e\.g\. missing\)/);
    expect(r.problems.join('\n')).toMatch(/4 structures cannot be used/);
    expect(r.problems.join('\n')).toMatch(/elements without features: Og \(1\)/);
    // Plain JSON: survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('without a feature table every parsed structure is usable; async gives the same report', async () => {
    const sync = validateDataset(scan, fake);
    expect(sync.counts.usable).toBe(3);
    const asyncReport = await validateDatasetAsync(scan, async (f, e) => fake(f, e));
    expect(asyncReport).toEqual(sync);
  });

  it('async validation can be cancelled', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(validateDatasetAsync(scan, fake, { signal: ac.signal })).rejects.toThrow('stop');
  });
});

describe('validateDataset with the structure readers', () => {
  it('messy fixture: the broken CIF is reported, the POSCAR is read', async () => {
    const scan = await scanDataset(join(FIX, 'messy'));
    const r = validateDataset(scan, structureFileParser(), { features: ElementFeatureTable.builtin() });
    expect(r.counts).toMatchObject({ csvRows: 9, validRows: 6, entries: 5, parsed: 4, usable: 4, badFiles: 1, missingFiles: 1, orphanFiles: 2, duplicateIds: 1, csvIssues: 3 });
    expect(r.badFiles.map((b) => b.id)).toEqual(['messy-5']);
    expect(r.badFiles[0].reason).toMatch(/messy-5\.cif/);
    expect(r.labelStats[0]).toMatchObject({ task: 'formation_energy_per_atom_eV', unit: 'eV/atom', n: 3, missing: 1, min: -2, max: -0.75 });
    expect(r.labelStats[1]).toMatchObject({ task: 'band gap, eV', n: 2, missing: 2 });
    expect(r.problems.join('\n')).toMatch(/2 malformed rows in id_prop\.csv \(first on line 8\)/);
    expect(r.problems.join('\n')).toMatch(/1 id repeated/);
    expect(r.elementsPresent).toBe(3); // Cs, Cl (CIFs) and Na (the POSCAR)
  });

  it.skipIf(!hasSample)('mt-cgcnn-sample: all 100 crystals usable, statistics match the README', async () => {
    const scan = await scanDataset(SAMPLE);
    const t0 = performance.now();
    const r = await validateDatasetAsync(scan, structureFileParserAsync(), { features: ElementFeatureTable.builtin() });
    console.log(`[dataset] mt-cgcnn-sample validated in ${(performance.now() - t0).toFixed(0)} ms: ${r.counts.usable} usable, ${r.elementsPresent} elements, atoms ${r.atoms?.median} median / ${r.atoms?.max} max`);
    expect(r.counts).toMatchObject({ csvRows: 100, entries: 100, parsed: 100, usable: 100, badFiles: 0, missingFiles: 0, orphanFiles: 0 });
    // the only remark: the two files of the folder that are not structures are named, not passed over in silence
    expect(r.problems).toEqual(['not read: 2 entries (2 not a structure file kind: README.md, material_id_hash.csv)']);
    // README: 73 elements, median 20 / max 136 atoms, formation energy -3.98..0.17, band gap 0..5.40, 37% below 0.025 eV.
    expect(r.elementsPresent).toBe(73);
    expect(r.atoms).toMatchObject({ median: 20, max: 136 });
    const [fe, gap] = r.labelStats;
    expect(fe.min).toBeCloseTo(-3.98, 2);
    expect(fe.max).toBeCloseTo(0.17, 2);
    expect(gap.min).toBe(0);
    expect(gap.max).toBeCloseTo(5.4, 2);
    expect(fe.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(100);
  });
});
