/**
 * Crystal graph construction with CGCNN semantics (cgcnn/data.py, CIFData.__getitem__):
 *  - neighbours: every site within the radius (8 A), the centre's own periodic images included, sorted by distance,
 *    cut to the `maxNeighbors` (12) nearest;
 *  - fewer found: the missing slots get neighbour index 0 and distance radius + 1 (9 A), and the atom is counted in
 *    `paddedAtoms` (CGCNN only warns);
 *  - `growRadius`: instead of padding, the radius grows by 2 A until every atom has `maxNeighbors` neighbours.
 *
 * Ties: CGCNN keeps pymatgen's internal order among equal distances, which is an artefact of its cell list. We break
 * ties deterministically by (distance quantised to 1e-8 A^2 in d^2, neighbour index, image), so which of several
 * equidistant neighbours lands in the last slot may differ from CGCNN; the distances never do.
 */
import type { Structure } from '../crystal/structure';
import { DEFAULT_GRAPH_SETTINGS, type CrystalGraph, type GraphSettings } from './crystal-graph';
import { type NearestResult, type NeighborMethod, NeighborEngine, sharedNeighborEngine } from './neighbors';

/** Radius growth step of `growRadius` (Angstrom). */
export const GROW_RADIUS_STEP_ANGSTROM = 2;
/** Safety stop of `growRadius` (Angstrom): beyond this the structure is not a sensible crystal. */
export const MAX_GROWN_RADIUS_ANGSTROM = 200;

export interface BuildGraphOptions {
  /** Search strategy (testing / tuning); default 'auto'. */
  readonly method?: NeighborMethod;
  /** Engine to use (one per worker); default: the module's shared engine. */
  readonly engine?: NeighborEngine;
}

let scratch: NearestResult | undefined;

function validateSettings(settings: GraphSettings): void {
  const { radiusAngstrom: r, maxNeighbors: m } = settings;
  if (!(r > 0) || !Number.isFinite(r)) throw new RangeError(`graph radius must be positive, got ${r}`);
  if (!Number.isInteger(m) || m < 1 || m > 4096) throw new RangeError(`maxNeighbors must be an integer 1..4096, got ${m}`);
}

/**
 * The CGCNN crystal graph of a structure (sites in the structure's order).
 * The effective radius (after `growRadius`) is returned by `buildCrystalGraphWithRadius`.
 */
export function buildCrystalGraph(
  id: string,
  structure: Structure,
  settings: GraphSettings = DEFAULT_GRAPH_SETTINGS,
  options: BuildGraphOptions = {},
): CrystalGraph {
  return buildCrystalGraphWithRadius(id, structure, settings, options).graph;
}

/** As buildCrystalGraph, also reporting the radius finally used (differs only with growRadius). */
export function buildCrystalGraphWithRadius(
  id: string,
  structure: Structure,
  settings: GraphSettings = DEFAULT_GRAPH_SETTINGS,
  options: BuildGraphOptions = {},
): { graph: CrystalGraph; radiusAngstrom: number } {
  validateSettings(settings);
  const engine = (options.engine ?? sharedNeighborEngine()).loadStructure(structure);
  return graphFromEngine(id, engine, settings, options.method ?? 'auto');
}

/**
 * Same as buildCrystalGraph from raw arrays (lattice rows in Angstrom, fractional coordinates 3 per atom, atomic
 * numbers), for callers that never build a Structure.
 */
export function buildCrystalGraphFromArrays(
  id: string,
  latticeMatrix: readonly (readonly number[])[],
  frac: ArrayLike<number>,
  atomicNumbers: ArrayLike<number>,
  settings: GraphSettings = DEFAULT_GRAPH_SETTINGS,
  options: BuildGraphOptions = {},
): CrystalGraph {
  validateSettings(settings);
  const engine = (options.engine ?? sharedNeighborEngine()).loadArrays(latticeMatrix, frac, atomicNumbers);
  return graphFromEngine(id, engine, settings, options.method ?? 'auto').graph;
}

function graphFromEngine(
  id: string,
  engine: NeighborEngine,
  settings: GraphSettings,
  method: NeighborMethod,
): { graph: CrystalGraph; radiusAngstrom: number } {
  const n = engine.numAtoms;
  const m = settings.maxNeighbors;
  let radius = settings.radiusAngstrom;
  let res = (scratch = engine.nearest(m, radius, scratch, method));
  if (settings.growRadius) {
    while (!allFull(res, n)) {
      radius += GROW_RADIUS_STEP_ANGSTROM;
      if (radius > MAX_GROWN_RADIUS_ANGSTROM) {
        throw new RangeError(`${id}: fewer than ${m} neighbours even within ${MAX_GROWN_RADIUS_ANGSTROM} A`);
      }
      res = scratch = engine.nearest(m, radius, scratch, method);
    }
  }
  const neighborIndex = new Int32Array(n * m);
  const neighborDistance = new Float32Array(n * m);
  const padDistance = radius + 1;
  let paddedAtoms = 0;
  const atomicNumbers = new Uint8Array(n);
  engine.copyAtomicNumbers(atomicNumbers);
  for (let i = 0; i < n; i++) {
    const c = res.count[i];
    const base = i * m;
    for (let s = 0; s < c; s++) {
      neighborIndex[base + s] = res.index[base + s];
      neighborDistance[base + s] = Math.sqrt(res.distance2[base + s]);
    }
    if (c < m) {
      paddedAtoms++;
      for (let s = c; s < m; s++) {
        neighborIndex[base + s] = 0;
        neighborDistance[base + s] = padDistance;
      }
    }
  }
  return {
    graph: { id, numAtoms: n, maxNeighbors: m, atomicNumbers, neighborIndex, neighborDistance, paddedAtoms },
    radiusAngstrom: radius,
  };
}

function allFull(res: NearestResult, n: number): boolean {
  for (let i = 0; i < n; i++) if (res.count[i] < res.k) return false;
  return true;
}
