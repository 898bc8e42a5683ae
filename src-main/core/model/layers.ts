/**
 * Building blocks of the CGCNN convolution and heads, in tfjs ops (any backend, autograd) plus the fused
 * wasm/cpu path (compute/fused-ops.ts).
 *
 * Factored convolution. The reference computes z_ij = concat(v_i, v_j, u_ij) W + b for every atom-neighbour
 * pair (E = N*M rows, 2F+G inputs). With W = [W_self; W_nbr; W_bond] (row blocks) this equals
 *     z_ij = (v W_self)[i] + (v W_nbr)[j] + u_ij W_bond + b,
 * so the atom projections are done on N rows before the gather (12x fewer rows) and no [E, 2F+G] concat is
 * materialised. `concatenatedConvEdge` keeps the literal reference form for tests.
 *
 * Dimension letters (N, M, E, F, C, G, U, B, T, ...): docs/glossary.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { fusedConvCore, fusedConvInfer } from '../compute/fused-ops';

export function dense(x: Tensor2D, w: Tensor, b?: Tensor): Tensor2D {
  const y = tf.matMul(x, w as Tensor2D);
  return (b ? tf.add(y, b) : y) as Tensor2D;
}

export interface BnResult {
  y: Tensor2D;
  mean: Tensor1D;
  variance: Tensor1D;
}

/** Hand-written training-mode batch norm over rows (batch statistics, biased variance for normalising). */
export function batchNormTrain(x: Tensor2D, gamma: Tensor, beta: Tensor, eps: number): BnResult {
  const mean = tf.mean(x, 0) as Tensor1D;
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), 0) as Tensor1D;
  const scale = tf.mul(tf.rsqrt(tf.add(variance, tf.scalar(eps))), gamma);
  const y = tf.add(tf.mul(xc, scale), beta) as Tensor2D;
  return { y, mean, variance };
}

/** BN with given statistics folded to y = x * scale + shift. Returns [scale, shift]. */
export function bnScaleShift(gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, eps: number): [Tensor1D, Tensor1D] {
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, tf.scalar(eps)))) as Tensor1D;
  const shift = tf.sub(beta, tf.mul(mean, scale)) as Tensor1D;
  return [scale, shift];
}

/** sigmoid(y[:, :F]) * softplus(y[:, F:]) summed over the M slots of each atom: [E, 2F] -> [N, F]. */
export function gateAndSum(y: Tensor2D, N: number, M: number): Tensor2D {
  const C = y.shape[1];
  const F = C / 2;
  const E = y.shape[0];
  const filter = tf.slice(y, [0, 0], [E, F]);
  const core = tf.slice(y, [0, F], [E, F]);
  const out = tf.mul(tf.sigmoid(filter), tf.softplus(core));
  return tf.sum(tf.reshape(out, [N, M, F]), 1) as Tensor2D;
}

/** z = aSelf[i] + aNbr[j] + bond (factored pre-activation), [E, C]. */
export function factoredPreactivation(aSelf: Tensor2D, aNbr: Tensor2D, bond: Tensor2D, nbr: Tensor1D, M: number): Tensor2D {
  const N = aSelf.shape[0];
  const C = aSelf.shape[1];
  const g = tf.reshape(tf.gather(aNbr, nbr), [N, M, C]);
  const z = tf.add(g, tf.reshape(aSelf, [N, 1, C]));
  return tf.add(tf.reshape(z, [N * M, C]), bond) as Tensor2D;
}

/** Bond input of a batch: Gaussian features of the distinct distances, their nonzero spans and the row of each edge. */
export interface BondInput {
  /** [U, G] */
  u: Tensor2D;
  /** [E] int32 */
  index: Tensor1D;
  /** [2U] int32: first nonzero centre and count of nonzero centres of each row of u (GraphBatch.bondSpan). */
  span: Tensor1D;
}

/** u W_bond per edge, [E, C]: project the U distinct rows, then gather (same as projecting every edge). */
export function bondProjection(bonds: BondInput, wBond: Tensor2D): Tensor2D {
  return tf.gather(tf.matMul(bonds.u, wBond), bonds.index) as Tensor2D;
}

export interface EdgeBlockOut {
  sum: Tensor2D;
  mean: Tensor1D;
  variance: Tensor1D;
}

/** Edge block in plain tfjs ops (training mode). */
export function edgeBlockReference(
  aSelf: Tensor2D, aNbr: Tensor2D, bond: Tensor2D, gamma: Tensor, beta: Tensor, nbr: Tensor1D, M: number, eps: number,
): EdgeBlockOut {
  const z = factoredPreactivation(aSelf, aNbr, bond, nbr, M);
  const bn = batchNormTrain(z, gamma, beta, eps);
  return { sum: gateAndSum(bn.y, aSelf.shape[0], M), mean: bn.mean, variance: bn.variance };
}

