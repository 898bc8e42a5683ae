/**
 * A batch of crystal graphs as flat typed arrays (one big disconnected graph), and its tensors.
 *
 * Atom features are NOT expanded to [N, 92]: the model projects the element table once per step
 * ([119, 92] x [92, F]) and gathers the projected rows by atomic number, which is the same function
 * (gather then project == project then gather) at a fraction of the cost.
 *
 * Bond features likewise: crystals are symmetric, so few neighbour distances are distinct (about 10 % of
 * the edges of mp-cgcnn-25k, exact float32 equality). The batch holds the Gaussian expansion of each
 * DISTINCT distance once ([U, G]) and a row index per edge; the model projects the U rows with W_bond and
 * gathers per edge (again the same function, ~10x less work on real data). Arrays are reusable (grow-only).
 *
 * Dimension letters (N, M, E, F, C, G, U, B, T, ...): docs/glossary.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { CrystalGraph, GraphSettings } from '../graph/crystal-graph';
import { GaussianBasis } from '../graph/gaussian';

export interface GraphBatch {
  readonly numCrystals: number;
  readonly numAtoms: number;
  readonly maxNeighbors: number;
  /** Atomic number of each atom (row of the element table), [N]. */
  readonly atomTypes: Int32Array;
  /** Global neighbour row of each edge, atom-major, [N*M]. */
  readonly neighborIndex: Int32Array;
  /** Gaussian bond features of the distinct distances, [U*G]. */
  readonly bondFeatures: Float32Array;
  readonly bondDim: number;
  /** Number of distinct distances U. */
  readonly numBonds: number;
  /** Per bond row u: first nonzero Gaussian centre (span[2u]) and how many are nonzero (span[2u+1]), [2U]. */
  readonly bondSpan: Int32Array;
  /** Row of bondFeatures for each edge, [N*M]. */
  readonly bondIndex: Int32Array;
  /** Crystal (0..B-1) of each atom, [N]. */
  readonly crystalIndex: Int32Array;
  /** Atoms per crystal, [B]. */
  readonly atomCounts: Int32Array;
}

/** Exponent beyond which a Gaussian bond feature is stored as 0 (exp(-46) ~ 1e-20; see expandInto). */
export const BOND_CUTOFF_EXPONENT = 46;

/** Gaussian bond basis exp(-(d - mu_k)^2 / sigma^2), mu_k = 0, step, ..., radius (CGCNN). */
export class BondBasis {
  /** Centres as the graph module's GaussianBasis lays them out (numpy.arange(0, radius + step, step)). */
  readonly centres: Float64Array;
  readonly inv2: number;

  constructor(readonly radius: number, readonly step: number, readonly width: number) {
    if (!(radius > 0 && step > 0 && width > 0)) throw new RangeError('BondBasis: radius, step, width must be > 0');
    this.centres = new GaussianBasis({ minAngstrom: 0, maxAngstrom: radius, stepAngstrom: step, widthAngstrom: width }).centers.slice();
    this.inv2 = 1 / (width * width);
  }

  static fromSettings(s: GraphSettings): BondBasis {
    return new BondBasis(s.radiusAngstrom, s.gaussianStepAngstrom, s.gaussianWidthAngstrom);
  }

  get dimension(): number {
    return this.centres.length;
  }

  /**
   * Writes the expansion of `distances` into out[offset ...] (length distances.length * dimension).
   * Values below exp(-46) ~ 1e-20 are written as exactly 0: the Gaussian tails otherwise produce float32
   * denormals (1e-45..1e-38), which x86 processes ~100x slower inside wasm matmuls (no flush-to-zero there);
   * such values have no effect on the model's outputs at float32 precision.
   */
  expandInto(distances: ArrayLike<number>, out: Float32Array, offset = 0): void {
    const G = this.centres.length;
    const mu = this.centres;
    const inv2 = this.inv2;
    for (let e = 0; e < distances.length; e++) {
      const d = distances[e];
      const base = offset + e * G;
      for (let k = 0; k < G; k++) {
        const x = d - mu[k];
        const a = x * x * inv2;
        out[base + k] = a < BOND_CUTOFF_EXPONENT ? Math.exp(-a) : 0;
      }
    }
  }

