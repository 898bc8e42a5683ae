/**
 * Golden tests: our neighbour search and CGCNN graphs against pymatgen 2022.11.7 (scripts/golden_neighbors.py).
 */
import { describe, expect, it } from 'vitest';
import { buildCrystalGraph } from '../../src-main/core/graph/build-graph';
import { DEFAULT_GRAPH_SETTINGS, type GraphSettings } from '../../src-main/core/graph/crystal-graph';
import { PAIRS_MAX_ATOMS, findNeighbors, type NeighborMethod } from '../../src-main/core/graph/neighbors';
import type { Structure } from '../../src-main/core/crystal/structure';
import { HAVE_MP25K } from '../shared-data';
import { compareAtom, loadFixture, loadMpStructure, readGolden, type GoldenRecord } from './graph-helpers';

const DIST_TOL = 1e-4;

function checkGraph(rec: GoldenRecord, structure: Structure, method: NeighborMethod, tieTol: number): string[] {
  const settings: GraphSettings = { ...DEFAULT_GRAPH_SETTINGS, radiusAngstrom: rec.radius, maxNeighbors: rec.maxNbr };
  const g = buildCrystalGraph(rec.id, structure, settings, { method });
  const errors: string[] = [];
  if (g.numAtoms !== rec.n) return [`${rec.id}: ${g.numAtoms} atoms, golden ${rec.n}`];
  if (Array.from(g.atomicNumbers).join() !== rec.z.join()) errors.push(`${rec.id}: atomic numbers differ`);
  const m = rec.maxNbr;
  const expectedPadded = rec.count.filter((c) => c < m).length;
  if (g.paddedAtoms !== expectedPadded) errors.push(`${rec.id}: paddedAtoms ${g.paddedAtoms}, golden ${expectedPadded}`);
  for (let a = 0; a < rec.n; a++) {
    const err = compareAtom(
      rec,
      a,
      g.neighborIndex.subarray(a * m, (a + 1) * m),
      g.neighborDistance.subarray(a * m, (a + 1) * m),
      DIST_TOL,
      tieTol,
    );
    if (err) errors.push(`${rec.id} (r=${rec.radius}, ${method}): ${err}`);
  }
  return errors;
}

function checkCounts(rec: GoldenRecord, structure: Structure, method: NeighborMethod): string[] {
  const nl = findNeighbors(structure, rec.radius, { method });
  const counts = Array.from({ length: rec.n }, (_, i) => nl.offsets[i + 1] - nl.offsets[i]);
  return counts.join() === rec.count.join() ? [] : [`${rec.id} (${method}): counts [${counts}] vs golden [${rec.count}]`];
}

describe('golden neighbours: the committed Materials Project crystals (test/fixtures/mp-small) vs pymatgen', () => {
  const golden = readGolden('mp-small-golden.json.gz');

  it('covers every committed crystal, with ties at the cut, one-atom cells and multi-image neighbours', () => {
    const tags = (t: string): number => golden.crystals.filter((c) => c.tags.includes(t)).length;
    expect(golden.crystals.length).toBeGreaterThanOrEqual(40);
    expect(tags('ties')).toBeGreaterThanOrEqual(3);
    expect(tags('multi-image')).toBeGreaterThanOrEqual(5);
    expect(golden.crystals.filter((c) => c.n === 1).length).toBeGreaterThanOrEqual(3);
  });

  for (const method of ['auto', 'pairs', 'cells'] as const) {
    it(`CGCNN graphs match (12 nearest within 8 A, method ${method})`, () => {
      const errors: string[] = [];
      for (const rec of golden.crystals) errors.push(...checkGraph(rec, loadMpStructure(rec.id), method, golden.meta.tieTol));
      expect(errors.slice(0, 20)).toEqual([]);
    });
  }

  it('neighbour counts within 8 A match for every atom', () => {
    const errors: string[] = [];
    for (const rec of golden.crystals) errors.push(...checkCounts(rec, loadMpStructure(rec.id), 'auto'));
    expect(errors.slice(0, 20)).toEqual([]);
  });
});

