/**
 * Batched inference with a folded network (no gradient tape, BN folded), used for validation, test and
 * the Predictor.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CrystalGraph } from '../graph/crystal-graph';
import { fusedKernelsAvailable } from '../compute/fused-kernels';
import { BatchBuilder, type BondBasis, batchToTensors, disposeBatchTensors } from './batch';
import type { FoldedNetwork } from './network';

export type ComputePath = 'auto' | 'fused' | 'reference';

/** 'fused' where the fused kernels exist for the active backend (wasm, cpu), else 'reference'. */
export function resolvePath(path: ComputePath = 'auto'): 'fused' | 'reference' {
  if (path === 'reference') return 'reference';
  const ok = fusedKernelsAvailable();
  if (path === 'fused' && !ok) throw new Error(`fused kernels are not available on backend ${tf.getBackend()}`);
  return ok ? 'fused' : 'reference';
}

/** Default edge budget for inference batches (no tape: a few KB per edge). */
export const INFERENCE_EDGE_BUDGET = 200_000;

/**
 * Predictions on the normalised scale for graphs[indices[k]], as [n, T] row-major Float32Array.
 * Batches are planned by an edge budget; `onBatch` reports progress (crystals done).
 */
export function predictNormalized(
  net: FoldedNetwork,
  graphs: readonly CrystalGraph[],
  indices: ArrayLike<number>,
  basis: BondBasis,
  opts: { edgeBudget?: number; path?: ComputePath; onBatch?: (done: number) => void } = {},
): Float32Array {
  const T = net.config.tasks.length;
  const n = indices.length;
  const out = new Float32Array(n * T);
  if (n === 0) return out;
  const fused = resolvePath(opts.path) === 'fused';
  const budget = opts.edgeBudget ?? INFERENCE_EDGE_BUDGET;
  const M = graphs[indices[0]].maxNeighbors;
  const builder = new BatchBuilder(basis, M);
  let start = 0;
  while (start < n) {
    let end = start;
    let edges = 0;
    while (end < n) {
      const g = graphs[indices[end]];
      const e = g.numAtoms * g.maxNeighbors;
      if (end > start && edges + e > budget) break;
      edges += e;
      end++;
    }
    const sel: CrystalGraph[] = [];
    for (let k = start; k < end; k++) sel.push(graphs[indices[k]]);
    const bt = batchToTensors(builder.build(sel));
    try {
      const pred = tf.tidy(() => net.forward(bt, fused));
      out.set(pred.dataSync() as Float32Array, start * T);
      pred.dispose();
    } finally {
      disposeBatchTensors(bt);
    }
    start = end;
    opts.onBatch?.(start);
  }
  return out;
}
