/**
 * Space groups by name: the Hall-symbol generator against spglib's operations for all 530 settings
 * (test/golden/spacegroups/hall-ops.json, written by scripts/golden_spacegroups.py), the H-M / Hall / IT
 * spellings files use, and CIFs written in P1 and under a space-group name only giving the same crystal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { operationsFromHall } from '../../src-main/core/crystal/hall-symbol';
import {
  ALL_SPACE_GROUP_SETTINGS,
  crystalSystemOf,
  findByHall,
  findByHermannMauguin,
  findByNumber,
  settingByHallNumber,
} from '../../src-main/core/crystal/space-group';
import { Lattice } from '../../src-main/core/crystal/lattice';
import { Structure } from '../../src-main/core/crystal/structure';
import { parseStructures } from '../../src-main/core/io';
import { writeCif } from '../../src-main/core/io/cif-writer';

const GOLDEN = path.resolve(__dirname, '../golden/spacegroups/hall-ops.json');
const golden: { rotations: number[][]; ops: string[] } = JSON.parse(fs.readFileSync(GOLDEN, 'utf8'));
const D24 = '0123456789abcdefghijklmn';

/** spglib's operations of one Hall number: 12 numbers each, translations in [0, 1). */
function goldenOps(hallNumber: number): number[][] {
  const s = golden.ops[hallNumber - 1];
  const out: number[][] = [];
  for (let k = 0; k < s.length; k += 5) {
    const r = golden.rotations[parseInt(s.slice(k, k + 2), 36)];
    out.push([...r, ...[2, 3, 4].map((j) => D24.indexOf(s[k + j]) / 24)]);
  }
  return out;
}

function opKey(op: readonly number[]): string {
  return [...op.slice(0, 9).map((v) => Math.round(v)), ...op.slice(9).map((t) => (((Math.round(t * 24) % 24) + 24) % 24))].join(',');
}

describe('Hall symbols -> operations, all 530 settings against spglib', () => {
  it('the golden file is small and complete', () => {
    expect(fs.statSync(GOLDEN).size).toBeLessThan(64 * 1024);
    expect(golden.ops.length).toBe(530);
    expect(ALL_SPACE_GROUP_SETTINGS.length).toBe(530);
  });

  it('every setting generates exactly spglib operations (as sets, translations mod 1)', () => {
    const wrong: string[] = [];
    for (const s of ALL_SPACE_GROUP_SETTINGS) {
      const got = operationsFromHall(s.hallSymbol).map(opKey);
      const want = goldenOps(s.hallNumber).map(opKey);
      const ok = new Set(got).size === got.length && got.length === want.length && new Set([...got, ...want]).size === want.length;
      if (!ok) wrong.push(`${s.hallNumber} '${s.hallSymbol}': ${got.length} operations, spglib ${want.length}`);
    }
    expect(wrong).toEqual([]);
  });

  it('puts the identity first and keeps translations in [0, 1)', () => {
    const ops = operationsFromHall('-F 4vw 2vw 3');
    expect(ops.length).toBe(192);
    expect(opKey(ops[0])).toBe('1,0,0,0,1,0,0,0,1,0,0,0');
    expect(ops.every((op) => op.slice(9).every((t) => t >= 0 && t < 1))).toBe(true);
  });

  it('refuses malformed Hall symbols by name', () => {
    expect(() => operationsFromHall('Q 2')).toThrow(/lattice symbol/);
    expect(() => operationsFromHall('P 5')).toThrow(/rotation order/);
    expect(() => operationsFromHall('P 2 (0 0')).toThrow(/origin shift/);
    expect(() => operationsFromHall('P 4 2*')).toThrow(/body diagonal/);
  });
});

