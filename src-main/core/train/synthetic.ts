/**
 * Synthetic crystal graphs, element tables and targets for tests and speed benchmarks.
 * Shapes are realistic (random Z, random neighbour indices, sorted distances in ~1.5-8 A); the chemistry is not.
 */
import type { CrystalGraph } from '../graph/crystal-graph';
import { createRng } from '../metrics/split';

export interface SyntheticOptions {
  seed?: number;
  minAtoms?: number;
  maxAtoms?: number;
  maxNeighbors?: number;
  /** Highest atomic number used (default 94). */
  maxZ?: number;
}

export function syntheticGraphs(count: number, opts: SyntheticOptions = {}): CrystalGraph[] {
  const rng = createRng(opts.seed ?? 1);
  const minA = opts.minAtoms ?? 20;
  const maxA = opts.maxAtoms ?? 30;
  const M = opts.maxNeighbors ?? 12;
  const maxZ = opts.maxZ ?? 94;
  const out: CrystalGraph[] = [];
  for (let c = 0; c < count; c++) {
    const n = minA + Math.floor(rng() * (maxA - minA + 1));
    const Z = new Uint8Array(n);
    for (let i = 0; i < n; i++) Z[i] = 1 + Math.floor(rng() * maxZ);
    const idx = new Int32Array(n * M);
    const dist = new Float32Array(n * M);
    for (let i = 0; i < n; i++) {
      let d = 1.5 + rng();
      for (let m = 0; m < M; m++) {
        idx[i * M + m] = Math.floor(rng() * n);
        dist[i * M + m] = d;
        d += rng() * 0.5;
        if (d > 8) d = 8;
      }
    }
    out.push({ id: `syn-${c}`, numAtoms: n, maxNeighbors: M, atomicNumbers: Z, neighborIndex: idx, neighborDistance: dist, paddedAtoms: 0 });
  }
  return out;
}

/** A random [rows, dim] element feature table in [0, 1) (row 0 = Z 0 unused). */
export function syntheticElementTable(dim = 92, rows = 119, seed = 7): Float32Array {
  const rng = createRng(seed);
  const t = new Float32Array(rows * dim);
  for (let i = 0; i < t.length; i++) t[i] = rng() < 0.2 ? 1 : rng() * 0.3;
  return t;
}

/**
 * Targets that depend on the graphs (so a model can learn them): task 0 ~ mean Z / 50, task 1 ~ mean
 * nearest-neighbour distance, further tasks mixtures; `missing` fraction set to NaN.
 */
export function syntheticTargets(graphs: readonly CrystalGraph[], tasks = 2, missing = 0, seed = 3): Float64Array[] {
  const rng = createRng(seed);
  const cols = Array.from({ length: tasks }, () => new Float64Array(graphs.length));
  graphs.forEach((g, i) => {
    let zs = 0;
    let d0 = 0;
    for (let a = 0; a < g.numAtoms; a++) {
      zs += g.atomicNumbers[a];
      d0 += g.neighborDistance[a * g.maxNeighbors];
    }
    const mz = zs / g.numAtoms / 50;
    const md = d0 / g.numAtoms;
    for (let t = 0; t < tasks; t++) {
      const v = t === 0 ? mz : t === 1 ? md : mz * t - md;
      cols[t][i] = rng() < missing ? NaN : v;
    }
  });
  return cols;
}
