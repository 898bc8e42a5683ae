/**
 * Hand-made fixtures (test/fixtures/structures): tricky but valid files, and broken files of every kind,
 * each refused with a typed StructureReadError whose message names the file, block and line.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type NamedStructure,
  type ReadOptions,
  StructureReadError,
  parseStructures,
  readStructureFile,
  readStructureFileSync,
} from '../../src-main/core/io';
import { elementSymbol } from '../../src-main/core/crystal/elements';

const FIX = path.resolve(__dirname, '../fixtures/structures');
const fx = (name: string): string => path.join(FIX, name);

function readOk(name: string, options?: ReadOptions): NamedStructure[] {
  return readStructureFileSync(fx(name), options);
}

function refusal(fn: () => unknown): StructureReadError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StructureReadError) return e;
    throw new Error(`expected a StructureReadError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a StructureReadError, got a result');
}

async function refusalAsync(p: Promise<unknown>): Promise<StructureReadError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StructureReadError) return e;
    throw new Error(`expected a StructureReadError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a StructureReadError, got a result');
}

/** Sorted "El x y z" strings of wrapped fractional coordinates, rounded to 1e-4. */
function siteList(s: NamedStructure): string[] {
  const wf = s.structure.wrappedFractional();
  return s.structure.sites
    .map((site, i) => `${elementSymbol(site.z)} ${wf[i].map((v) => (Math.round(v * 1e4) / 1e4) % 1).map((v) => v.toFixed(4)).join(' ')}`)
    .sort();
}

function closeTo(actual: number, expected: number, tol = 1e-6): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThan(tol);
}

