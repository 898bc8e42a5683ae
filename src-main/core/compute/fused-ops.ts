/**
 * Differentiable fused CGCNN convolution core (tf.customGrad around the kernels of fused-kernels.ts).
 *
 * fusedConvCore(v, wSN, wBond, gamma1, beta1) computes, in training mode,
 *   A = v [W_self | W_nbr]   ([N, 2C], one matmul),   Bd = u W_bond   ([U, C], distinct distances only)
 *   S = sum_m sigmoid(bn(z)_filter) * softplus(bn(z)_core),  z = A_self[i] + A_nbr[j] + Bd[b(e)]
 * and its gradients with matmuls arranged for XNNPACK on wasm: only plain (non-transposed) forms, and the
 * right-hand operand of the W_bond gradient is the batch's bond features u, the same tensor for every
 * layer of a step (XNNPACK packs the right operand on each call unless it has seen the tensor before):
 *   dv = dA [W_self | W_nbr]^T,   d[W_self | W_nbr] = (dA^T v)^T,   dW_bond = (dBd^T u)^T
 * (with the SIMD kernels, Bd and dW_bond come from the sparse bond kernels instead of matmuls; see fusedConvCore).
 *
 * Dimension letters (N, M, E, F, C, G, U, B, T, ...): docs/glossary.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { BOND_GRAD, EDGE_BACKWARD, EDGE_FORWARD, EDGE_INFER, simdKernelsActive } from './fused-kernels';
import { BOND_PROJECT } from './grouped-kernels';

export interface EdgeBlockResult {
  /** [N, F] neighbour sum of sigmoid(filter) * softplus(core). */
  sum: Tensor2D;
  /** Batch mean and biased variance of z over the E rows ([C] each); kept, not part of the gradient. */
  mean: Tensor1D;
  variance: Tensor1D;
}

/**
 * Training-mode fused convolution core. `u` [U, G] Gaussian features of the batch's distinct distances, `bspan` [2U]
 * their nonzero spans, `bidx` [E] the bond row of each edge and `nbr` [E] int32 global neighbour rows (atom-major:
 * row e belongs to atom floor(e / M)) are constants of the batch. With the SIMD kernels, Bd = u W_bond and its
 * gradient dW_bond = u^T dBd skip the zero Gaussian features (about two thirds of them): CgcnnBondProject and
 * CgcnnBondGrad add the same float32 products in the same order as XNNPACK's matmuls, so the results are the same.
 */
export function fusedConvCore(
  v: Tensor2D, wSN: Tensor2D, wBond: Tensor2D, gamma: Tensor1D, beta: Tensor1D,
  u: Tensor2D, bspan: Tensor1D, bidx: Tensor1D, nbr: Tensor1D, M: number, eps: number,
): EdgeBlockResult {
  let mean: Tensor1D | undefined;
  let variance: Tensor1D | undefined;
  const attrs = { M, eps, U: u.shape[0] };
  const sparse = simdKernelsActive();
  const op = tf.customGrad((...args: (Tensor | ((t: Tensor[]) => void))[]) => {
    const [vv, w, wb, ga, be] = args as Tensor[];
    const save = args[5] as (t: Tensor[]) => void;
    const a = tf.matMul(vv as Tensor2D, w as Tensor2D);
    const bond = sparse
      ? tf.engine().runKernel(BOND_PROJECT, { gauss: u, span: bspan, w: wb, bias: tf.zeros([(wb as Tensor2D).shape[1]]) }) as Tensor2D
      : tf.matMul(u, wb as Tensor2D);
    const [S, z, dg, gs, gx, mu, vr] = tf.engine().runKernel(EDGE_FORWARD, { a, bond, bidx, gamma: ga, beta: be, nbr }, attrs as never) as Tensor[];
    // The forward runs inside an engine tidy: keep the statistics (the caller disposes them).
    mean = tf.keep(mu) as Tensor1D;
    variance = tf.keep(vr) as Tensor1D;
    save([vv, w, z, dg, gs, gx, mu, vr, ga]);
    return {
      value: S,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [sv, sw, sz, sdg, sgs, sgx, smu, svr, sga] = saved;
        const [dA, dB, dG, dBe] = tf.engine().runKernel(
          EDGE_BACKWARD, { dS: dy as Tensor, z: sz, dg: sdg, gs: sgs, gx: sgx, mean: smu, var: svr, gamma: sga, bidx, nbr }, attrs as never,
        ) as Tensor[];
        const dv = tf.matMul(dA as Tensor2D, tf.transpose(sw as Tensor2D));
        const dW = tf.transpose(tf.matMul(tf.transpose(dA as Tensor2D), sv as Tensor2D));
        const dWb = sparse
          ? tf.engine().runKernel(BOND_GRAD, { gauss: u, span: bspan, dB }) as Tensor
          : tf.transpose(tf.matMul(tf.transpose(dB as Tensor2D), u));
        return [dv, dW, dWb, dG, dBe];
      },
    };
  });
  const sum = op(v, wSN, wBond, gamma, beta) as Tensor2D;
  return { sum, mean: mean as Tensor1D, variance: variance as Tensor1D };
}

/** Inference core with BN folded into the projections: S from A = v wSN, Bd = u wBond and `bias` [C]. */
export function fusedConvInfer(
  v: Tensor2D, wSN: Tensor2D, wBond: Tensor2D, bias: Tensor1D, u: Tensor2D, bidx: Tensor1D, nbr: Tensor1D, M: number,
): Tensor2D {
  return tf.tidy(() => {
    const a = tf.matMul(v, wSN);
    const bond = tf.matMul(u, wBond);
    return tf.engine().runKernel(EDGE_INFER, { a, bond, bidx, bias, nbr }, { M } as never) as Tensor2D;
  });
}