  /**
   * expandInto for distances[0..U) into out [U, G], evaluating only the centres within the cut-off (exp(-a) for
   * a < BOND_CUTOFF_EXPONENT, the same float64 arithmetic, so the same float32 values), with the span [first, count)
   * of the nonzero centres of each row in span[2u], span[2u+1]. Other entries are 0.
   */
  expandSparseInto(distances: ArrayLike<number>, U: number, out: Float32Array, span: Int32Array): void {
    const mu = this.centres;
    const G = mu.length;
    const inv2 = this.inv2;
    const cut = BOND_CUTOFF_EXPONENT;
    const step = G > 1 ? mu[1] - mu[0] : 1;
    out.fill(0, 0, U * G);
    for (let u = 0; u < U; u++) {
      const d = distances[u];
      const base = u * G;
      // centres are ascending: start at the nearest one and walk out both ways while inside the cut-off
      let c = Math.round((d - mu[0]) / step);
      c = c < 0 ? 0 : c >= G ? G - 1 : c;
      let x = d - mu[c];
      if (!(x * x * inv2 < cut)) {
        // nothing near (a distance far outside the centres, or NaN): scan them all
        let lo = -1;
        let hi = -1;
        for (let k = 0; k < G; k++) {
          x = d - mu[k];
          const a = x * x * inv2;
          if (a < cut) {
            out[base + k] = Math.exp(-a);
            if (lo < 0) lo = k;
            hi = k + 1;
          }
        }
        span[2 * u] = lo < 0 ? 0 : lo;
        span[2 * u + 1] = lo < 0 ? 0 : hi - lo;
        continue;
      }
      let lo = c;
      for (; lo > 0; lo--) {
        x = d - mu[lo - 1];
        const a = x * x * inv2;
        if (!(a < cut)) break;
        out[base + lo - 1] = Math.exp(-a);
      }
      let hi = c;
      for (; hi < G; hi++) {
        x = d - mu[hi];
        const a = x * x * inv2;
        if (!(a < cut)) break;
        out[base + hi] = Math.exp(-a);
      }
      span[2 * u] = lo;
      span[2 * u + 1] = hi - lo;
    }
  }
}

/** Distinct float32 values by their bits (open addressing): value bits -> dense id, in first-seen order. */
export class FloatIds {
  private keys = new Int32Array(0);
  private ids = new Int32Array(0);
  private mask = 0;
  count = 0;

  /** Empties the table, sized for up to `capacity` distinct values. */
  reset(capacity: number): void {
    let size = 16;
    while (size < 2 * capacity) size <<= 1;
    if (this.ids.length < size) {
      this.keys = new Int32Array(size);
      this.ids = new Int32Array(size);
    }
    this.mask = size - 1;
    this.ids.fill(-1, 0, size);
    this.count = 0;
  }

  /** The id of `bits`, or -1 - (slot to insert at) when it is new (then call add). */
  find(bits: number): number {
    let p = Math.imul(bits ^ (bits >>> 15), 0x2c1b3c6d) & this.mask;
    for (;;) {
      const id = this.ids[p];
      if (id < 0) return -1 - p;
      if (this.keys[p] === bits) return id;
      p = (p + 1) & this.mask;
    }
  }

  add(slot: number, bits: number): number {
    this.keys[slot] = bits;
    this.ids[slot] = this.count;
    return this.count++;
  }
}

/** Builds GraphBatches into grow-only buffers (the returned arrays are views; valid until the next build). */
export class BatchBuilder {
  private atomTypes = new Int32Array(0);
  private nbr = new Int32Array(0);
  private bond = new Float32Array(0);
  private bondIdx = new Int32Array(0);
  private dist = new Float32Array(0);
  private span = new Int32Array(0);
  /** The distinct distances of the batch (float32 bits -> bond row). */
  private readonly ids = new FloatIds();
  private crystal = new Int32Array(0);
  private counts = new Int32Array(0);

  constructor(readonly basis: BondBasis, readonly maxNeighbors: number) {}

