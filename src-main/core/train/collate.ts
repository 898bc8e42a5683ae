/**
 * Batching by an edge budget.
 *
 * tfjs keeps every intermediate of a training step alive until the gradients are computed, so memory
 * grows with the number of edges (sum of N*M) in a batch, not with the number of crystals. Batches are
 * therefore closed when the next crystal would exceed the edge budget OR the crystal cap. No crystal is
 * ever dropped; a single crystal larger than the budget gets a batch of its own.
 */
import type { CrystalGraph } from '../graph/crystal-graph';

/** wasm's heap is capped at 4 GiB. */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/** Measured peak bytes per edge in one training step (see docs/training.md). */
export const BYTES_PER_EDGE = { fused: 8 * 1024, reference: 53 * 1024 } as const;

/**
 * Default edge budget for a training step: 60% of the wasm heap divided by the per-edge footprint of the
 * path, rounded down to a multiple of 1024. (fused: ~300k edges; reference: ~48k edges.)
 */
export function defaultEdgeBudget(path: 'fused' | 'reference' = 'fused', heapBytes = WASM_HEAP_BYTES): number {
  return Math.max(1024, Math.floor((0.6 * heapBytes) / BYTES_PER_EDGE[path] / 1024) * 1024);
}

export interface BatchPlanOptions {
  /** Max sum of numAtoms * maxNeighbors per batch. */
  edgeBudget: number;
  /** Max crystals per batch (default: unlimited). */
  maxCrystals?: number;
}

/**
 * Splits `order` (indices into graphs, in visiting order) into consecutive batches under the budget.
 * Every index appears in exactly one batch, in order.
 */
export function planBatches(
  graphs: readonly Pick<CrystalGraph, 'numAtoms' | 'maxNeighbors'>[],
  order: ArrayLike<number>,
  opts: BatchPlanOptions,
): Int32Array[] {
  const budget = opts.edgeBudget;
  const cap = opts.maxCrystals ?? Infinity;
  if (!(budget > 0)) throw new RangeError('edgeBudget must be > 0');
  if (!(cap >= 1)) throw new RangeError('maxCrystals must be >= 1');
  const out: Int32Array[] = [];
  let cur: number[] = [];
  let edges = 0;
  for (let k = 0; k < order.length; k++) {
    const idx = order[k];
    const g = graphs[idx];
    const e = g.numAtoms * g.maxNeighbors;
    if (cur.length > 0 && (edges + e > budget || cur.length >= cap)) {
      out.push(Int32Array.from(cur));
      cur = [];
      edges = 0;
    }
    cur.push(idx);
    edges += e;
  }
  if (cur.length > 0) out.push(Int32Array.from(cur));
  return out;
}

/** Normalised targets and masks of a batch: [B, T] each (NaN labels -> value 0, mask 0). */
export function batchTargets(
  indices: ArrayLike<number>,
  normalizedTargets: readonly Float64Array[],
): { values: Float32Array; mask: Float32Array } {
  const B = indices.length;
  const T = normalizedTargets.length;
  const values = new Float32Array(B * T);
  const mask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const y = normalizedTargets[t][indices[b]];
      if (Number.isFinite(y)) {
        values[b * T + t] = y;
        mask[b * T + t] = 1;
      }
    }
  }
  return { values, mask };
}
