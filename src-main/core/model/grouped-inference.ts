/**
 * Ensemble inference on symmetry-grouped batches (grouped-batch.ts): every member (and tower) runs on the
 * same uploaded batch, one representative row per symmetry class, one edge term per edge group.
 *
 * Per tower, with BN folded (network.ts, FoldedNetwork):
 *   v0 = (table W_embed + b)[Z]                                   gathered from the projected element table
 *   layer 0:  A = v0 [W_self | W_nbr] = (tableProj [W_self | W_nbr])[Z]   a second gather (table precomputed)
 *   layer l:  A = v [W_self | W_nbr]                              one matmul on K rows
 *             P = bias1 + u W_bond                                 distinct distances only, nonzero centres only
 *             v = softplus(v + bn2(sum_g w_g sigmoid(.) softplus(.)))   one fused kernel (grouped-kernels.ts)
 *   pool:     h = softplus((sum_rows classSize * v) / atoms)      then shared layers and heads as in training
 * No gradient tape, no batch statistics. Needs the grouped kernels (wasm or cpu backend).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { BOND_PROJECT, EDGE_GROUPED } from '../compute/grouped-kernels';
import type { GroupedBatch } from './grouped-batch';
import { dense } from './layers';
import type { FoldedNetwork, FoldedTower } from './network';

export interface GroupedBatchTensors {
  readonly numCrystals: number;
  readonly rowTypes: Tensor1D;
  readonly rowCrystal: Tensor1D;
  /** Class sizes [K, 1]. */
  readonly rowWeight: Tensor2D;
  /** 1 / atoms [B, 1]. */
  readonly invCounts: Tensor2D;
  readonly edgeStart: Tensor1D;
  readonly edgeNbr: Tensor1D;
  readonly edgeBond: Tensor1D;
  readonly edgeWeight: Tensor1D;
  /** [U, G] */
  readonly gauss: Tensor2D;
  /** [2U] int32 */
  readonly span: Tensor1D;
}

export function groupedBatchToTensors(b: GroupedBatch): GroupedBatchTensors {
  const K = b.numRows;
  return {
    numCrystals: b.numCrystals,
    rowTypes: tf.tensor1d(b.rowTypes, 'int32'),
    rowCrystal: tf.tensor1d(b.rowCrystal, 'int32'),
    rowWeight: tf.tensor2d(b.rowWeight, [K, 1]),
    invCounts: tf.tensor2d(b.invCounts, [b.numCrystals, 1]),
    edgeStart: tf.tensor1d(b.edgeStart, 'int32'),
    edgeNbr: tf.tensor1d(b.edgeNbr, 'int32'),
    edgeBond: tf.tensor1d(b.edgeBond, 'int32'),
    edgeWeight: tf.tensor1d(b.edgeWeight, 'float32'),
    gauss: tf.tensor2d(b.bondFeatures, [b.numBonds, b.bondDim]),
    span: tf.tensor1d(b.bondSpan, 'int32'),
  };
}

export function disposeGroupedTensors(t: GroupedBatchTensors): void {
  for (const x of [t.rowTypes, t.rowCrystal, t.rowWeight, t.invCounts, t.edgeStart, t.edgeNbr, t.edgeBond, t.edgeWeight, t.gauss, t.span]) x.dispose();
}

interface Stack {
  tower: FoldedTower;
  /** tableProj [W_self | W_nbr] of the first convolution, [rows, 2C] (undefined without convolutions). */
  tableA0?: Tensor2D;
}

/** The members of an ensemble (FoldedNetworks, owned by the caller) run together on grouped batches. */
export class GroupedEnsemble {
  private readonly members: Stack[][];

  constructor(private readonly nets: readonly FoldedNetwork[]) {
    this.members = nets.map((net) =>
      net.towers.map((tower) => ({
        tower,
        ...(tower.convs.length > 0 ? { tableA0: tf.tidy(() => tf.matMul(tower.tableProj, tower.convs[0].wSN)) as Tensor2D } : {}),
      })),
    );
  }

  /**
   * Predictions of every member on the normalised scale, [B, members * T] (member-major columns).
   * Intermediates are freed layer by layer, so the peak is a few [rows, 2C] and [U, C] buffers.
   */
  forward(bt: GroupedBatchTensors): Tensor2D {
    const cols: Tensor2D[] = []; // member-major, task order within a member
    const kept: Tensor2D[] = [];
    try {
      this.members.forEach((stacks, m) => {
        const T = this.nets[m].config.tasks.length;
        const base = cols.length;
        cols.length += T;
        for (const s of stacks) {
          const h = this.trunk(s, bt);
          try {
            tf.tidy(() => {
              let x = h;
              for (const l of s.tower.shared) x = tf.softplus(dense(x, l.w, l.b)) as Tensor2D;
              for (const hd of s.tower.heads) {
                let y = x;
                for (const l of hd.layers) y = tf.softplus(dense(y, l.w, l.b)) as Tensor2D;
                const out = tf.keep(dense(y, hd.out.w, hd.out.b));
                kept.push(out);
                cols[base + hd.task] = out;
              }
            });
          } finally {
            h.dispose();
          }
        }
      });
      return (cols.length === 1 ? tf.clone(cols[0]) : tf.concat(cols, 1)) as Tensor2D;
    } finally {
      for (const o of kept) o.dispose();
    }
  }

  /** Convolutions and pooling of one tower: [B, F] after the pooling activation. */
  private trunk(s: Stack, bt: GroupedBatchTensors): Tensor2D {
    const tw = s.tower;
    let v: Tensor2D = tf.gather(tw.tableProj, bt.rowTypes) as Tensor2D;
    try {
      tw.convs.forEach((c, l) => {
        const a = l === 0 ? (tf.gather(s.tableA0!, bt.rowTypes) as Tensor2D) : tf.matMul(v, c.wSN);
        let p: Tensor2D | undefined;
        let next: Tensor2D;
        try {
          p = tf.engine().runKernel(BOND_PROJECT, { gauss: bt.gauss, span: bt.span, w: c.wBond, bias: c.bias1 }) as Tensor2D;
          next = tf.engine().runKernel(EDGE_GROUPED, {
            a, p, start: bt.edgeStart, nbr: bt.edgeNbr, bond: bt.edgeBond, weight: bt.edgeWeight, v, scale: c.scale2, shift: c.shift2,
          }) as Tensor2D;
        } finally {
          a.dispose();
          p?.dispose();
        }
        v.dispose();
        v = next;
      });
      return tf.tidy(() => {
        const summed = tf.unsortedSegmentSum(tf.mul(v, bt.rowWeight), bt.rowCrystal, bt.numCrystals);
        return tf.softplus(tf.mul(summed, bt.invCounts)) as Tensor2D;
      });
    } finally {
      v.dispose();
    }
  }

  dispose(): void {
    for (const stacks of this.members) for (const s of stacks) s.tableA0?.dispose();
    this.members.length = 0;
  }
}