describe('valid fixtures', () => {
  it('reads a one-atom cell with scalar atom-site items', () => {
    const [s] = readOk('one-atom.cif');
    expect(s.name).toBe('Po');
    expect(s.structure.numSites).toBe(1);
    expect(s.structure.sites[0].z).toBe(84);
    closeTo(s.structure.lattice.volumeAngstrom3, 3.359 ** 3, 1e-9);
  });

  it('reads a very skewed triclinic cell and wraps coordinates', () => {
    const [s] = readOk('skewed-triclinic.cif');
    const L = s.structure.lattice;
    const [a, b, c] = L.lengthsAngstrom;
    const [al, be, ga] = L.anglesDegrees;
    closeTo(a, 3.1);
    closeTo(b, 4.7);
    closeTo(c, 9.2);
    closeTo(al, 80);
    closeTo(be, 100);
    closeTo(ga, 25);
    const D = Math.PI / 180;
    const [ca, cb, cg] = [80, 100, 25].map((x) => Math.cos(x * D));
    closeTo(L.volumeAngstrom3, 3.1 * 4.7 * 9.2 * Math.sqrt(1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg), 1e-9);
    expect(siteList(s)).toEqual(['C 0.6000 0.7000 0.8000', 'C 0.7500 0.5000 0.0000', 'Si 0.1000 0.2000 0.3000']);
  });

  it('expands CsCl from the 48 listed operations of Pm-3m', () => {
    const [s] = readOk('CsCl-Pm-3m.cif');
    expect(siteList(s)).toEqual(['Cl 0.5000 0.5000 0.5000', 'Cs 0.0000 0.0000 0.0000']);
    expect(s.structure.sites.map((x) => x.oxidationState)).toEqual([1, -1]);
    expect(s.warnings).toEqual([]);
  });

  it('expands rock salt from 192 operations under _space_group_symop_operation_xyz', () => {
    const [s] = readOk('NaCl-Fm-3m.cif');
    expect(s.structure.numSites).toBe(8);
    expect(s.structure.reducedFormula()).toBe('NaCl');
    expect(siteList(s).filter((x) => x.startsWith('Na'))).toEqual([
      'Na 0.0000 0.0000 0.0000',
      'Na 0.0000 0.5000 0.5000',
      'Na 0.5000 0.0000 0.5000',
      'Na 0.5000 0.5000 0.0000',
    ]);
    closeTo(s.structure.lattice.lengthsAngstrom[0], 5.6402);
  });

  it('reads quartz: labels only, uncertainties, text fields, quotes, a special position', () => {
    const [s] = readOk('quartz-P3221.cif');
    expect(s.name).toBe('quartz');
    closeTo(s.structure.lattice.lengthsAngstrom[0], 4.9134);
    closeTo(s.structure.lattice.anglesDegrees[2], 120);
    expect(s.structure.numSites).toBe(9); // Si on a two-fold axis: 3, O general: 6
    const si = siteList(s).filter((x) => x.startsWith('Si'));
    expect(si).toEqual(['Si 0.0000 0.4697 0.8333', 'Si 0.4697 0.0000 0.1667', 'Si 0.5303 0.5303 0.5000']);
    expect(s.structure.sites.map((x) => x.label).filter((l) => l === 'O1').length).toBe(6);
  });

  it('returns every good block of a multi-block file and reports the others', () => {
    const got = readOk('multi-block.cif');
    expect(got.map((s) => s.name)).toEqual(['CsCl_P1', 'Fe_bcc']);
    expect(got[1].structure.numSites).toBe(2);
    const w = got[0].warnings.join('\n');
    expect(w).toContain('data_no_cell');
    expect(w).toContain('missing-cell');
    expect(w).toContain('data_global');
  });

  it('refuses partial occupancy by default and keeps the majority species on request', () => {
    const e = refusal(() => readOk('partial-occupancy.cif'));
    expect(e.code).toBe('partial-occupancy');
    expect(e.block).toBe('disordered');
    expect(e.line).toBe(16);
    expect(e.message).toMatch(/partial-occupancy\.cif, block data_disordered, line 16: .*Fe1: 0\.6, Ni1: 0\.4.*'majority'/);
    const [s] = readOk('partial-occupancy.cif', { partialOccupancy: 'majority' });
    // Fe (0.6) wins the Fe/Ni site, Li (0.3) is mostly vacant and dropped, Mn (0.75) kept, O2 (occupancy 0) dropped
    expect(siteList(s)).toEqual(['Fe 0.0000 0.0000 0.0000', 'Mn 0.5000 0.0000 0.0000', 'O 0.2500 0.2500 0.2500']);
    expect(s.structure.sites[0].oxidationState).toBe(2);
    expect(s.warnings.join('\n')).toMatch(/occupancy 0 dropped[\s\S]*mostly vacant/);
  });

  it('converts Cartesian coordinates with the CIF orthogonalisation (a along x)', () => {
    const [s] = readOk('cartesian.cif');
    expect(siteList(s)).toEqual(['C 0.3333 0.6667 0.2500', 'C 0.6667 0.3333 0.7500']);
  });

  it('reads CRLF line ends, tabs, centring operations and _atom_type oxidation numbers', () => {
    const [s] = readOk('crlf-tabs.cif');
    expect(s.structure.numSites).toBe(8);
    expect(s.structure.reducedFormula()).toBe('FeO');
    expect(new Set(s.structure.sites.map((x) => x.oxidationState))).toEqual(new Set([2, -2]));
  });

  it('reads a VASP 5 POSCAR', () => {
    const [s] = readOk('Fe2O3.vasp');
    expect(s.name).toBe('Fe2O3');
    expect(s.structure.formula()).toBe('Fe4 O6');
    closeTo(s.structure.sites[4].frac[2], 0.25);
  });

  it('reads a VASP 4 POSCAR with species in the comment line and a scale factor', () => {
    const [s] = readOk('POSCAR.vasp4');
    expect(s.structure.reducedFormula()).toBe('MgB2');
    closeTo(s.structure.lattice.lengthsAngstrom[0], 3.08);
    closeTo(s.structure.lattice.lengthsAngstrom[2], 3.08 * 1.1428571);
    expect(s.warnings[0]).toContain('comment line');
  });

  it('reads a negative scale factor as the target volume and scales Cartesian positions', () => {
    const [s] = readOk('POSCAR.negative-scale');
    closeTo(s.structure.lattice.volumeAngstrom3, 47.24, 1e-9);
    expect(siteList(s)).toEqual(['Cu 0.0000 0.0000 0.0000', 'Cu 0.0000 0.5000 0.5000', 'Cu 0.5000 0.0000 0.5000', 'Cu 0.5000 0.5000 0.0000']);
  });

  it('reads a CONTCAR with selective dynamics, Cartesian positions and velocities', () => {
    const [s] = readOk('CONTCAR.selective');
    expect(siteList(s)).toEqual(['Cl 0.5000 0.5000 0.5000', 'Na 0.0000 0.0000 0.0000']);
  });

  it('reads every frame of an extended XYZ file', () => {
    const got = readOk('NaCl-2frames.extxyz');
    expect(got.map((s) => s.name)).toEqual(['NaCl-2frames#0', 'NaCl-2frames#1']);
    closeTo(got[1].structure.lattice.volumeAngstrom3, 2 * 2.9 ** 3, 1e-9);
    expect(siteList(got[0])).toEqual(['Cl 0.5000 0.5000 0.5000', 'Na 0.0000 0.0000 0.0000']);
  });

  it('async and sync file readers and parseStructures agree', async () => {
    const a = await readStructureFile(fx('quartz-P3221.cif'));
    const b = parseStructures(fs.readFileSync(fx('quartz-P3221.cif'), 'utf8'), 'quartz-P3221.cif');
    expect(siteList(a[0])).toEqual(siteList(b[0]));
  });

  it('sniffs the format when the file name has no known extension', () => {
    const cif = fs.readFileSync(fx('one-atom.cif'), 'utf8');
    expect(parseStructures(cif, 'upload-1')[0].structure.numSites).toBe(1);
    const poscar = fs.readFileSync(fx('Fe2O3.vasp'), 'utf8');
    expect(parseStructures(poscar, 'upload-2')[0].structure.numSites).toBe(10);
    const xyz = fs.readFileSync(fx('NaCl-2frames.extxyz'), 'utf8');
    expect(parseStructures(xyz, 'upload-3').length).toBe(2);
  });

  it('keepLabels: false drops the labels only', () => {
    const [s] = readOk('quartz-P3221.cif', { keepLabels: false });
    expect(s.structure.numSites).toBe(9);
    expect(s.structure.sites.every((x) => x.label === undefined)).toBe(true);
  });
});

