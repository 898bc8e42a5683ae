import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lattice, type Vec3 } from '../../src-main/core/crystal/lattice';
import { Structure } from '../../src-main/core/crystal/structure';
import { cifBlockName, writeCif } from '../../src-main/core/io/cif-writer';
import { parseStructures } from '../../src-main/core/io';
import { MP_SMALL_DIR } from '../shared-data';

function roundTrip(s: Structure, blockName = 'x', comment?: string): Structure {
  const text = writeCif(s, { blockName, comment });
  const read = parseStructures(text, `${blockName}.cif`);
  expect(read).toHaveLength(1);
  expect(read[0].warnings).toEqual([]);
  return read[0].structure;
}

/** Same lattice parameters, species, labels, oxidation states and wrapped fractional coordinates. */
function expectSame(back: Structure, s: Structure, digits = 7): void {
  for (let k = 0; k < 3; k++) {
    expect(back.lattice.lengthsAngstrom[k]).toBeCloseTo(s.lattice.lengthsAngstrom[k], digits);
    expect(back.lattice.anglesDegrees[k]).toBeCloseTo(s.lattice.anglesDegrees[k], digits);
  }
  expect(back.lattice.volumeAngstrom3).toBeCloseTo(s.lattice.volumeAngstrom3, 5);
  expect(Array.from(back.atomicNumbers())).toEqual(Array.from(s.atomicNumbers()));
  const wrapped = s.wrappedFractional();
  back.sites.forEach((site, i) => {
    for (let k = 0; k < 3; k++) {
      // 0.99999999999 and 0 are the same position
      const d = Math.abs(site.frac[k] - wrapped[i][k]);
      expect(Math.min(d, 1 - d)).toBeLessThan(10 ** -digits);
    }
  });
}