describe('lookup by the spellings files use', () => {
  const hmCases: [string, number][] = [
    ['P 21 21 21', 115],
    ['P212121', 115],
    ['P 2_1 2_1 2_1', 115],
    ['p 21 21 21', 115],
    ['P2_1/n', 82],
    ['P 21/n     ', 82],
    ['P 1 21/n 1', 82],
    ['P 1 21/c 1', 81],
    ['P21/c', 81],
    ['P 21/c', 81],
    ['P 1 2_1/c 1', 81],
    ['P 1 1 21/b', 86],
    ['C 1 2/c 1', 90],
    ['C2/c', 90],
    ['C 2/c', 90],
    ['C2:b1', 9],
    ['P -1', 2],
    ['P-1', 2],
    ['P bar1', 2],
    ['P \\bar{1}', 2],
    ['P 1', 1],
    ['P1', 1],
    ['Pnma', 292],
    ['P n m a', 292],
    ['P b n m', 294],
    ['Cmce', 304],
    ['Cmca', 304],
    ['C m c a', 304],
    ['Abm2', 191],
    ['Pm-3m', 517],
    ['P m -3 m', 517],
    ['Pm3m', 517],
    ['Fm-3m', 523],
    ['F m 3 m', 523],
    ['I-43m', 513],
    ['Fd-3m:1', 525],
    ['F d -3 m :1', 525],
    ['Fd-3m:2', 526],
    ['F d -3 m {origin @ centre (-3m)}', 526],
    ['F d 3 m', 526],
    ['R 3 :H', 433],
    ['R3:R', 434],
    ['R -3 m :H', 458],
    ['R-3m:R', 459],
    ['R -3 m H', 458],
    ['P 63/m m c', 488],
    ['P6_3/mmc', 488],
    ['P 41 21 2', 369],
    ['P 4_1 2_1 2', 369],
    ['P 3 c 1', 448],
    ['P 4/n b m :1', 402],
    ['P 4/n b m :2', 403],
    ['I 41/a m d :2', 427],
    ['Ia-3d', 530],
    ['I a 3 d', 530],
  ];
  it.each(hmCases)('H-M %j -> Hall number %i', (symbol, hallNumber) => {
    expect(findByHermannMauguin(symbol).setting.hallNumber).toBe(hallNumber);
  });

  it('Hall symbols: table entries, case and spacing', () => {
    expect(findByHall('-P 2ybc')?.hallNumber).toBe(81);
    expect(findByHall('-p  2ybc')?.hallNumber).toBe(81);
    expect(findByHall('P 2ac 2ab')?.hallNumber).toBe(115);
    expect(findByHall('-R 3 2"')?.hallNumber).toBe(458);
    expect(findByHall('P 31 2c (0 0 1)')?.hallNumber).toBe(440);
    expect(findByHall('P 2 2 7')).toBeUndefined();
  });

  it('IT numbers give the standard setting; the cell chooses axes; origin choice 2 by default with a note', () => {
    expect(findByNumber(14).setting.fullSymbol).toBe('P 1 2_1/c 1');
    expect(findByNumber(62).setting.hallNumber).toBe(292);
    const fd = findByNumber(227);
    expect(fd.setting.choice).toBe('2');
    expect(fd.notes.join()).toMatch(/origin choice 2/);
    const hex = { lengthsAngstrom: [5, 5, 12] as [number, number, number], anglesDegrees: [90, 90, 120] as [number, number, number] };
    const rho = { lengthsAngstrom: [5, 5, 5] as [number, number, number], anglesDegrees: [70, 70, 70] as [number, number, number] };
    expect(findByNumber(166, hex).setting.choice).toBe('H');
    expect(findByNumber(166, rho).setting.choice).toBe('R');
    expect(findByHermannMauguin('R 3', rho).setting.hallNumber).toBe(434);
    const cUnique = { lengthsAngstrom: [5, 6, 7] as [number, number, number], anglesDegrees: [90, 90, 100] as [number, number, number] };
    expect(findByHermannMauguin('P 21/a', cUnique).setting.choice).toBe('c1');
    expect(findByHermannMauguin('P 21/a').setting.choice).toBe('b3');
    expect(() => findByNumber(231)).toThrow(/1\.\.230/);
  });

  it('a centred triclinic cell (I 1, C -1) is P1 / P-1 with the centring translations', () => {
    const m = findByHermannMauguin('C -1');
    expect(m.setting.hallSymbol).toBe('-C 1');
    expect(operationsFromHall(m.setting.hallSymbol).length).toBe(4);
  });

  it('unknown symbols and settings are refused by name', () => {
    expect(() => findByHermannMauguin('P 7')).toThrow(/'P 7' is not a Hermann-Mauguin symbol/);
    expect(() => findByHermannMauguin('Fd-3m:3')).toThrow(/setting ':3' does not exist/);
  });
});

