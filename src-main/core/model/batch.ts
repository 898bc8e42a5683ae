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
}

/** Builds GraphBatches into grow-only buffers (the returned arrays are views; valid until the next build). */
export class BatchBuilder {
  private atomTypes = new Int32Array(0);
  private nbr = new Int32Array(0);
  private bond = new Float32Array(0);
  private bondIdx = new Int32Array(0);
  private dist = new Float32Array(0);
  /** Open-addressing table of the distances seen in this batch: float32 bits -> row (-1: empty slot). */
  private seenBits = new Int32Array(0);
  private seenRow = new Int32Array(0);
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
    // Table of at least 2E slots (a power of two), so probes stay short; rows are numbered in first-seen order.
    let slots = 1024;
    while (slots < 2 * E) slots *= 2;
    if (this.seenRow.length < slots) {
      this.seenBits = new Int32Array(slots);
      this.seenRow = new Int32Array(slots);
    }
    slots = this.seenRow.length;
    const mask = slots - 1;
    const shift = 32 - Math.log2(slots);
    const seenBits = this.seenBits;
    const seenRow = this.seenRow;
    seenRow.fill(-1);
    const bits = new Int32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    let U = 0;
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
        let h = Math.imul(key, 0x9e3779b1) >>> shift;
        let u = seenRow[h];
        while (u >= 0 && seenBits[h] !== key) {
          h = (h + 1) & mask;
          u = seenRow[h];
        }
        if (u < 0) {
          u = U++;
          seenBits[h] = key;
          seenRow[h] = u;
          this.dist[u] = d;
        }
        this.bondIdx[e0 + k] = u;
      }
      this.counts[b] = n;
      a0 += n;
    });
    this.bond = grow(this.bond, U * G, (n) => new Float32Array(n));
    this.basis.expandInto(this.dist.subarray(0, U), this.bond, 0);
    return {
      numCrystals: B,
      numAtoms: N,
      maxNeighbors: M,
      atomTypes: this.atomTypes.subarray(0, N),
      neighborIndex: this.nbr.subarray(0, E),
      bondFeatures: this.bond.subarray(0, U * G),
      bondDim: G,
      numBonds: U,
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
    crystalIndex: tf.tensor1d(b.crystalIndex, 'int32'),
    invCounts: tf.tensor2d(inv, [b.numCrystals, 1]),
  };
}

export function disposeBatchTensors(t: BatchTensors): void {
  t.atomTypes.dispose();
  t.nbr.dispose();
  t.bond.dispose();
  t.bondIndex.dispose();
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
