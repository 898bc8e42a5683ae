/**
 * Crystal graph construction: padding, growRadius, tie-break, strategy equivalence and invariances.
 */
import { describe, expect, it } from 'vitest';
import { Lattice, type Vec3 } from '../../src-main/core/crystal/lattice';
import { Structure } from '../../src-main/core/crystal/structure';
import {
  DEFAULT_GRAPH_SETTINGS,
  buildCrystalGraph,
  buildCrystalGraphFromArrays,
  buildCrystalGraphWithRadius,
  findNeighbors,
  type CrystalGraph,
  type GraphSettings,
} from '../../src-main/core/graph';
import { loadFixture, loadMpStructure } from './graph-helpers';

const FIXTURES = [
  'one-atom-sc',
  'one-atom-bcc-primitive',
  'skewed-triclinic',
  'molecule-in-box',
  'layered-multi-image',
  'rocksalt-conventional',
  'perovskite-cubic',
  'unwrapped-coords',
  'random-large-triclinic',
];
const MP_SAMPLE = ['mp-10000', 'mp-1016882', 'mp-12782', 'mp-1221', 'mp-2', 'mp-11'];

function settings(over: Partial<GraphSettings> = {}): GraphSettings {
  return { ...DEFAULT_GRAPH_SETTINGS, ...over };
}

function sortedRow(g: CrystalGraph, i: number): number[] {
  return Array.from(g.neighborDistance.subarray(i * g.maxNeighbors, (i + 1) * g.maxNeighbors));
}

