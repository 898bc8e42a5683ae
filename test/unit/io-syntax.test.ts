/**
 * Building blocks of the structure readers: numbers, symmetry operations, element symbols, CIF syntax,
 * format detection, POSCAR / extended XYZ details, and a fuzz test (never anything but StructureReadError).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StructureReadError, formatFromName, parseStructures, sniffFormat } from '../../src-main/core/io';
import { parseNumber } from '../../src-main/core/io/numbers';
import { composeOps, parseSymOp } from '../../src-main/core/io/symops';
import { elementsInFreeText, speciesFromCifSymbol, speciesFromPoscarName } from '../../src-main/core/io/species';
import { getColumn, getScalar, parseCifSyntax } from '../../src-main/core/io/cif-syntax';
import { elementSymbol } from '../../src-main/core/crystal/elements';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof StructureReadError ? e.code : `not a StructureReadError: ${String(e)}`;
  }
  return 'no error';
}

const CELL = '_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';

describe('numbers', () => {
  it('parses CIF numbers with standard uncertainties exactly like Number()', () => {
    for (const s of ['5.431', '0.21154900', '-0.25', '+1', '90.', '.428', '1e-3', '1.5E+2', '0', '-0.0000001', '123456789.123456789', '3.14159265358979323846']) {
      expect(parseNumber(s)).toBe(Number(s));
    }
    expect(parseNumber('5.431(2)')).toBe(5.431);
    expect(parseNumber('0.0594(19)')).toBe(0.0594);
    expect(parseNumber('-1.38(13)')).toBe(-1.38);
    expect(parseNumber('1.0D-3')).toBe(0.001);
  });

  it('gives NaN for placeholders and junk', () => {
    for (const s of ['?', '.', '', '-', '+', 'abc', '1/2', '5.4(', '5.4()', '5.4(2', '5.4(2)x', '1e', '1.2.3', 'x1']) {
      expect(parseNumber(s), s).toBeNaN();
    }
  });

  it('agrees with Number() on random decimals', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 2000; i++) {
      const s = (rnd() * 10 ** Math.floor(rnd() * 8 - 4)).toFixed(Math.floor(rnd() * 12));
      expect(parseNumber(s)).toBe(Number(s));
    }
  });
});

describe('symmetry operations', () => {
  const apply = (op: number[], p: [number, number, number]): number[] => [0, 1, 2].map((i) => op[3 * i] * p[0] + op[3 * i + 1] * p[1] + op[3 * i + 2] * p[2] + op[9 + i]);

  it('parses the spellings found in real files', () => {
    const p: [number, number, number] = [0.1, 0.2, 0.3];
    const cases: [string, number[]][] = [
      ['x,y,z', [0.1, 0.2, 0.3]],
      ['-x+1/2, y, z-1/4', [0.4, 0.2, 0.05]],
      ['1/2+x,1/2-y,1/2+z', [0.6, 0.3, 0.8]],
      ['x-y,x,z+1/6', [-0.1, 0.1, 0.3 + 1 / 6]],
      ['+x,+y,+z', [0.1, 0.2, 0.3]],
      ['X, -Y, Z', [0.1, -0.2, 0.3]],
      ['x+0.5,y,z', [0.6, 0.2, 0.3]],
      ['-y+x, 2/3+x, -z', [-0.1, 2 / 3 + 0.1, -0.3]],
    ];
    for (const [s, want] of cases) {
      const got = apply(parseSymOp(s, 1), p);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
    }
    const magn = parseSymOp('x+1/3,y+2/3,z+2/3,+1', 1, true);
    expect(apply(magn, p)[0]).toBeCloseTo(0.1 + 1 / 3, 12);
  });

  it('rejects malformed operations with a syntax error', () => {
    for (const s of ['x,y', 'x,y,z,w', 'x,,z', 'x,y,q', 'x+,y,z', '2x,y,z', 'x,x,z', 'x1,x2,x3,x4']) {
      expect(() => parseSymOp(s, 3), s).toThrow();
    }
    expect(() => parseSymOp('x,y,z,+1', 3)).toThrow(/three components/);
  });

  it('composes operations', () => {
    const a = parseSymOp('-y,x-y,z+1/3', 1);
    const b = composeOps(a, composeOps(a, a));
    const v = apply(b, [0.1, 0.2, 0.3]);
    expect(v[0]).toBeCloseTo(0.1, 12);
    expect(v[2]).toBeCloseTo(1.3, 12);
  });
});

describe('element symbols', () => {
  it('reads type symbols with charges and labels', () => {
    const z = (s: string): string | undefined => {
      const sp = speciesFromCifSymbol(s);
      return sp ? `${elementSymbol(sp.z)}${sp.oxidation ?? ''}` : undefined;
    };
    expect(z('Fe')).toBe('Fe');
    expect(z('Fe2+')).toBe('Fe2');
    expect(z('O2-')).toBe('O-2');
    expect(z('Na+')).toBe('Na1');
    expect(z('C0+')).toBe('C0');
    expect(z('Cs+1')).toBe('Cs1');
    expect(z('FE1')).toBe('Fe');
    expect(z('O1A')).toBe('O');
    expect(z("O1'")).toBe('O');
    expect(z('Cl2')).toBe('Cl');
    expect(z('Ow3')).toBe('O');
    expect(z('Hw1')).toBe('H');
    expect(z('WatII')).toBe('O');
    expect(z('D1')).toBe('H');
    expect(z('0.0594(19)')).toBeUndefined();
    expect(z('Qq')).toBeUndefined();
    expect(z('?')).toBeUndefined();
  });

  it('reads POSCAR species names and element lists in free text', () => {
    expect(speciesFromPoscarName('Fe_pv')).toBe(26);
    expect(speciesFromPoscarName('Fe/3a1b')).toBe(26);
    expect(speciesFromPoscarName('O')).toBe(8);
    expect(speciesFromPoscarName('H1.25')).toBe(1);
    expect(speciesFromPoscarName('Xyz')).toBeUndefined();
    expect(elementsInFreeText('# Mn12 O12').map(elementSymbol)).toEqual(['Mn', 'O']);
    expect(elementsInFreeText('Cubic BN').map(elementSymbol)).toEqual(['B', 'N']);
    expect(elementsInFreeText('POSCAR of NaCl, relaxed').map(elementSymbol)).toEqual(['Na', 'Cl']);
    expect(elementsInFreeText('relaxed structure, step 12')).toEqual([]);
  });
});

describe('CIF syntax', () => {
  it('tokenizes quotes, text fields, comments, loops and DDL2 tags', () => {
    const doc = parseCifSyntax(
      [
        'data_a # comment',
        "_name 'it''s'  # a quote followed by a quote is not a closing quote",
        '_q "a b" _next value',
        '_text',
        ';line 1',
        'data_inside_text',
        ';',
        'loop_ _Atom_Site.Label _atom_site_fract_x',
        "A1 0.1 'A 2' 0.2",
        'data_b',
        '_cell_length_a 1.5(2)',
      ].join('\r\n'),
    );
    expect(doc.blocks.map((b) => b.name)).toEqual(['a', 'b']);
    const a = doc.blocks[0];
    expect(getScalar(a, '_name')!.value).toBe("it''s");
    expect(getScalar(a, '_q')!.value).toBe('a b');
    expect(getScalar(a, '_next')!.value).toBe('value');
    expect(getScalar(a, '_text')!.value).toBe('line 1\r\ndata_inside_text');
    expect(getColumn(a, '_atom_site_label')!.values).toEqual(['A1', 'A 2']);
    expect(getColumn(a, '_atom_site_label')!.lines).toEqual([9, 9]);
    expect(a.dottedAtomSite).toBe(true);
    expect(getScalar(doc.blocks[1], '_cell_length_a')!.line).toBe(11);
  });

  it('warns about stray values and tags without values instead of failing', () => {
    const doc = parseCifSyntax("data_x\n_symmetry_space_group_name_H-M 'R 3' ccc\n_empty\n_b 1\n");
    expect(doc.blocks[0].warnings.join('\n')).toMatch(/'ccc' at line 2 belongs to no tag[\s\S]*_empty at line 3 has no value/);
    expect(getScalar(doc.blocks[0], '_b')!.value).toBe('1');
  });

  it('marks truncation at the end of the text', () => {
    expect(parseCifSyntax('data_x\nloop_\n_a\n_b\n1 2 3').blocks[0].truncated?.reason).toMatch(/inside a loop row/);
    expect(parseCifSyntax("data_x\n_a 'open").blocks[0].truncated?.reason).toMatch(/never closed/);
    expect(parseCifSyntax('data_x\n_a\n;open\n').blocks[0].truncated?.reason).toMatch(/never closed/);
    expect(parseCifSyntax('data_x\n_a').blocks[0].truncated?.reason).toMatch(/before its value/);
    expect(parseCifSyntax('data_x\n_a 1').blocks[0].truncated).toBeUndefined();
  });

  it('refuses a loop whose rows do not fill its tags when the structure needs it', () => {
    const text = `data_x\n${CELL}loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa 0 0 0 Cl 0.5 0.5\n_other 1\n`;
    expect(codeOf(() => parseStructures(text, 'x.cif'))).toBe('syntax');
  });

  it('names the most informative block when every block fails', () => {
    const text = `data_pub\n_journal_name_full 'J'\ndata_s\n${CELL}loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nXx1 0 0 0\n`;
    try {
      parseStructures(text, 'two.cif');
      throw new Error('no error');
    } catch (e) {
      const err = e as StructureReadError;
      expect(err.code).toBe('unknown-element');
      expect(err.block).toBe('s');
      expect(err.line).toBe(15);
      expect(err.blockErrors?.map((b) => b.code)).toEqual(['missing-sites', 'unknown-element']);
      expect(err.message).toContain('data_pub');
    }
  });

  it('handles symmetry edge cases', () => {
    const atoms = 'loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0.1 0.2 0.3\n';
    // P 1 symbol, Hall P 1, IT number 1: identity
    for (const sym of ["_symmetry_space_group_name_H-M 'P 1'", "_space_group_name_Hall 'P 1'", '_space_group_IT_number 1']) {
      expect(parseStructures(`data_x\n${CELL}${sym}\n${atoms}`, 'x.cif')[0].structure.numSites).toBe(1);
    }
    // superspace operations
    const ssg = 'loop_\n_space_group_symop_ssg_operation_algebraic\nx1,x2,x3,x4\n';
    expect(codeOf(() => parseStructures(`data_x\n${CELL}${ssg}${atoms}`, 'x.cif'))).toBe('unsupported-symmetry');
    // magnetic operations with centring
    const magn =
      'loop_\n_space_group_symop.magn_operation_xyz\nx,y,z,+1\n-x,-y,-z,-1\nloop_\n_space_group_symop.magn_centering_xyz\nx,y,z,+1\nx+1/2,y+1/2,z+1/2,+1\n';
    expect(parseStructures(`data_x\n${CELL}${magn}${atoms}`, 'x.mcif')[0].structure.numSites).toBe(4);
  });

  it('merges symmetry copies within the tolerance and keeps redundant rows once', () => {
    const ops = "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'-x,-y,-z'\n";
    const rows = (r: string): string => `loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n${r}`;
    // 0.5004 and its inverse -0.5004 == 0.4996 are 0.0032 A apart in a 4 A cell: one site at 0.01 A
    const near = `data_x\n${CELL}${ops}${rows('Na1 Na 0.5004 0 0\n')}`;
    expect(parseStructures(near, 'x.cif')[0].structure.numSites).toBe(1);
    // at 0.001 A they stay two atoms 0.003 A apart: refused as unphysical (closer than 0.5 A)
    expect(() => parseStructures(near, 'x.cif', { mergeToleranceAngstrom: 0.001 })).toThrow(/unphysical structure: atoms 1 \(Na\) and 2 \(Na\) are 0.003 A apart/);
    // a row that repeats another row's symmetry copy
    const dup = `data_x\n${CELL}${ops}${rows('Na1 Na 0.1 0.2 0.3\nNa2 Na -0.1 -0.2 -0.3\n')}`;
    const [s] = parseStructures(dup, 'x.cif');
    expect(s.structure.numSites).toBe(2);
    expect(s.warnings.join()).toContain('kept once');
  });
});

describe('POSCAR and extended XYZ details', () => {
  it('reads three scale factors and species names with POTCAR suffixes', () => {
    // Cartesian positions are scaled per axis like the lattice vectors: (0.5, 0.5, 0.5) -> (0.5, 1, 1.5)
    const text = 'three scales\n1 2 3\n1 0 0\n0 1 0\n0 0 1\nFe_pv O_s\n1 1\nCartesian\n0 0 0\n0.5 0.5 0.5\n';
    const [s] = parseStructures(text, 'POSCAR');
    expect(s.structure.lattice.lengthsAngstrom).toEqual([1, 2, 3]);
    expect(s.structure.sites[1].frac.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0.5, 0.5, 0.5]);
    expect(s.structure.reducedFormula()).toBe('FeO');
  });

  it('reads VASP 4 species written after the coordinates', () => {
    const text = 'no names here\n1.0\n3 0 0\n0 3 0\n0 0 3\n1 1\nDirect\n0 0 0 Na\n0.5 0.5 0.5 Cl\n';
    expect(parseStructures(text, 'POSCAR')[0].structure.reducedFormula()).toBe('NaCl');
  });

  it('refuses pbc="F F F" and a bad Lattice', () => {
    expect(codeOf(() => parseStructures('1\nLattice="3 0 0 0 3 0 0 0 3" pbc="F F F"\nNa 0 0 0\n', 'a.xyz'))).toBe('not-periodic');
    expect(codeOf(() => parseStructures('1\nLattice="3 0 0 0 3 0"\nNa 0 0 0\n', 'a.xyz'))).toBe('syntax');
    expect(codeOf(() => parseStructures('2\nLattice="3 0 0 0 3 0 0 0 3"\nNa 0 0 0\n', 'a.xyz'))).toBe('truncated');
  });
});

describe('format detection', () => {
  it('maps file names to formats', () => {
    expect(formatFromName('a/b/mp-1.cif')).toBe('cif');
    expect(formatFromName('X.MCIF')).toBe('cif');
    expect(formatFromName('POSCAR')).toBe('poscar');
    expect(formatFromName('CONTCAR_relaxed')).toBe('poscar');
    expect(formatFromName('R3c-POSCAR')).toBe('poscar');
    expect(formatFromName('Fe.vasp')).toBe('poscar');
    expect(formatFromName('traj.extxyz')).toBe('xyz');
    expect(formatFromName('notes.txt')).toBeUndefined();
  });

  it('sniffs content', () => {
    expect(sniffFormat('# comment\ndata_x\n_cell_length_a 1\n')).toBe('cif');
    expect(sniffFormat('2\nLattice="1 0 0 0 1 0 0 0 1"\nH 0 0 0\nH 0.5 0 0\n')).toBe('xyz');
    expect(sniffFormat('c\n1.0\n1 0 0\n0 1 0\n0 0 1\nSi\n2\nDirect\n0 0 0\n0.25 0.25 0.25\n')).toBe('poscar');
    expect(sniffFormat('hello\nworld\n')).toBeUndefined();
  });
});

describe('robustness', () => {
  it('never throws anything but a StructureReadError on mutated files (fuzz)', () => {
    const dir = path.resolve(__dirname, '../fixtures/structures');
    const files = ['quartz-P3221.cif', 'partial-occupancy.cif', 'multi-block.cif', 'Fe2O3.vasp', 'CONTCAR.selective', 'NaCl-2frames.extxyz', 'NaCl-Fm-3m.cif'];
    let seed = 12345;
    const rnd = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
    const junk = ["'", '"', ';', '\n;', '\n', ' ', '?', '.', 'loop_', 'data_', '_atom_site_fract_x', '-', '(', '/', '#', '1e400', 'x', '0', '\u00e9', '\u0001'];
    let n = 0;
    const t0 = performance.now();
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      for (let k = 0; k < 150; k++) {
        let t = text;
        for (let m = 0; m < 1 + rnd(4); m++) {
          const at = rnd(t.length);
          const op = rnd(3);
          if (op === 0) t = t.slice(0, at) + t.slice(at + 1 + rnd(20));
          else if (op === 1) t = t.slice(0, at) + junk[rnd(junk.length)] + t.slice(at);
          else t = t.slice(0, at);
        }
        n++;
        try {
          parseStructures(t, f, { partialOccupancy: rnd(2) ? 'majority' : 'refuse' });
        } catch (e) {
          if (!(e instanceof StructureReadError) || e.code === 'internal') throw new Error(`mutation of ${f} gave ${String(e)}\n---\n${t}`, { cause: e });
        }
      }
    }
    expect(n).toBe(files.length * 150);
    expect(performance.now() - t0).toBeLessThan(100_000); // generous: catches a hang only (bench/ measures speed)
  });
});