// ------------------------------------------------------------------ round trip through CIF files

/** A cell that fits the setting's crystal system and axes. */
function cellFor(hallNumber: number): Lattice {
  const base = baseCell(hallNumber);
  // room for three general-position orbits: about 25 A^3 per atom
  const scale = Math.max(1, Math.cbrt((3 * goldenOps(hallNumber).length * 25) / base.volumeAngstrom3));
  const [a, b, c] = base.lengthsAngstrom;
  return Lattice.fromParameters(a * scale, b * scale, c * scale, ...base.anglesDegrees);
}

function baseCell(hallNumber: number): Lattice {
  const s = settingByHallNumber(hallNumber);
  switch (crystalSystemOf(s.number)) {
    case 'triclinic':
      return Lattice.fromParameters(5.1, 6.2, 7.3, 81, 95, 103);
    case 'monoclinic': {
      const axis = s.choice.replace('-', '')[0];
      return Lattice.fromParameters(5.1, 6.2, 7.3, axis === 'a' ? 104 : 90, axis === 'b' ? 104 : 90, axis === 'c' ? 104 : 90);
    }
    case 'orthorhombic':
      return Lattice.fromParameters(5.1, 6.2, 7.3, 90, 90, 90);
    case 'tetragonal':
      return Lattice.fromParameters(5.1, 5.1, 7.3, 90, 90, 90);
    case 'trigonal':
    case 'hexagonal':
      return s.choice === 'R' ? Lattice.fromParameters(6.1, 6.1, 6.1, 77, 77, 77) : Lattice.fromParameters(5.1, 5.1, 7.3, 90, 90, 120);
    case 'cubic':
      return Lattice.fromParameters(9.7, 9.7, 9.7, 90, 90, 90);
  }
}

/** Deterministic pseudo-random numbers. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function apply(op: readonly number[], f: readonly number[]): [number, number, number] {
  const r = (i: number): number => op[i * 3] * f[0] + op[i * 3 + 1] * f[1] + op[i * 3 + 2] * f[2] + op[9 + i];
  return [r(0), r(1), r(2)].map((v) => v - Math.floor(v + 1e-9)) as [number, number, number];
}

function periodicDistance(lat: Lattice, a: readonly number[], b: readonly number[]): number {
  const d = [0, 1, 2].map((i) => {
    const x = a[i] - b[i];
    return x - Math.round(x);
  });
  const m = lat.matrix;
  let best = Infinity;
  for (let i = -1; i <= 1; i++)
    for (let j = -1; j <= 1; j++)
      for (let k = -1; k <= 1; k++) {
        const f = [d[0] + i, d[1] + j, d[2] + k];
        const c = [0, 1, 2].map((q) => f[0] * m[0][q] + f[1] * m[1][q] + f[2] * m[2][q]);
        best = Math.min(best, Math.hypot(c[0], c[1], c[2]));
      }
  return best;
}

/**
 * An asymmetric unit of three atoms on general positions (every orbit at least 1.2 A from the others and from
 * itself), and its P1 expansion with spglib's operations (independent of our Hall code).
 */