describe('writeCif', () => {
  it('writes a clean P1 CIF 1.1 block', () => {
    const s = Structure.fromFractional(
      Lattice.fromParameters(5.64, 5.64, 5.64, 90, 90, 90),
      ['Na', 'Cl'],
      [
        [0, 0, 0],
        [0.5, 0.5, 0.5],
      ],
    );
    const text = writeCif(s, { blockName: 'NaCl test', comment: 'first line\nsecond line' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('#\\#CIF_1.1');
    expect(lines.slice(1, 3)).toEqual(['# first line', '# second line']);
    expect(lines[3]).toBe('data_NaCl_test');
    expect(text).toMatch(/^_cell_length_a +5\.64000000$/m);
    expect(text).toMatch(/^_cell_angle_gamma +90\.00000000$/m);
    expect(text).toMatch(/^_symmetry_space_group_name_H-M +'P 1'$/m);
    expect(text).toMatch(/^_symmetry_Int_Tables_number +1$/m);
    expect(text).toContain("loop_\n_symmetry_equiv_pos_site_id\n_symmetry_equiv_pos_as_xyz\n1 'x, y, z'\n");
    expect(text).toContain(
      'loop_\n_atom_site_type_symbol\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n' +
        'Na Na1 0.00000000 0.00000000 0.00000000 1\nCl Cl1 0.50000000 0.50000000 0.50000000 1\n',
    );
    expect(text).toMatch(/^_chemical_formula_sum +'Na1 Cl1'$/m);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('round-trips a triclinic cell with coordinates outside [0, 1)', () => {
    const lattice = Lattice.fromParameters(4.123, 5.987, 7.001, 71.3, 98.7, 113.2);
    const frac: Vec3[] = [
      [0.1, 0.2, 0.3],
      [1.25, -0.125, 0.5],
      [0.999999999999, 0.333333333333, 2 / 3],
      [-1e-13, 0.75, 0.123456789],
      [0.5, 0.5, 0.5],
    ];
    const s = Structure.fromFractional(lattice, ['Fe', 'O', 'O', 'Li', 'P'], frac, { name: 'tri' });
    const back = roundTrip(s);
    expectSame(back, s);
    // the reader orients the cell as Lattice.fromParameters does: same matrix, same Cartesian positions
    for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) expect(back.lattice.matrix[i][k]).toBeCloseTo(lattice.matrix[i][k], 6);
    expect(back.densityGramsPerCm3()).toBeCloseTo(s.densityGramsPerCm3(), 8);
    expect(back.formula()).toBe(s.formula());
  });

  it('round-trips a lattice given by vectors in another orientation (same parameters and fractional coordinates)', () => {
    const lattice = Lattice.fromMatrix([
      [3.9, 0.4, -0.2],
      [1.1, 5.2, 0.3],
      [-0.7, 0.9, 6.6],
    ]);
    const s = Structure.fromFractional(lattice, ['Si', 'O', 'O'], [
      [0.1, 0.1, 0.1],
      [0.4, 0.2, 0.9],
      [0.7, 0.6, 0.05],
    ]);
    const back = roundTrip(s);
    expectSame(back, s);
    // interatomic distances are preserved
    const dist = (x: Structure, i: number, j: number): number => {
      const c = x.lattice.toCartesian([0, 1, 2].map((k) => x.sites[j].frac[k] - x.sites[i].frac[k]) as unknown as Vec3);
      return Math.hypot(...c);
    };
    expect(dist(back, 0, 1)).toBeCloseTo(dist(s, 0, 1), 6);
    expect(dist(back, 1, 2)).toBeCloseTo(dist(s, 1, 2), 6);
  });

  it('keeps valid unique labels and integer oxidation states; generates labels otherwise', () => {
    const lattice = Lattice.fromParameters(4, 4, 4, 90, 90, 90);
    const frac: Vec3[] = [
      [0, 0, 0],
      [0.5, 0.5, 0.5],
      [0.5, 0, 0],
    ];
    const labelled = Structure.fromFractional(lattice, ['Fe', 'O', 'O'], frac, { labels: ['Fe_a', 'O(1)', 'O2'], oxidationStates: [3, -2, -2] });
    const text = writeCif(labelled, { blockName: 'ox' });
    expect(text).toContain("Fe3+ Fe_a 0.00000000 0.00000000 0.00000000 1");
    expect(text).toContain("O2-  O(1)");
    const back = roundTrip(labelled);
    expect(back.sites.map((x) => x.label)).toEqual(['Fe_a', 'O(1)', 'O2']);
    expect(back.sites.map((x) => x.oxidationState)).toEqual([3, -2, -2]);

    const clashing = Structure.fromFractional(lattice, ['Fe', 'O', 'O'], frac, { labels: ['X', 'X', "it's"] });
    expect(roundTrip(clashing).sites.map((x) => x.label)).toEqual(['Fe1', 'O1', 'O2']);
  });

  it('round-trips every committed Materials Project structure (test/fixtures/mp-small)', () => {
    const files = fs.readdirSync(MP_SMALL_DIR).filter((f) => f.endsWith('.cif'));
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) {
      const [orig] = parseStructures(fs.readFileSync(path.join(MP_SMALL_DIR, f), 'utf8'), f);
      expectSame(roundTrip(orig.structure, orig.name), orig.structure, 6);
    }
  });

  it('makes block names CIF-safe and refuses silly precisions', () => {
    expect(cifBlockName('  my crystal\tno. 1 ')).toBe('my_crystal_no._1');
    expect(cifBlockName('')).toBe('structure');
    expect(cifBlockName('x'.repeat(100))).toHaveLength(75);
    const s = Structure.fromFractional(Lattice.fromParameters(3, 3, 3, 90, 90, 90), ['Cu'], [[0, 0, 0]]);
    expect(() => writeCif(s, { blockName: 'x', coordinateDecimals: 2 })).toThrow(/coordinateDecimals/);
    expect(writeCif(s, { blockName: 'x', coordinateDecimals: 5 })).toContain('Cu Cu1 0.00000 0.00000 0.00000 1');
  });
});