describe('buildCrystalGraph', () => {
  it('pads like CGCNN: index 0, distance radius + 1, counted in paddedAtoms', () => {
    const s = loadFixture('molecule-in-box'); // N2 in a 12 A box: one neighbour within 8 A
    const g = buildCrystalGraph('n2', s);
    expect(g.numAtoms).toBe(2);
    expect(g.maxNeighbors).toBe(12);
    expect(g.paddedAtoms).toBe(2);
    expect(Array.from(g.atomicNumbers)).toEqual([7, 7]);
    for (let i = 0; i < 2; i++) {
      expect(g.neighborIndex[i * 12]).toBe(1 - i);
      expect(g.neighborDistance[i * 12]).toBeCloseTo(12 * (0.5458 - 0.4542), 5);
      for (let s2 = 1; s2 < 12; s2++) {
        expect(g.neighborIndex[i * 12 + s2]).toBe(0);
        expect(g.neighborDistance[i * 12 + s2]).toBe(9);
      }
    }
    const g3 = buildCrystalGraph('po', loadFixture('one-atom-sc'), settings({ radiusAngstrom: 3 }));
    expect(g3.paddedAtoms).toBe(1);
    expect(Array.from(g3.neighborDistance.subarray(6))).toEqual([4, 4, 4, 4, 4, 4]);
  });

  it('growRadius grows the radius in 2 A steps until every atom has maxNeighbors', () => {
    const s = loadFixture('molecule-in-box');
    const { graph, radiusAngstrom } = buildCrystalGraphWithRadius('n2', s, settings({ growRadius: true }));
    // within 12 A: partner, partner image at 10.9, 6 own images at 12.0 = 8; within 14 A: + 4 partner images
    // at 12.05 and one at 13.1 = 13
    expect(radiusAngstrom).toBe(14);
    expect(graph.paddedAtoms).toBe(0);
    const full = findNeighbors(s, 14);
    for (let i = 0; i < 2; i++) {
      const expected = Array.from(full.distance.subarray(full.offsets[i], full.offsets[i] + 12));
      const got = sortedRow(graph, i);
      got.forEach((d, t) => expect(d).toBeCloseTo(expected[t], 5));
      expect(Math.max(...got)).toBeLessThan(14);
    }
    // nothing to grow when no atom lacks neighbours: identical to the plain graph
    const mp = loadMpStructure('mp-10000');
    const a = buildCrystalGraphWithRadius('a', mp, settings({ growRadius: true }));
    expect(a.radiusAngstrom).toBe(8);
    expect(a.graph).toEqual(buildCrystalGraph('a', mp));
    // a single atom in a huge box stops with an error instead of looping forever
    const lonely = Structure.fromFractional(Lattice.fromMatrix([[300, 0, 0], [0, 300, 0], [0, 0, 300]]), ['Ar'], [[0, 0, 0]]);
    expect(() => buildCrystalGraph('ar', lonely, settings({ growRadius: true }))).toThrow(RangeError);
  });

  it('breaks ties by neighbour index, then image (deterministic)', () => {
    // NaCl conventional cell: Na0 has 6 Cl at 2.82 A then 12 Na at 3.99 A; 6 of those 12 are kept
    const g = buildCrystalGraph('nacl', loadFixture('rocksalt-conventional'));
    const row = Array.from(g.neighborIndex.subarray(0, 12));
    // Cl shell: Cl4 (+-a/2), Cl6 (+-c/2), Cl7 (+-b/2), in index order
    expect(row.slice(0, 6)).toEqual([4, 4, 6, 6, 7, 7]);
    // the Na shell: Na1, Na2 and Na3 appear 4 times each in the full shell; the smallest indices win the cut
    expect(row.slice(6)).toEqual([1, 1, 1, 1, 2, 2]);
    // deterministic across calls and strategies
    expect(buildCrystalGraph('nacl', loadFixture('rocksalt-conventional'), DEFAULT_GRAPH_SETTINGS, { method: 'cells' })).toEqual(g);
  });

  it("gives the same graph with the 'pairs' and the 'cells' strategy", () => {
    for (const name of FIXTURES) {
      const s = loadFixture(name);
      for (const r of [3, 8]) {
        const a = buildCrystalGraph(name, s, settings({ radiusAngstrom: r }), { method: 'pairs' });
        const b = buildCrystalGraph(name, s, settings({ radiusAngstrom: r }), { method: 'cells' });
        expect(b, `${name} r=${r}`).toEqual(a);
      }
    }
    for (const id of MP_SAMPLE) {
      const s = loadMpStructure(id);
      expect(buildCrystalGraph(id, s, DEFAULT_GRAPH_SETTINGS, { method: 'cells' }), id).toEqual(
        buildCrystalGraph(id, s, DEFAULT_GRAPH_SETTINGS, { method: 'pairs' }),
      );
    }
  });

  it('does not depend on wrapping, a global shift, or the handedness of the lattice', () => {
    for (const name of ['skewed-triclinic', 'perovskite-cubic', 'layered-multi-image']) {
      const s = loadFixture(name);
      const g = buildCrystalGraph(name, s);
      const species = s.sites.map((x) => x.z);
      const shifted = Structure.fromFractional(
        s.lattice,
        species,
        s.sites.map((x, i) => [x.frac[0] + 3 - (i % 2) * 5, x.frac[1] - 2, x.frac[2] + 0.125] as Vec3),
      );
      const gs = buildCrystalGraph(name, shifted);
      for (let i = 0; i < g.numAtoms; i++) {
        sortedRow(gs, i).forEach((d, t) => expect(d).toBeCloseTo(sortedRow(g, i)[t], 5));
      }
      const [a, b, c] = s.lattice.matrix;
      const mirrored = Structure.fromFractional(
        Lattice.fromMatrix([a, b, [-c[0], -c[1], -c[2]]]),
        species,
        s.sites.map((x) => [x.frac[0], x.frac[1], -x.frac[2]] as Vec3),
      );
      const gm = buildCrystalGraph(name, mirrored);
      for (let i = 0; i < g.numAtoms; i++) {
        sortedRow(gm, i).forEach((d, t) => expect(d).toBeCloseTo(sortedRow(g, i)[t], 5));
      }
    }
  });

  it('a supercell has the same neighbour distances as its cell', () => {
    for (const name of ['one-atom-bcc-primitive', 'skewed-triclinic', 'perovskite-cubic']) {
      const s = loadFixture(name);
      const g = buildCrystalGraph(name, s);
      const sc = s.supercell(2, 1, 3);
      const gsc = buildCrystalGraph(name, sc);
      expect(gsc.numAtoms).toBe(6 * g.numAtoms);
      // supercell() lists images site by site innermost, so supercell atom t is cell atom t % n
      for (let t = 0; t < gsc.numAtoms; t++) {
        sortedRow(gsc, t).forEach((d, k) => expect(d).toBeCloseTo(sortedRow(g, t % g.numAtoms)[k], 5));
      }
    }
  });

  it('buildCrystalGraphFromArrays equals buildCrystalGraph', () => {
    const s = loadMpStructure('mp-12782');
    const frac = s.sites.flatMap((x) => [...x.frac]);
    const z = s.sites.map((x) => x.z);
    expect(buildCrystalGraphFromArrays('x', s.lattice.matrix, frac, z)).toEqual(buildCrystalGraph('x', s));
  });

  it('keeps maxNeighbors slots of sorted distances for any maxNeighbors', () => {
    const s = loadMpStructure('mp-1221');
    const full = findNeighbors(s, 8);
    for (const m of [1, 5, 12, 30]) {
      const g = buildCrystalGraph('x', s, settings({ maxNeighbors: m }));
      expect(g.neighborIndex.length).toBe(s.numSites * m);
      for (let i = 0; i < s.numSites; i++) {
        const expected = Array.from(full.distance.subarray(full.offsets[i], full.offsets[i] + m));
        sortedRow(g, i).forEach((d, t) => expect(d).toBeCloseTo(expected[t], 5));
      }
    }
  });

  it('rejects bad settings', () => {
    const s = loadFixture('one-atom-sc');
    expect(() => buildCrystalGraph('x', s, settings({ radiusAngstrom: 0 }))).toThrow(RangeError);
    expect(() => buildCrystalGraph('x', s, settings({ radiusAngstrom: Number.NaN }))).toThrow(RangeError);
    expect(() => buildCrystalGraph('x', s, settings({ maxNeighbors: 0 }))).toThrow(RangeError);
    expect(() => buildCrystalGraph('x', s, settings({ maxNeighbors: 2.5 }))).toThrow(RangeError);
  });
});