  build(graphs: readonly CrystalGraph[], reuse = true): GraphBatch {
    const M = this.maxNeighbors;
    const G = this.basis.dimension;
    let N = 0;
    for (const g of graphs) {
      if (g.maxNeighbors !== M) {
        throw new Error(`graph ${g.id} has ${g.maxNeighbors} neighbour slots; the model expects ${M}`);
      }
      N += g.numAtoms;
    }
    const B = graphs.length;
    const E = N * M;
    const grow = <T extends Int32Array | Float32Array>(a: T, n: number, make: (n: number) => T): T =>
      !reuse || a.length < n ? make(Math.max(n, reuse ? Math.ceil(a.length * 1.25) : n)) : a;
    this.atomTypes = grow(this.atomTypes, N, (n) => new Int32Array(n));
    this.nbr = grow(this.nbr, E, (n) => new Int32Array(n));
    this.bondIdx = grow(this.bondIdx, E, (n) => new Int32Array(n));
    this.dist = grow(this.dist, E, (n) => new Float32Array(n));
    const ids = this.ids;
    ids.reset(E);
    const bits = new Int32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    this.crystal = grow(this.crystal, N, (n) => new Int32Array(n));
    this.counts = grow(this.counts, B, (n) => new Int32Array(n));
    let a0 = 0;
    graphs.forEach((g, b) => {
      const n = g.numAtoms;
      if (n < 1) throw new Error(`graph ${g.id} has no atoms`);
      if (g.neighborIndex.length !== n * M || g.neighborDistance.length !== n * M) {
        throw new Error(`graph ${g.id}: neighbour arrays do not match numAtoms x maxNeighbors`);
      }
      for (let i = 0; i < n; i++) {
        this.atomTypes[a0 + i] = g.atomicNumbers[i];
        this.crystal[a0 + i] = b;
      }
      const e0 = a0 * M;
      for (let k = 0; k < n * M; k++) {
        const j = g.neighborIndex[k];
        if (j < 0 || j >= n) throw new Error(`graph ${g.id}: neighbour index ${j} out of range`);
        this.nbr[e0 + k] = a0 + j;
      }
      for (let k = 0; k < n * M; k++) {
        // Distinct by value, as a Map of the numbers would be: +0 and -0 are one distance, NaN is one.
        const d = g.neighborDistance[k];
        asFloat[0] = d === 0 ? 0 : d;
        const key = d !== d ? 0x7fc00000 : bits[0];
        let u = ids.find(key);
        if (u < 0) {
          u = ids.add(-1 - u, key);
          this.dist[u] = d;
        }
        this.bondIdx[e0 + k] = u;
      }
      this.counts[b] = n;
      a0 += n;
    });
    const U = ids.count;
    this.bond = grow(this.bond, U * G, (n) => new Float32Array(n));
    this.span = grow(this.span, 2 * U, (n) => new Int32Array(n));
    this.basis.expandSparseInto(this.dist, U, this.bond, this.span);
    return {
      numCrystals: B,
      numAtoms: N,
      maxNeighbors: M,
      atomTypes: this.atomTypes.subarray(0, N),
      neighborIndex: this.nbr.subarray(0, E),
      bondFeatures: this.bond.subarray(0, U * G),
      bondDim: G,
      numBonds: U,
      bondSpan: this.span.subarray(0, 2 * U),
      bondIndex: this.bondIdx.subarray(0, E),
      crystalIndex: this.crystal.subarray(0, N),
      atomCounts: this.counts.subarray(0, B),
    };
  }
}

export interface BatchTensors {
  readonly numCrystals: number;
  readonly numAtoms: number;
  readonly M: number;
  readonly atomTypes: Tensor1D;
  readonly nbr: Tensor1D;
  /** Gaussian features of the distinct distances [U, G]. */
  readonly bond: Tensor2D;
  /** Row of `bond` for each edge [E]. */
  readonly bondIndex: Tensor1D;
  /** Nonzero span of each row of `bond` [2U] int32 (GraphBatch.bondSpan). */
  readonly bondSpan: Tensor1D;
  readonly crystalIndex: Tensor1D;
  /** 1 / atoms per crystal, [B, 1]. */
  readonly invCounts: Tensor2D;
}

export function batchToTensors(b: GraphBatch): BatchTensors {
  const inv = new Float32Array(b.numCrystals);
  for (let i = 0; i < b.numCrystals; i++) inv[i] = 1 / b.atomCounts[i];
  return {
    numCrystals: b.numCrystals,
    numAtoms: b.numAtoms,
    M: b.maxNeighbors,
    atomTypes: tf.tensor1d(b.atomTypes, 'int32'),
    nbr: tf.tensor1d(b.neighborIndex, 'int32'),
    bond: tf.tensor2d(b.bondFeatures, [b.numBonds, b.bondDim]),
    bondIndex: tf.tensor1d(b.bondIndex, 'int32'),
    bondSpan: tf.tensor1d(b.bondSpan, 'int32'),
    crystalIndex: tf.tensor1d(b.crystalIndex, 'int32'),
    invCounts: tf.tensor2d(inv, [b.numCrystals, 1]),
  };
}

export function disposeBatchTensors(t: BatchTensors): void {
  t.atomTypes.dispose();
  t.nbr.dispose();
  t.bond.dispose();
  t.bondIndex.dispose();
  t.bondSpan.dispose();
  t.crystalIndex.dispose();
  t.invCounts.dispose();
}

/** Throws when a crystal contains an element whose feature row is missing (beyond the table or all zero). */
export function checkElementsCovered(graphs: readonly CrystalGraph[], matrix: Float32Array, dimension: number): void {
  const rows = matrix.length / dimension;
  const ok = new Int8Array(256).fill(-1);
  for (const g of graphs) {
    for (const z of g.atomicNumbers) {
      if (ok[z] === -1) {
        let nonzero = false;
        if (z < rows) for (let k = 0; k < dimension && !nonzero; k++) nonzero = matrix[z * dimension + k] !== 0;
        ok[z] = nonzero ? 1 : 0;
      }
      if (ok[z] === 0) throw new RangeError(`crystal ${g.id} contains element Z=${z}, which has no features in the element table`);
    }
  }
}
