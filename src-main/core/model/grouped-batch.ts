/**
 * Inference batches with the crystals' symmetry factored out ("grouped" batches).
 *
 * A CGCNN convolution computes each atom's new vector from its own vector and the multiset of
 * (neighbour vector, neighbour distance) pairs of its M neighbour slots. So two atoms of a crystal that
 * start with the same element and see the same multiset of (neighbour class, distance) have equal vectors
 * after every convolution: symmetry-equivalent sites of a crystal do. Colour refinement (1-dimensional
 * Weisfeiler-Lehman) finds these classes exactly:
 *   colour_0(i) = element of i;  colour_{r+1}(i) = (colour_r(i), sorted multiset of (distance, colour_r(j)) over i's slots)
 * After L refinement rounds (L = number of convolutions), atoms of one class have equal vectors at every
 * layer <= L, so the network only needs ONE representative row per class:
 *   - each class is computed once (the representative's own M slots, neighbour rows mapped to the
 *     neighbours' class rows);
 *   - slots of a representative whose neighbours share (class, distance) give the same edge term, so they are
 *     merged into one "edge group" with a multiplicity (weight);
 *   - the crystal mean pooling weighs each representative row by its class size.
 * The arithmetic is the same as on the full graph (up to float summation order): distances are compared
 * for exact float32 equality, and a class is never merged on a hash alone. On mp-cgcnn-25k this cuts the
 * atom rows by ~2.3x and the edge terms by ~2.7x.
 *
 * Bond features: the Gaussian expansion of each DISTINCT distance of the batch once ([U, G], the same values
 * as BatchBuilder: exactly 0 beyond exp(-46)), with the span [first, count) of its nonzero centres, so the
 * bond projection u W_bond only visits the ~14 nonzero centres of 41.
 *
 * Dimension letters (N, M, E, F, C, G, U, B, T, ...): docs/glossary.md.
 */
import type { CrystalGraph } from '../graph/crystal-graph';
import { type BondBasis, FloatIds } from './batch';

export interface GroupedBatch {
  readonly numCrystals: number;
  /** Atoms of the original graphs (sum of numAtoms). */
  readonly numAtoms: number;
  /** Representative rows K (one per symmetry class of each crystal). */
  readonly numRows: number;
  /** Atomic number of each row, [K]. */
  readonly rowTypes: Int32Array;
  /** Crystal (0..B-1) of each row, [K]. */
  readonly rowCrystal: Int32Array;
  /** Class size of each row (atoms it stands for), [K]. */
  readonly rowWeight: Float32Array;
  /** 1 / atoms of each crystal, [B]. */
  readonly invCounts: Float32Array;
  /** Edge groups of row i: edgeStart[i] .. edgeStart[i+1]-1, [K+1]. */
  readonly edgeStart: Int32Array;
  /** Neighbour row of each edge group, [Eg]. */
  readonly edgeNbr: Int32Array;
  /** Bond row (distinct distance) of each edge group, [Eg]. */
  readonly edgeBond: Int32Array;
  /** Slots merged into each edge group, [Eg]. */
  readonly edgeWeight: Float32Array;
  readonly numEdges: number;
  /** Distinct distances U. */
  readonly numBonds: number;
  readonly bondDim: number;
  /** Gaussian features of the distinct distances, [U*G]. */
  readonly bondFeatures: Float32Array;
  /** Per distinct distance: first nonzero centre and the number of centres from there on that are nonzero, [2U]. */
  readonly bondSpan: Int32Array;
}

/**
 * Symmetry classes of the atoms of one graph after `rounds` refinement rounds (fewer when the partition
 * is stable earlier, which gives the same classes). Classes are numbered 0.. in order of first atom.
 */
export class ColourRefiner {
  private col = new Int32Array(0);
  private next = new Int32Array(0);
  private sigD = new Float32Array(0);
  private sigC = new Int32Array(0);
  private hash = new Int32Array(0);
  private table = new Int32Array(0);
  private byZ = new Int32Array(256);

