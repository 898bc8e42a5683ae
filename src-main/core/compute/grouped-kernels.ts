/**
 * Inference-only kernels for symmetry-grouped batches (model/grouped-batch.ts) on the 'wasm' and 'cpu'
 * backends: hand-written SIMD wasm on the tfjs heap where available (simd-kernels.ts), JS loops otherwise.
 *
 *   CgcnnBondProject  inputs {gauss [U,G], span [2U] int32, w [G,C], bias [C]}
 *                     output P [U,C] = bias + gauss W, summing only the nonzero span of each row
 *   CgcnnEdgeGrouped  inputs {a [K,2C], p [U,C], start [K+1], nbr [Eg], bond [Eg] int32, weight [Eg], v [K,F],
 *                     scale [F], shift [F]}   (C = 2F)
 *                     output [K,F] = softplus(v + (S scale + shift)),
 *                     S[i] = sum over groups g of row i of weight[g] sigmoid(y[:F]) softplus(y[F:]),
 *                     y = a[i, :C] + a[nbr[g], C:] + p[bond[g]]
 * Neither has a gradient: they serve the Predictor only.
 *
 * Dimension letters (N, M, E, F, C, G, U, B, T, ...): docs/glossary.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { kernelMemory } from './kernel-util';
import { simdForBackend, wasmPtr } from './fused-kernels';

export const BOND_PROJECT = 'CgcnnBondProject';
export const EDGE_GROUPED = 'CgcnnEdgeGrouped';

function sigmoid(y: number): number {
  return y >= 0 ? 1 / (1 + Math.exp(-y)) : Math.exp(y) / (1 + Math.exp(y));
}

function softplus(y: number): number {
  return y > 0 ? y + Math.log1p(Math.exp(-y)) : Math.log1p(Math.exp(y));
}

function bondProject(backendName: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend: be }) => {
    const backend = be as KernelBackend;
    const { gauss, span, w, bias } = inputs as Record<string, TensorInfo>;
    const U = gauss.shape[0];
    const G = gauss.shape[1];
    const C = w.shape[1];
    if (w.shape[0] !== G || span.shape[0] !== 2 * U || bias.shape[0] !== C) throw new Error(`${BOND_PROJECT}: shape mismatch`);
    const mem = kernelMemory(backend, backendName);
    const out = mem.alloc([U, C]);
    if (U === 0) return out;
    const simd = backendName === 'wasm' && C % 8 === 0 ? simdForBackend(backend) : null;
    if (simd) {
      const args = [wasmPtr(backend, gauss), wasmPtr(backend, span), wasmPtr(backend, w), wasmPtr(backend, bias), wasmPtr(backend, out), U, G, C] as const;
      if (C % 16 === 0) simd.bondProject16(...args);
      else simd.bondProject8(...args);
      return out;
    }
    const gv = mem.f32(gauss);
    const sp = mem.i32(span);
    const wv = mem.f32(w);
    const bv = mem.f32(bias);
    const P = mem.f32(out);
    for (let u = 0; u < U; u++) {
      const k0 = sp[2 * u];
      const k1 = k0 + sp[2 * u + 1];
      const pr = u * C;
      for (let c = 0; c < C; c++) P[pr + c] = bv[c];
      for (let k = k0; k < k1; k++) {
        const x = gv[u * G + k];
        const wr = k * C;
        for (let c = 0; c < C; c++) P[pr + c] += x * wv[wr + c];
      }
    }
    return out;
  };
}

function edgeGrouped(backendName: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend: be }) => {
    const backend = be as KernelBackend;
    const { a, p, start, nbr, bond, weight, v, scale, shift } = inputs as Record<string, TensorInfo>;
    const K = v.shape[0];
    const F = v.shape[1];
    const C = 2 * F;
    if (a.shape[0] !== K || a.shape[1] !== 2 * C || p.shape[1] !== C || start.shape[0] !== K + 1) {
      throw new Error(`${EDGE_GROUPED}: shape mismatch`);
    }
    const mem = kernelMemory(backend, backendName);
    const out = mem.alloc([K, F]);
    if (K === 0) return out;
    const simd = backendName === 'wasm' && F % 4 === 0 ? simdForBackend(backend) : null;
    if (simd) {
      const A = wasmPtr(backend, a);
      const ptr = (t: TensorInfo): number => wasmPtr(backend, t);
      simd.inferGrouped(A, A + C * 4, 2 * C, ptr(p), ptr(start), ptr(nbr), ptr(bond), ptr(weight), ptr(v), ptr(scale), ptr(shift), ptr(out), K, F);
      return out;
    }
    const av = mem.f32(a);
    const pv = mem.f32(p);
    const st = mem.i32(start);
    const nb = mem.i32(nbr);
    const bd = mem.i32(bond);
    const wt = mem.f32(weight);
    const vv = mem.f32(v);
    const sc = mem.f32(scale);
    const sh = mem.f32(shift);
    const o = mem.f32(out);
    const C2 = 2 * C;
    const S = new Float32Array(F);
    for (let i = 0; i < K; i++) {
      S.fill(0);
      const ib = i * C2;
      for (let g = st[i]; g < st[i + 1]; g++) {
        const jb = nb[g] * C2 + C;
        const pb = bd[g] * C;
        const wg = wt[g];
        for (let k = 0; k < F; k++) {
          const yf = av[ib + k] + av[jb + k] + pv[pb + k];
          const yc = av[ib + F + k] + av[jb + F + k] + pv[pb + F + k];
          S[k] += wg * (sigmoid(yf) * softplus(yc));
        }
      }
      for (let k = 0; k < F; k++) o[i * F + k] = softplus(vv[i * F + k] + (S[k] * sc[k] + sh[k]));
    }
    return out;
  };
}

const done = new Set<string>();

/** Registers the grouped inference kernels for 'wasm' or 'cpu'. Idempotent. */
export function registerGroupedKernels(backendName: 'wasm' | 'cpu'): void {
  if (done.has(backendName)) return;
  done.add(backendName);
  const regs: Array<[string, KernelFunc]> = [
    [BOND_PROJECT, bondProject(backendName)],
    [EDGE_GROUPED, edgeGrouped(backendName)],
  ];
  for (const [kernelName, kernelFunc] of regs) {
    if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
}

/** True when the grouped inference kernels exist for the active backend. */
export function groupedKernelsAvailable(): boolean {
  return tf.getKernel(EDGE_GROUPED, tf.getBackend()) !== undefined;
}
