/**
 * Test helpers for the crystal-graph tests: loading MP CIFs through the application's own reader
 * (src-main/core/io, so the golden comparison covers parse + graph end to end) and reading the golden files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Lattice } from '../../src-main/core/crystal/lattice';
import { Structure } from '../../src-main/core/crystal/structure';
import { readStructureFileSync } from '../../src-main/core/io';
import { MP25K_DIR, MP_SMALL_DIR, REPO_ROOT } from '../shared-data';

export const GOLDEN_DIR = join(REPO_ROOT, 'test', 'golden', 'neighbors');
export const FIXTURE_DIR = join(REPO_ROOT, 'test', 'fixtures', 'graph');

/** Path of a Materials Project CIF: the committed copy in test/fixtures/mp-small if there is one, else the 25k set's. */
export function mpCifPath(id: string): string {
  const small = join(MP_SMALL_DIR, `${id}.cif`);
  return existsSync(small) ? small : join(MP25K_DIR, `${id}.cif`);
}

export function loadMpStructure(id: string): Structure {
  const [first] = readStructureFileSync(mpCifPath(id));
  return first.structure;
}

export interface FixtureStructure {
  readonly description: string;
  readonly lattice: number[][];
  readonly species: string[];
  readonly frac: [number, number, number][];
  readonly radii?: number[];
}

export function loadFixture(name: string): Structure {
  const fx = JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')) as FixtureStructure;
  return Structure.fromFractional(Lattice.fromMatrix(fx.lattice), fx.species, fx.frac, { name });
}

export interface GoldenRecord {
  readonly id: string;
  readonly tags: string[];
  readonly radius: number;
  readonly maxNbr: number;
  readonly n: number;
  readonly z: number[];
  readonly reordered: boolean;
  readonly count: number[];
  readonly idx: number[];
  readonly d: number[];
  readonly ext?: Record<string, number[]>;
  readonly padIndex: number;
  /** Per atom: [j, image a, image b, image c, distance], sorted by (distance, j, image). */
  readonly full?: [number, number, number, number, number][][];
}

export interface GoldenFile {
  readonly meta: { radius: number; maxNbr: number; tieTol: number; pymatgen: string };
  readonly crystals: GoldenRecord[];
}

export function readGolden(file: 'mp-golden.json.gz' | 'fixtures-golden.json.gz' | 'mp-small-golden.json.gz'): GoldenFile {
  return JSON.parse(gunzipSync(readFileSync(join(GOLDEN_DIR, file))).toString('utf8')) as GoldenFile;
}

/**
 * Compare one atom's slots against the golden record. Distances per slot within `tol`; neighbour indices per tie
 * group (consecutive golden distances within `tieTol`) as multisets; in the group that straddles the cut, ours must
 * be a sub-multiset of the golden group plus its continuation beyond the cut (`ext`). Padding slots exact.
 * Returns an error message or null.
 */
export function compareAtom(
  rec: GoldenRecord,
  atom: number,
  ourIdx: ArrayLike<number>,
  ourDist: ArrayLike<number>,
  tol: number,
  tieTol: number,
): string | null {
  const m = rec.maxNbr;
  const base = atom * m;
  const padD = rec.radius + 1;
  const real = Math.min(rec.count[atom], m);
  for (let s = 0; s < m; s++) {
    const gd = rec.d[base + s];
    const od = ourDist[s];
    if (s >= real) {
      if (ourIdx[s] !== 0 || Math.abs(od - padD) > 1e-6) {
        return `atom ${atom} slot ${s}: expected padding (0, ${padD}), got (${ourIdx[s]}, ${od})`;
      }
      continue;
    }
    if (Math.abs(gd - od) > tol) return `atom ${atom} slot ${s}: distance ${od} vs golden ${gd}`;
  }
  // tie groups over the real slots
  let start = 0;
  while (start < real) {
    let end = start + 1;
    while (end < real && rec.d[base + end] - rec.d[base + end - 1] <= tieTol) end++;
    const golden = rec.idx.slice(base + start, base + end);
    const ours = Array.from({ length: end - start }, (_, t) => ourIdx[start + t]);
    const atCut = end === m;
    if (atCut) golden.push(...(rec.ext?.[String(atom)] ?? []));
    const pool = new Map<number, number>();
    for (const g of golden) pool.set(g, (pool.get(g) ?? 0) + 1);
    for (const o of ours) {
      const c = pool.get(o) ?? 0;
      if (c === 0) {
        return `atom ${atom} slots ${start}..${end - 1}: indices [${ours.join(',')}] not within golden tie group [${golden.join(',')}]`;
      }
      pool.set(o, c - 1);
    }
    if (!atCut && [...pool.values()].some((v) => v !== 0)) {
      return `atom ${atom} slots ${start}..${end - 1}: indices [${ours.join(',')}] vs golden [${golden.join(',')}]`;
    }
    start = end;
  }
  return null;
}