describe.skipIf(!HAVE_MP25K)('golden neighbours: mp-cgcnn-25k crystals vs pymatgen', () => {
  const golden = readGolden('mp-golden.json.gz');
  const structures = new Map<string, Structure>();
  const get = (id: string): Structure => {
    let s = structures.get(id);
    if (!s) structures.set(id, (s = loadMpStructure(id)));
    return s;
  };

  it('covers enough crystals and the interesting cases', () => {
    const tags = (t: string): number => golden.crystals.filter((c) => c.tags.includes(t)).length;
    expect(golden.crystals.length).toBeGreaterThanOrEqual(300);
    expect(tags('ties')).toBeGreaterThanOrEqual(20);
    expect(tags('small-cell')).toBeGreaterThanOrEqual(10);
    expect(tags('skewed')).toBeGreaterThanOrEqual(10);
    expect(tags('multi-image')).toBeGreaterThanOrEqual(10);
  });

  for (const method of ['auto', 'pairs', 'cells'] as const) {
    it(`CGCNN graphs match (12 nearest within 8 A, method ${method})`, () => {
      const errors: string[] = [];
      for (const rec of golden.crystals) errors.push(...checkGraph(rec, get(rec.id), method, golden.meta.tieTol));
      expect(errors.slice(0, 20)).toEqual([]);
    });
  }

  it('neighbour counts within 8 A match for every atom (complete image enumeration)', () => {
    const errors: string[] = [];
    golden.crystals.forEach((rec, t) => {
      errors.push(...checkCounts(rec, get(rec.id), 'auto'));
      // the other strategy on a third of them (time)
      if (t % 3 === 0) errors.push(...checkCounts(rec, get(rec.id), rec.n <= PAIRS_MAX_ATOMS ? 'cells' : 'pairs'));
    });
    expect(errors.slice(0, 20)).toEqual([]);
  });
});

describe('golden neighbours: hand-made structures vs pymatgen', () => {
  const golden = readGolden('fixtures-golden.json.gz');

  it('has padding, tie and multi-image cases', () => {
    const tags = (t: string): number => golden.crystals.filter((c) => c.tags.includes(t)).length;
    expect(tags('padding')).toBeGreaterThanOrEqual(3);
    expect(tags('ties')).toBeGreaterThanOrEqual(2);
    expect(tags('multi-image')).toBeGreaterThanOrEqual(5);
  });

  for (const method of ['pairs', 'cells'] as const) {
    it(`CGCNN graphs match (${method})`, () => {
      const errors: string[] = [];
      for (const rec of golden.crystals) errors.push(...checkGraph(rec, loadFixture(rec.id), method, golden.meta.tieTol));
      expect(errors.slice(0, 20)).toEqual([]);
    });

    it(`full neighbour lists match pair by pair, images included (${method})`, () => {
      let compared = 0;
      for (const rec of golden.crystals) {
        if (!rec.full) continue;
        const nl = findNeighbors(loadFixture(rec.id), rec.radius, { method });
        for (let i = 0; i < rec.n; i++) {
          const ours = new Map<string, number>();
          for (let e = nl.offsets[i]; e < nl.offsets[i + 1]; e++) {
            ours.set(`${nl.index[e]}:${nl.image[3 * e]},${nl.image[3 * e + 1]},${nl.image[3 * e + 2]}`, nl.distance[e]);
          }
          const theirs = rec.full[i];
          expect(ours.size, `${rec.id} r=${rec.radius} atom ${i}`).toBe(theirs.length);
          for (const [j, a, b, c, d] of theirs) {
            const od = ours.get(`${j}:${a},${b},${c}`);
            expect(od, `${rec.id} r=${rec.radius} atom ${i} neighbour ${j} image ${a},${b},${c}`).toBeDefined();
            expect(Math.abs(od! - d)).toBeLessThan(DIST_TOL);
          }
          compared += theirs.length;
        }
      }
      expect(compared).toBeGreaterThan(1000);
    });
  }
});
