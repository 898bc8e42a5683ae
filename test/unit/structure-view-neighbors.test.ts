/**
 * The 3D view's bonds come from the same bounded k-nearest search as the crystal graph: the same neighbours as
 * the full list's first 12 on a real crystal, and a bounded amount of work on a tiny cell whose full 8 A neighbour
 * list would hold millions of images.
 */
import { describe, expect, it } from 'vitest';
import { graphNeighbors } from '../../src-main/app/structures/structure-view';
import { Lattice } from '../../src-main/core/crystal/lattice';
import { Structure } from '../../src-main/core/crystal/structure';
import { DEFAULT_GRAPH_SETTINGS, findNeighbors } from '../../src-main/core/graph';

describe('structure view neighbours', () => {
  it('equal the first 12 of the full neighbour list on rock salt (distances, indices, images, positions)', () => {
    const a = 5.64;
    const s = Structure.fromFractional(
      Lattice.fromParameters(a, a, a, 90, 90, 90),
      [11, 11, 11, 11, 17, 17, 17, 17],
      [
        [0, 0, 0],
        [0, 0.5, 0.5],
        [0.5, 0, 0.5],
        [0.5, 0.5, 0],
        [0.5, 0.5, 0.5],
        [0.5, 0, 0],
        [0, 0.5, 0],
        [0, 0, 0.5],
      ],
    );
    const view = graphNeighbors(s);
    const full = findNeighbors(s, DEFAULT_GRAPH_SETTINGS.radiusAngstrom);
    expect(view.paddedSites).toBe(0);
    view.neighbors.forEach((row, i) => {
      expect(row).toHaveLength(12);
      const ref = Array.from({ length: 12 }, (_, t) => full.offsets[i] + t);
      expect(row.map((e) => e.distance.toFixed(6))).toEqual(ref.map((e) => full.distance[e].toFixed(6)));
      expect(row.map((e) => [e.j, ...e.image].join())).toEqual(ref.map((e) => [full.index[e], full.image[3 * e], full.image[3 * e + 1], full.image[3 * e + 2]].join()));
      for (const e of row) {
        const f = s.sites[e.j].frac;
        const cart = s.lattice.matrix[0].map((_, q) => [0, 1, 2].reduce((acc, k) => acc + (f[k] + e.image[k]) * s.lattice.matrix[k][q], 0));
        expect(e.position.map((v, q) => Math.abs(v - cart[q]) < 1e-9)).toEqual([true, true, true]);
      }
    });
  });

  it('a one-atom cell with a = 0.05 A gives its 12 nearest images without enumerating the 8 A sphere', () => {
    const s = Structure.fromFractional(Lattice.fromParameters(0.05, 0.05, 0.05, 90, 90, 90), [26], [[0, 0, 0]]);
    const used = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    const view = graphNeighbors(s);
    expect(view.neighbors[0]).toHaveLength(12);
    // the six face neighbours at 0.05 A, then six of the twelve edge neighbours at 0.0707 A
    expect(view.neighbors[0].slice(0, 6).every((e) => Math.abs(e.distance - 0.05) < 1e-9)).toBe(true);
    expect(view.neighbors[0].slice(6).every((e) => Math.abs(e.distance - 0.05 * Math.SQRT2) < 1e-9)).toBe(true);
    // the full list within 8 A would be ~17 million images (hundreds of MB); the bounded search allocates next to nothing
    expect(used() - before).toBeLessThan(64 * 1024 * 1024);
  });
});