describe('findNeighbors', () => {
  it('finds the own images of a one-atom cell and excludes only the zero-distance self pair', () => {
    const nl = findNeighbors(loadFixture('one-atom-sc'), 4.2);
    expect(nl.offsets[1]).toBe(18); // 6 faces + 12 edges of the 2.9 A cube
    expect(Array.from(nl.index)).toEqual(new Array(18).fill(0));
    const images = new Set<string>();
    for (let e = 0; e < 18; e++) images.add(Array.from(nl.image.subarray(3 * e, 3 * e + 3)).join(','));
    expect(images.size).toBe(18);
    expect(images.has('0,0,0')).toBe(false);
    // a pair exactly at the radius is inside (pymatgen: d^2 < r^2 + 1e-8)
    expect(findNeighbors(loadFixture('one-atom-sc'), 2.9).offsets[1]).toBe(6);
  });

  it('keeps coincident sites of different elements, drops coincident duplicates of the same element', () => {
    const lat = Lattice.fromMatrix([[4, 0, 0], [0, 4, 0], [0, 0, 4]]);
    const mixed = findNeighbors(Structure.fromFractional(lat, ['Na', 'Cl'], [[0, 0, 0], [0, 0, 0]]), 1);
    expect(Array.from(mixed.offsets)).toEqual([0, 1, 2]);
    expect(mixed.distance[0]).toBe(0);
    const dup = findNeighbors(Structure.fromFractional(lat, ['Na', 'Na'], [[0, 0, 0], [1, 0, 0]]), 1);
    expect(Array.from(dup.offsets)).toEqual([0, 0, 0]);
  });

  it('lists entries sorted by distance with positions frac[j] + image', () => {
    const s = loadFixture('unwrapped-coords');
    const nl = findNeighbors(s, 6);
    for (let i = 0; i < s.numSites; i++) {
      const ci = s.lattice.toCartesian(s.sites[i].frac);
      let prev = 0;
      for (let e = nl.offsets[i]; e < nl.offsets[i + 1]; e++) {
        expect(nl.distance[e]).toBeGreaterThanOrEqual(prev - 1e-9);
        prev = nl.distance[e];
        const fj = s.sites[nl.index[e]].frac;
        const cj = s.lattice.toCartesian([fj[0] + nl.image[3 * e], fj[1] + nl.image[3 * e + 1], fj[2] + nl.image[3 * e + 2]]);
        expect(Math.hypot(cj[0] - ci[0], cj[1] - ci[1], cj[2] - ci[2])).toBeCloseTo(nl.distance[e], 9);
      }
    }
  });

  it('agrees with a brute-force search over a generous image box', () => {
    for (const name of ['skewed-triclinic', 'unwrapped-coords', 'layered-multi-image']) {
      const s = loadFixture(name);
      const r = 6;
      const nl = findNeighbors(s, r);
      const n = s.numSites;
      for (let i = 0; i < n; i++) {
        const ci = s.lattice.toCartesian(s.sites[i].frac);
        const brute: number[] = [];
        const R = 12;
        for (let j = 0; j < n; j++) {
          for (let a = -R; a <= R; a++) {
            for (let b = -R; b <= R; b++) {
              for (let c = -R; c <= R; c++) {
                const f = s.sites[j].frac;
                const cj = s.lattice.toCartesian([f[0] + a, f[1] + b, f[2] + c]);
                const d2 = (cj[0] - ci[0]) ** 2 + (cj[1] - ci[1]) ** 2 + (cj[2] - ci[2]) ** 2;
                if (d2 < r * r + 1e-8 && d2 > 1e-16) brute.push(Math.sqrt(d2));
              }
            }
          }
        }
        brute.sort((x, y) => x - y);
        const ours = Array.from(nl.distance.subarray(nl.offsets[i], nl.offsets[i + 1]));
        expect(ours.length, `${name} atom ${i}`).toBe(brute.length);
        ours.forEach((d, t) => expect(d).toBeCloseTo(brute[t], 9));
      }
    }
  });
});
