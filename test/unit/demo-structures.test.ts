// resources/demo: the committed files are what the generator writes, and each structure is the textbook
// prototype it claims to be (atom count, density, nearest-neighbour distance, coordination).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Structure } from '../../src-main/core/crystal/structure';
import { atomicNumber } from '../../src-main/core/crystal/elements';
import { DEMO_PROTOTYPES, buildDemoStructure } from '../../src-main/core/demo/prototypes';
import { demoFiles } from '../../src-main/core/demo/files';
import { readStructureFileSync } from '../../src-main/core/io';

const DEMO = path.resolve(__dirname, '..', '..', 'resources', 'demo');

/** Atoms per conventional cell. */
const EXPECTED_ATOMS: Record<string, number> = {
  'NaCl-rocksalt': 8,
  'MgO-rocksalt': 8,
  'ZnS-zincblende': 8,
  'GaAs-zincblende': 8,
  'ZnO-wurtzite': 4,
  'GaN-wurtzite': 4,
  'SrTiO3-perovskite': 5,
  'TiO2-rutile': 6,
  'CaF2-fluorite': 12,
  'MgAl2O4-spinel': 56,
  'Si-diamond': 8,
  'Fe-bcc': 2,
  'Cu-fcc': 4,
  'CsCl-caesiumchloride': 2,
};

/** Coordination of the first species of the nearest-neighbour pair by the second. */
const EXPECTED_COORDINATION: Record<string, number> = {
  'NaCl-rocksalt': 6,
  'MgO-rocksalt': 6,
  'ZnS-zincblende': 4,
  'GaAs-zincblende': 4,
  'ZnO-wurtzite': 4,
  'GaN-wurtzite': 4,
  'SrTiO3-perovskite': 6,
  'TiO2-rutile': 6,
  'CaF2-fluorite': 8,
  'MgAl2O4-spinel': 4,
  'Si-diamond': 4,
  'Fe-bcc': 8,
  'Cu-fcc': 12,
  'CsCl-caesiumchloride': 8,
};

/** Distances (Angstrom) from each site of element `a` to every site of element `b`, over neighbouring cells. */
function distancesFrom(s: Structure, a: string, b: string): number[][] {
  const za = atomicNumber(a)!;
  const zb = atomicNumber(b)!;
  const out: number[][] = [];
  s.sites.forEach((si, i) => {
    if (si.z !== za) return;
    const d: number[] = [];
    s.sites.forEach((sj, j) => {
      if (sj.z !== zb) return;
      for (let n0 = -2; n0 <= 2; n0++)
        for (let n1 = -2; n1 <= 2; n1++)
          for (let n2 = -2; n2 <= 2; n2++) {
            if (i === j && n0 === 0 && n1 === 0 && n2 === 0) continue;
            const c = s.lattice.toCartesian([sj.frac[0] - si.frac[0] + n0, sj.frac[1] - si.frac[1] + n1, sj.frac[2] - si.frac[2] + n2]);
            d.push(Math.hypot(c[0], c[1], c[2]));
          }
    });
    out.push(d);
  });
  return out;
}

function minOf(xs: number[][]): number {
  let m = Infinity;
  for (const row of xs) for (const x of row) if (x < m) m = x;
  return m;
}

function coordination(ds: number[], cutoff: number): number {
  return ds.filter((x) => x < cutoff).length;
}