  /** Returns the class of each atom (a view valid until the next call) and the number of classes. */
  classes(g: CrystalGraph, rounds: number): { classOf: Int32Array; count: number } {
    const n = g.numAtoms;
    const M = g.maxNeighbors;
    if (this.col.length < n) {
      this.col = new Int32Array(n);
      this.next = new Int32Array(n);
      this.hash = new Int32Array(n);
    }
    if (this.sigD.length < n * M) {
      this.sigD = new Float32Array(n * M);
      this.sigC = new Int32Array(n * M);
    }
    let col = this.col;
    let next = this.next;
    // Round 0: colour by element.
    const byZ = this.byZ.fill(-1);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const z = g.atomicNumbers[i];
      if (byZ[z] < 0) byZ[z] = count++;
      col[i] = byZ[z];
    }
    let size = 4;
    while (size < 2 * n) size <<= 1;
    if (this.table.length < size) this.table = new Int32Array(size);
    const table = this.table;
    const mask = size - 1;
    const sigD = this.sigD;
    const sigC = this.sigC;
    const hash = this.hash;
    const nbr = g.neighborIndex;
    const dist = g.neighborDistance;
    const sigBits = new Int32Array(sigD.buffer, sigD.byteOffset, sigD.length);
    for (let r = 0; r < rounds && count < n; r++) {
      // Signatures: (distance, neighbour colour) of each slot, sorted; and their hash.
      for (let i = 0; i < n; i++) {
        const b = i * M;
        for (let s = 0; s < M; s++) {
          const d = dist[b + s];
          const c = col[nbr[b + s]];
          // insertion by (d, c); the slots come sorted by distance, so this rarely moves anything
          let t = s;
          while (t > 0) {
            const pd = sigD[b + t - 1];
            if (pd < d || (pd === d && sigC[b + t - 1] <= c)) break;
            sigD[b + t] = pd;
            sigC[b + t] = sigC[b + t - 1];
            t--;
          }
          sigD[b + t] = d;
          sigC[b + t] = c;
        }
        let h = Math.imul(col[i] ^ 0x5bd1e995, 0x9e3779b1);
        for (let s = 0; s < M; s++) {
          // the distance through its float32 bits (equal values have equal bits, except +-0, which then
          // merely stay apart)
          h = Math.imul(h ^ sigBits[b + s], 0x85ebca6b);
          h = Math.imul(h ^ sigC[b + s] ^ (h >>> 15), 0xc2b2ae35);
        }
        h ^= h >>> 16;
        hash[i] = h;
      }
      // New colours: atoms with equal (colour, signature) share a class, numbered by first atom.
      table.fill(-1, 0, size);
      let newCount = 0;
      for (let i = 0; i < n; i++) {
        const h = hash[i];
        let p = h & mask;
        let found = -1;
        for (;;) {
          const a = table[p];
          if (a < 0) break;
          if (hash[a] === h && col[a] === col[i] && sameSignature(sigD, sigC, a * M, i * M, M)) {
            found = a;
            break;
          }
          p = (p + 1) & mask;
        }
        if (found >= 0) next[i] = next[found];
        else {
          table[p] = i;
          next[i] = newCount++;
        }
      }
      // The new partition refines the old one: the same number of classes means it is stable.
      const stable = newCount === count;
      const tmp = col;
      col = next;
      next = tmp;
      count = newCount;
      if (stable) break;
    }
    this.col = col;
    this.next = next;
    return { classOf: col, count };
  }
}

function sameSignature(d: Float32Array, c: Int32Array, a: number, b: number, M: number): boolean {
  for (let s = 0; s < M; s++) if (d[a + s] !== d[b + s] || c[a + s] !== c[b + s]) return false;
  return true;
}

/** Builds GroupedBatches into grow-only buffers (the returned arrays are views, valid until the next build). */
export class GroupedBatchBuilder {
  private readonly refiner = new ColourRefiner();
  private readonly ids = new FloatIds();
  private rowTypes = new Int32Array(0);
  private rowCrystal = new Int32Array(0);
  private rowWeight = new Float32Array(0);
  private invCounts = new Float32Array(0);
  private edgeStart = new Int32Array(1);
  private edgeNbr = new Int32Array(0);
  private edgeBond = new Int32Array(0);
  private edgeWeight = new Float32Array(0);
  private dist = new Float64Array(0);
  private bond = new Float32Array(0);
  private span = new Int32Array(0);
  private firstAtom = new Int32Array(0);
  private groupBits = new Int32Array(0);
  private identity = new Int32Array(0);

  /**
   * @param rounds refinement rounds: the model's number of convolutions
   * @param group false: one row per atom and one edge per slot (the plain graph, for tests)
   */
  constructor(readonly basis: BondBasis, readonly maxNeighbors: number, readonly rounds: number, readonly group = true) {}