export interface ConvWeights {
  wSelf: Tensor2D;
  wNbr: Tensor2D;
  wBond: Tensor2D;
  gamma1: Tensor1D;
  beta1: Tensor1D;
  gamma2: Tensor1D;
  beta2: Tensor1D;
}

export interface ConvTrainOut {
  v: Tensor2D;
  stats: { mean1: Tensor1D; var1: Tensor1D; mean2: Tensor1D; var2: Tensor1D };
}

/**
 * One CGCNN convolution, training mode (batch statistics).
 * v [N, F]; bonds {u [U, G], index [E]}; nbr [E] global neighbour rows (atom-major).
 */
export function convTrain(
  v: Tensor2D, bonds: BondInput, nbr: Tensor1D, M: number, w: ConvWeights, eps: number, fused: boolean,
): ConvTrainOut {
  let edge: EdgeBlockOut;
  if (fused) {
    const wSN = tf.concat([w.wSelf, w.wNbr], 1) as Tensor2D;
    edge = fusedConvCore(v, wSN, w.wBond, w.gamma1, w.beta1, bonds.u, bonds.span, bonds.index, nbr, M, eps);
  } else {
    const aSelf = tf.matMul(v, w.wSelf) as Tensor2D;
    const aNbr = tf.matMul(v, w.wNbr) as Tensor2D;
    const bond = bondProjection(bonds, w.wBond);
    edge = edgeBlockReference(aSelf, aNbr, bond, w.gamma1, w.beta1, nbr, M, eps);
  }
  const bn2 = batchNormTrain(edge.sum, w.gamma2, w.beta2, eps);
  const out = tf.softplus(tf.add(v, bn2.y)) as Tensor2D;
  return { v: out, stats: { mean1: edge.mean, var1: edge.variance, mean2: bn2.mean, var2: bn2.variance } };
}

/** Literal reference form of the edge pre-activation: concat(v_i, v_j, u_ij) [E, 2F+G] times W [2F+G, C] (+ b). */
export function concatenatedPreactivation(
  v: Tensor2D, bonds: BondInput, nbr: Tensor1D, M: number, wFull: Tensor2D, bias?: Tensor1D,
): Tensor2D {
  const N = v.shape[0];
  const F = v.shape[1];
  const selfRows = tf.reshape(tf.tile(tf.reshape(v, [N, 1, F]), [1, M, 1]), [N * M, F]);
  const nbrRows = tf.gather(v, nbr);
  const bondRows = tf.gather(bonds.u, bonds.index);
  const z = tf.matMul(tf.concat([selfRows, nbrRows, bondRows], 1), wFull);
  return (bias ? tf.add(z, bias) : z) as Tensor2D;
}

/** One convolution in the literal concatenated form (training-mode BN), for tests. */
export function concatenatedConvTrain(
  v: Tensor2D, bonds: BondInput, nbr: Tensor1D, M: number, w: ConvWeights, eps: number, bias?: Tensor1D,
): Tensor2D {
  const wFull = tf.concat([w.wSelf, w.wNbr, w.wBond], 0) as Tensor2D;
  const z = concatenatedPreactivation(v, bonds, nbr, M, wFull, bias);
  const bn1 = batchNormTrain(z, w.gamma1, w.beta1, eps);
  const s = gateAndSum(bn1.y, v.shape[0], M);
  const bn2 = batchNormTrain(s, w.gamma2, w.beta2, eps);
  return tf.softplus(tf.add(v, bn2.y)) as Tensor2D;
}

/** Folded inference weights of one convolution: BN1 folded into the three projections, BN2 as scale/shift. */
export interface FoldedConv {
  /** [W_self' | W_nbr'] (for the fused path). */
  wSN: Tensor2D;
  wSelf: Tensor2D;
  wNbr: Tensor2D;
  wBond: Tensor2D;
  bias1: Tensor1D;
  scale2: Tensor1D;
  shift2: Tensor1D;
}

/** Inference convolution with folded weights (no batch statistics, no tape needed). */
export function convInfer(v: Tensor2D, bonds: BondInput, nbr: Tensor1D, M: number, w: FoldedConv, fused: boolean): Tensor2D {
  let s: Tensor2D;
  if (fused) s = fusedConvInfer(v, w.wSN, w.wBond, w.bias1, bonds.u, bonds.index, nbr, M);
  else {
    const aSelf = tf.matMul(v, w.wSelf) as Tensor2D;
    const aNbr = tf.matMul(v, w.wNbr) as Tensor2D;
    const bond = bondProjection(bonds, w.wBond);
    const z = tf.add(factoredPreactivation(aSelf, aNbr, bond, nbr, M), w.bias1) as Tensor2D;
    s = gateAndSum(z, v.shape[0], M);
  }
  return tf.softplus(tf.add(v, tf.add(tf.mul(s, w.scale2), w.shift2))) as Tensor2D;
}