function crystal(hallNumber: number, seed: number): { lattice: Lattice; asym: [number, [number, number, number]][]; p1: [number, [number, number, number]][] } {
  const lattice = cellFor(hallNumber);
  const ops = goldenOps(hallNumber);
  const rand = rng(seed);
  const p1: [number, [number, number, number]][] = [];
  const asym: [number, [number, number, number]][] = [];
  const elements = [26, 8, 14];
  for (let tries = 0; asym.length < 3 && tries < 5000; tries++) {
    const f: [number, number, number] = [rand(), rand(), rand()];
    const orbit = ops.map((op) => apply(op, f));
    const clash = orbit.some((p, i) => orbit.some((q, j) => j > i && periodicDistance(lattice, p, q) < 1.2) || p1.some(([, q]) => periodicDistance(lattice, p, q) < 1.2));
    if (clash) continue;
    const z = elements[asym.length];
    asym.push([z, f]);
    for (const p of orbit) p1.push([z, p]);
  }
  expect(asym.length, `room for three general positions in Hall ${hallNumber}`).toBe(3);
  return { lattice, asym, p1 };
}

function structureOf(lattice: Lattice, sites: [number, [number, number, number]][]): Structure {
  return Structure.fromFractional(
    lattice,
    sites.map(([z]) => z),
    sites.map(([, f]) => f),
  );
}

function sameSites(a: Structure, b: Structure): void {
  expect(a.numSites).toBe(b.numSites);
  const fb = b.wrappedFractional();
  const used = new Uint8Array(b.numSites);
  const fa = a.wrappedFractional();
  const missing: string[] = [];
  a.sites.forEach((s, i) => {
    const k = b.sites.findIndex((t, j) => !used[j] && t.z === s.z && periodicDistance(b.lattice, fa[i], fb[j]) < 1e-3);
    if (k < 0) missing.push(`${s.z} ${fa[i].join(' ')}`);
    else used[k] = 1;
  });
  expect(missing).toEqual([]);
}

/** Hall numbers covering the seven crystal systems, unique axes, cell choices, both origin choices and H / R. */
const SAMPLE = [
  2, // P-1
  6, // P 1 2_1 1
  81, // P 1 2_1/c 1
  82, // P 1 2_1/n 1
  90, // C 1 2/c 1
  99, // B 1 1 2/b (unique axis c)
  115, // P 2_1 2_1 2_1
  292, // Pnma
  294, // P b n m
  304, // Cmce
  335, // Fddd :1
  336, // Fddd :2
  402, // P4/nbm :1
  403, // P4/nbm :2
  426, // I 4_1/a m d :1
  427, // I 4_1/a m d :2
  433, // R3 :H
  434, // R3 :R
  458, // R-3m :H
  459, // R-3m :R
  440, // P 3_1 1 2 (origin shift in the Hall symbol)
  455, // P -3 1 2/c
  488, // P 6_3/m m c
  525, // Fd-3m :1
  526, // Fd-3m :2
  530, // Ia-3d
];

/** The H-M spelling written into the file: full symbol with its setting suffix where it needs one. */
function hmName(hallNumber: number): string {
  const s = settingByHallNumber(hallNumber);
  return /^[12HR]$/.test(s.choice) ? `${s.fullSymbol}:${s.choice}` : s.fullSymbol;
}

describe('CIF in P1 and CIF under a space-group name only give the same sites', () => {
  it('the sample covers all seven crystal systems and both origin choices', () => {
    const systems = new Set(SAMPLE.map((h) => crystalSystemOf(settingByHallNumber(h).number)));
    expect(systems.size).toBe(7);
    const choices = new Set(SAMPLE.map((h) => settingByHallNumber(h).choice));
    for (const c of ['1', '2', 'H', 'R']) expect(choices.has(c)).toBe(true);
  });

  it.each(SAMPLE)('Hall number %i: named -> P1 and P1 -> named', (hallNumber) => {
    const s = settingByHallNumber(hallNumber);
    const { lattice, asym, p1 } = crystal(hallNumber, hallNumber * 7919);
    const p1Cif = writeCif(structureOf(lattice, p1), { blockName: 'p1' });
    const [fromP1] = parseStructures(p1Cif, 'p1.cif');
    // the same crystal written as an asymmetric unit with only a name, three ways: H-M, Hall, IT number (standard settings)
    const names: { hermannMauguin?: string; hall?: string; number?: number }[] = [{ hermannMauguin: hmName(hallNumber) }, { hall: s.hallSymbol }];
    if (findByNumber(s.number, lattice).setting.hallNumber === hallNumber && !/^[12]$/.test(s.choice)) names.push({ number: s.number });
    for (const spaceGroup of names) {
      const named = writeCif(structureOf(lattice, asym), { blockName: 'named', spaceGroup });
      expect(named).not.toContain('_symmetry_equiv_pos_as_xyz');
      const [fromName] = parseStructures(named, 'named.cif');
      sameSites(fromName.structure, fromP1.structure);
      sameSites(fromP1.structure, fromName.structure);
    }
  });
});