describe('resources/demo', () => {
  it('holds exactly the generated files (run node scripts/generate-demo-structures.mjs after changing the prototypes)', () => {
    const files = demoFiles();
    for (const [name, text] of Object.entries(files)) {
      expect(fs.existsSync(path.join(DEMO, name)), `${name} is missing`).toBe(true);
      expect(fs.readFileSync(path.join(DEMO, name), 'utf8'), `${name} is out of date`).toBe(text);
    }
    const cifs = fs.readdirSync(DEMO).filter((f) => f.endsWith('.cif'));
    expect(cifs.sort()).toEqual(Object.keys(files).filter((f) => f.endsWith('.cif')).sort());
  });

  it('demo.json lists every structure with its file, formula and prototype', () => {
    const index = JSON.parse(fs.readFileSync(path.join(DEMO, 'demo.json'), 'utf8'));
    expect(index.structures.map((e: { id: string }) => e.id)).toEqual(Object.keys(EXPECTED_ATOMS));
    for (const e of index.structures) {
      expect(e).toMatchObject({ file: `${e.id}.cif`, atoms: EXPECTED_ATOMS[e.id] });
      expect(typeof e.name).toBe('string');
      expect(typeof e.prototype).toBe('string');
      expect(e.references.length).toBeGreaterThan(0);
      const read = readStructureFileSync(path.join(DEMO, e.file));
      expect(read[0].structure.reducedFormula()).toBe(e.formula);
    }
  });

  it('the README says they are idealised textbook prototypes and cites the lattice constants', () => {
    const readme = fs.readFileSync(path.join(DEMO, 'README.md'), 'utf8');
    expect(readme).toMatch(/textbook structure prototype/);
    expect(readme).toMatch(/idealised, not relaxed/);
    for (const p of DEMO_PROTOTYPES) for (const r of p.references) expect(readme).toContain(r.source);
  });

  describe.each(DEMO_PROTOTYPES.map((p) => [p.id, p] as const))('%s', (id, p) => {
    const file = path.join(DEMO, `${id}.cif`);

    it('parses without warnings, as P1 with the expected atoms', () => {
      const [read, ...more] = readStructureFileSync(file);
      expect(more).toHaveLength(0);
      expect(read.warnings).toEqual([]);
      expect(read.name).toBe(id);
      expect(read.structure.numSites).toBe(EXPECTED_ATOMS[id]);
      expect(read.structure.reducedFormula()).toBe(p.formula);
      const built = buildDemoStructure(p);
      expect(Array.from(read.structure.atomicNumbers())).toEqual(Array.from(built.atomicNumbers()));
      read.structure.sites.forEach((s, i) => {
        for (let k = 0; k < 3; k++) expect(s.frac[k]).toBeCloseTo(built.sites[i].frac[k], 7);
      });
      expect(read.structure.lattice.lengthsAngstrom[0]).toBeCloseTo(p.cell.a, 6);
      expect(read.structure.lattice.lengthsAngstrom[2]).toBeCloseTo(p.cell.c, 6);
      expect(read.structure.lattice.anglesDegrees[2]).toBeCloseTo(p.cell.gamma, 6);
    });

    it('has the literature density (within 2 %)', () => {
      const rho = readStructureFileSync(file)[0].structure.densityGramsPerCm3();
      expect(Math.abs(rho / p.densityGramsPerCm3 - 1)).toBeLessThan(0.02);
    });

    it('has the expected nearest-neighbour distance and coordination, and no atoms too close', () => {
      const s = readStructureFileSync(file)[0].structure;
      const [a, b] = p.nearestNeighbor.pair;
      const ds = distancesFrom(s, a, b);
      const nn = minOf(ds);
      expect(nn).toBeCloseTo(p.nearestNeighbor.distanceAngstrom, 3);
      // every site of `a` has the same coordination in these prototypes
      for (const d of ds) expect(coordination(d, nn + 0.1)).toBe(EXPECTED_COORDINATION[id]);
      // no pair of atoms (any species) closer than the nearest-neighbour bond
      const elements = [...new Set(s.sites.map((x) => x.z))].map((z) => s.elements().find((e) => atomicNumber(e) === z)!);
      let shortest = Infinity;
      for (const x of elements) for (const y of elements) shortest = Math.min(shortest, minOf(distancesFrom(s, x, y)));
      expect(shortest).toBeGreaterThan(nn - 1e-6);
    });
  });

  it('spinel: Mg tetrahedral, Al octahedral, O bonded to 1 Mg + 3 Al, bonds near 1.92 A', () => {
    const s = readStructureFileSync(path.join(DEMO, 'MgAl2O4-spinel.cif'))[0].structure;
    const alO = distancesFrom(s, 'Al', 'O');
    for (const d of alO) {
      expect(coordination(d, 2.1)).toBe(6);
      expect(Math.min(...d)).toBeCloseTo(1.926, 2);
    }
    for (const d of distancesFrom(s, 'O', 'Mg')) expect(coordination(d, 2.1)).toBe(1);
    for (const d of distancesFrom(s, 'O', 'Al')) expect(coordination(d, 2.1)).toBe(3);
    expect(s.composition()).toEqual(new Map([['Mg', 8], ['Al', 16], ['O', 32]]));
  });

  it('perovskite: Sr is 12-coordinated by O at a/sqrt(2)', () => {
    const s = readStructureFileSync(path.join(DEMO, 'SrTiO3-perovskite.cif'))[0].structure;
    const [d] = distancesFrom(s, 'Sr', 'O');
    expect(Math.min(...d)).toBeCloseTo(3.905 / Math.SQRT2, 4);
    expect(coordination(d, 2.8)).toBe(12);
  });
});