  build(graphs: readonly CrystalGraph[]): GroupedBatch {
    const M = this.maxNeighbors;
    const G = this.basis.dimension;
    const B = graphs.length;
    let N = 0;
    for (const g of graphs) {
      if (g.maxNeighbors !== M) throw new Error(`graph ${g.id} has ${g.maxNeighbors} neighbour slots; the model expects ${M}`);
      if (g.numAtoms < 1) throw new Error(`graph ${g.id} has no atoms`);
      if (g.neighborIndex.length !== g.numAtoms * M || g.neighborDistance.length !== g.numAtoms * M) {
        throw new Error(`graph ${g.id}: neighbour arrays do not match numAtoms x maxNeighbors`);
      }
      N += g.numAtoms;
    }
    // Upper bounds: K <= N rows, Eg <= N*M edge groups, U <= N*M distances.
    const grow = <T extends Int32Array | Float32Array | Float64Array>(a: T, n: number, make: (n: number) => T): T =>
      a.length < n ? make(Math.max(n, Math.ceil(a.length * 1.25))) : a;
    this.rowTypes = grow(this.rowTypes, N, (n) => new Int32Array(n));
    this.rowCrystal = grow(this.rowCrystal, N, (n) => new Int32Array(n));
    this.rowWeight = grow(this.rowWeight, N, (n) => new Float32Array(n));
    this.invCounts = grow(this.invCounts, B, (n) => new Float32Array(n));
    this.edgeStart = grow(this.edgeStart, N + 1, (n) => new Int32Array(n));
    this.edgeNbr = grow(this.edgeNbr, N * M, (n) => new Int32Array(n));
    this.edgeBond = grow(this.edgeBond, N * M, (n) => new Int32Array(n));
    this.edgeWeight = grow(this.edgeWeight, N * M, (n) => new Float32Array(n));
    this.dist = grow(this.dist, N * M, (n) => new Float64Array(n));
    this.groupBits = grow(this.groupBits, N * M, (n) => new Int32Array(n));
    const rowTypes = this.rowTypes;
    const rowCrystal = this.rowCrystal;
    const rowWeight = this.rowWeight;
    const edgeStart = this.edgeStart;
    const edgeNbr = this.edgeNbr;
    const edgeBond = this.edgeBond;
    const edgeWeight = this.edgeWeight;
    const groupBits = this.groupBits;
    const distinct = this.dist;
    const ids = this.ids;
    ids.reset(Math.min(N * M, 1 << 22));
    let K = 0;
    let Eg = 0;
    edgeStart[0] = 0;
    for (let b = 0; b < B; b++) {
      const g = graphs[b];
      const n = g.numAtoms;
      const nbr = g.neighborIndex;
      const dist = g.neighborDistance;
      const bits = new Int32Array(dist.buffer, dist.byteOffset, dist.length);
      for (let k = 0; k < n * M; k++) {
        const j = nbr[k];
        if (!(j >= 0 && j < n)) throw new Error(`graph ${g.id}: neighbour index ${j} out of range`);
      }
      this.invCounts[b] = 1 / n;
      let classOf: Int32Array;
      let count: number;
      if (this.group) ({ classOf, count } = this.refiner.classes(g, this.rounds));
      else {
        if (this.identity.length < n) this.identity = Int32Array.from({ length: Math.max(n, 2 * this.identity.length) }, (_, i) => i);
        classOf = this.identity;
        count = n;
      }
      // Representative = first atom of each class; rows K0 .. K0+count-1 in class order.
      if (this.firstAtom.length < count) this.firstAtom = new Int32Array(Math.max(count, this.firstAtom.length * 2));
      const first = this.firstAtom;
      first.fill(-1, 0, count);
      const K0 = K;
      for (let i = 0; i < n; i++) {
        const c = classOf[i];
        if (first[c] < 0) {
          first[c] = i;
          rowTypes[K0 + c] = g.atomicNumbers[i];
          rowCrystal[K0 + c] = b;
          rowWeight[K0 + c] = 0;
        }
        rowWeight[K0 + c]++;
      }
      for (let c = 0; c < count; c++) {
        const base = first[c] * M;
        const e0 = Eg;
        for (let s = 0; s < M; s++) {
          const row = K0 + classOf[nbr[base + s]];
          const db = bits[base + s];
          let e = this.group ? e0 : Eg;
          while (e < Eg && !(edgeNbr[e] === row && groupBits[e] === db)) e++;
          if (e < Eg) {
            edgeWeight[e]++;
            continue;
          }
          let u = ids.find(db);
          if (u < 0) {
            u = ids.add(-1 - u, db);
            distinct[u] = dist[base + s];
          }
          edgeNbr[Eg] = row;
          edgeBond[Eg] = u;
          edgeWeight[Eg] = 1;
          groupBits[Eg] = db;
          Eg++;
        }
        edgeStart[K0 + c + 1] = Eg;
      }
      K += count;
    }
    const U = ids.count;
    this.bond = grow(this.bond, U * G, (n) => new Float32Array(n));
    this.span = grow(this.span, 2 * U, (n) => new Int32Array(n));
    this.basis.expandSparseInto(distinct, U, this.bond, this.span);
    return {
      numCrystals: B,
      numAtoms: N,
      numRows: K,
      rowTypes: rowTypes.subarray(0, K),
      rowCrystal: rowCrystal.subarray(0, K),
      rowWeight: rowWeight.subarray(0, K),
      invCounts: this.invCounts.subarray(0, B),
      edgeStart: edgeStart.subarray(0, K + 1),
      edgeNbr: edgeNbr.subarray(0, Eg),
      edgeBond: edgeBond.subarray(0, Eg),
      edgeWeight: edgeWeight.subarray(0, Eg),
      numEdges: Eg,
      numBonds: U,
      bondDim: G,
      bondFeatures: this.bond.subarray(0, U * G),
      bondSpan: this.span.subarray(0, 2 * U),
    };
  }
}