describe('broken fixtures: typed refusals naming file, block and line', () => {
  const cases: [file: string, code: StructureReadError['code'], block: string | undefined, line: number | undefined][] = [
    ['broken/empty.cif', 'empty', undefined, undefined],
    ['broken/whitespace.cif', 'empty', undefined, undefined],
    ['broken/truncated-loop.cif', 'truncated', 'cut', 15],
    ['broken/truncated-quote.cif', 'truncated', 'cut_quote', 11],
    ['broken/unterminated-text-field.cif', 'truncated', 'open_text', 9],
    ['broken/missing-cell.cif', 'missing-cell', 'no_cell', 1],
    ['broken/missing-atoms.cif', 'missing-sites', 'no_atoms', 1],
    ['broken/unknown-element.cif', 'unknown-element', 'unknown', 15],
    ['broken/degenerate-cell.cif', 'degenerate-cell', 'flat', 5],
    ['broken/symbol-only.cif', 'unsupported-symmetry', 'symbol_only', 2],
    ['broken/overlapping-sites.cif', 'overlapping-sites', 'overlap', 14],
    ['broken/bad-symop.cif', 'syntax', 'bad_op', 11],
    ['broken/bad-number.cif', 'syntax', 'bad_number', 14],
    ['broken/POSCAR.truncated', 'truncated', undefined, 14],
    ['broken/POSCAR.no-species', 'missing-species', undefined, 6],
    ['broken/POSCAR.degenerate', 'degenerate-cell', undefined, 3],
    ['broken/water.xyz', 'not-periodic', undefined, 2],
    ['broken/notes.txt', 'unsupported-format', undefined, 1],
  ];

  it.each(cases)('%s -> %s', (file, code, block, line) => {
    const e = refusal(() => readOk(file));
    expect(e.code).toBe(code);
    expect(e.file).toBe(fx(file));
    expect(e.message.startsWith(fx(file))).toBe(true);
    expect(e.block).toBe(block);
    expect(e.line).toBe(line);
    if (block !== undefined) expect(e.message).toContain(`block data_${block}`);
    if (line !== undefined) expect(e.message).toContain(`line ${line}`);
    expect(e.reason.length).toBeGreaterThan(10);
    expect(e.message.endsWith(e.reason)).toBe(true);
    // the same refusal from text
    const text = fs.readFileSync(fx(file), 'utf8');
    expect(refusal(() => parseStructures(text, path.basename(file))).code).toBe(code);
  });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-fixtures-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('refuses a binary file (NUL bytes) and random high bytes', async () => {
    const bin = path.join(tmp, 'image.cif');
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
    fs.writeFileSync(bin, bytes);
    expect(refusal(() => readStructureFileSync(bin)).code).toBe('binary');
    expect((await refusalAsync(readStructureFile(bin))).code).toBe('binary');
    const high = path.join(tmp, 'high.cif');
    fs.writeFileSync(high, Buffer.from(Array.from({ length: 4096 }, (_, i) => 0x80 + ((i * 31) % 120))));
    expect(refusal(() => readStructureFileSync(high)).code).toBe('binary');
    const gz = path.join(tmp, 'structure.cif.gz');
    fs.writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6]));
    expect(refusal(() => readStructureFileSync(gz)).reason).toContain('gzip');
    expect(refusal(() => parseStructures('data_x\n\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000e\u000f\u0010\u0011', 'ctl.cif')).code).toBe('binary');
  });

  it('decodes non-UTF-8 text as Latin-1 with a warning', () => {
    const latin = path.join(tmp, 'latin1.cif');
    const text = fs.readFileSync(fx('one-atom.cif'), 'latin1').replace('simple cubic', 'simple cubic \u00c5ngstr\u00f6m');
    fs.writeFileSync(latin, Buffer.from(text, 'latin1'));
    const [s] = readStructureFileSync(latin);
    expect(s.structure.numSites).toBe(1);
    expect(s.warnings[0]).toContain('Latin-1');
  });

  it('refuses a 50 MB file before reading it', async () => {
    const big = path.join(tmp, 'big.cif');
    const fd = fs.openSync(big, 'w');
    const chunk = Buffer.alloc(1 << 20, 'x 0.1 0.2 0.3\n');
    for (let i = 0; i < 50; i++) fs.writeSync(fd, chunk);
    fs.closeSync(fd);
    const t0 = performance.now();
    const e = refusal(() => readStructureFileSync(big));
    const e2 = await refusalAsync(readStructureFile(big));
    expect(performance.now() - t0).toBeLessThan(5000); // generous: this only catches a hang or a full read; speed is measured by bench/, not by tests on a shared machine
    expect(e.code).toBe('too-large');
    expect(e2.code).toBe('too-large');
    expect(e.message).toContain('big.cif');
    // a raised limit reads it (and fails as a CIF without data_ block, still quickly)
    expect(refusal(() => readStructureFileSync(big, { maxBytes: 60 * 1024 * 1024 })).code).toBe('syntax');
    // the text path enforces the limit too
    const t1 = performance.now();
    expect(refusal(() => parseStructures('x'.repeat(50 * 1024 * 1024), 'big.cif')).code).toBe('too-large');
    expect(performance.now() - t1).toBeLessThan(5000);
  });

  it('reports missing files and directories as io errors', async () => {
    expect(refusal(() => readStructureFileSync(path.join(tmp, 'nope.cif'))).code).toBe('io');
    expect((await refusalAsync(readStructureFile(tmp))).code).toBe('io');
  });

  it('fails fast on every truncation of a real CIF, never crashing', () => {
    const text = fs.readFileSync(fx('quartz-P3221.cif'), 'utf8');
    const t0 = performance.now();
    let refused = 0;
    for (let cut = 0; cut < text.length; cut += 7) {
      try {
        parseStructures(text.slice(0, cut), 'quartz.cif');
      } catch (e) {
        expect(e).toBeInstanceOf(StructureReadError);
        expect((e as StructureReadError).code).not.toBe('internal');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(text.length / 7 - 10);
    expect(performance.now() - t0).toBeLessThan(60_000); // generous: catches a hang only (bench/ measures speed)
  });
});