describe('CIF reader: space group by name, and explicit operations that disagree with it', () => {
  const cell = '_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';
  const atoms = 'loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\nCl1 0.5 0.5 0.5\n';
  it.each([
    ["_symmetry_space_group_name_H-M 'F m -3 m'"],
    ["_space_group_name_H-M_alt 'F m 3 m'"],
    ["_symmetry_space_group_name_Hall '-F 4 2 3'"],
    ["_space_group_name_Hall '-F 4 2 3'"],
    ['_symmetry_Int_Tables_number 225'],
    ['_space_group_IT_number 225'],
  ])('rock salt from %s alone', (tag) => {
    const [s] = parseStructures(`data_nacl\n${tag}\n${cell}${atoms}`, 'nacl.cif');
    expect(s.structure.numSites).toBe(8);
    expect(s.structure.reducedFormula()).toBe('NaCl');
  });

  it('reads from the listed operations and warns when they do not match the named group', () => {
    const ops = "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'-x,-y,-z'\n";
    const [s] = parseStructures(`data_nacl\n_symmetry_space_group_name_H-M 'F m -3 m'\n${cell}${ops}${atoms}`, 'nacl.cif');
    expect(s.structure.numSites).toBe(2);
    expect(s.warnings.join('\n')).toMatch(/the 2 symmetry operations listed under _symmetry_equiv_pos_as_xyz do not match space group 'F m -3 m' \(F 4\/m -3 2\/m, Hall '-F 4 2 3'\) \(192 operations\)/);
    const matching = "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'-x,-y,-z'\n";
    const [p] = parseStructures(`data_p\n_symmetry_space_group_name_H-M 'P -1'\n${cell}${matching}${atoms}`, 'p.cif');
    expect(p.warnings.join('\n')).not.toMatch(/do not match/);
  });

  it('refuses an unknown symbol by name', () => {
    expect(() => parseStructures(`data_x\n_symmetry_space_group_name_H-M 'F m -3 q'\n${cell}${atoms}`, 'x.cif')).toThrow(/unknown space group: 'F m -3 q' is not a Hermann-Mauguin symbol/);
  });
});

describe('listed operations in the other origin choice of a name without one', () => {
  /** '-x+1/4,y,z' text of an operation (translations in 24ths). */
  function xyz(op: readonly number[]): string {
    return [0, 1, 2]
      .map((i) => {
        let t = '';
        for (let j = 0; j < 3; j++) {
          const c = op[i * 3 + j];
          if (c !== 0) t += `${c > 0 ? '+' : '-'}${'xyz'[j]}`;
        }
        const n = Math.round(op[9 + i] * 24);
        return n === 0 ? t : `${t}+${n}/24`;
      })
      .join(',');
  }

  it("'F d 3 m' with origin-choice-1 operations listed: read from them without a mismatch warning", () => {
    const ops = operationsFromHall(settingByHallNumber(525).hallSymbol);
    const text =
      `data_c\n_symmetry_space_group_name_H-M 'F d 3 m'\n_cell_length_a 3.567\n_cell_length_b 3.567\n_cell_length_c 3.567\n` +
      `_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_symmetry_equiv_pos_as_xyz\n${ops.map((o) => `'${xyz(o)}'`).join('\n')}\n` +
      'loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nC1 0 0 0\n';
    const [s] = parseStructures(text, 'c.cif');
    expect(s.structure.numSites).toBe(8);
    expect(s.warnings.join('\n')).not.toMatch(/do not match/);
  });
});
