/**
 * Fused kernels for the edge ("neighbour") block of a CGCNN convolution on the 'wasm' and 'cpu' backends.
 * The block is where almost all element-wise time goes (E = N*M rows of C = 2F channels):
 *
 *   z[e]   = aSelf[i(e)] + aNbr[j(e)] + bond[b(e)]       (i(e) = floor(e / M): rows are atom-major;
 *                                                         bond = projected features of the distinct distances)
 *   y      = BatchNorm_train(z) = xhat * gamma + beta,   xhat = (z - mean) / sqrt(var + eps), batch stats
 *   out    = sigmoid(y[:, :F]) * softplus(y[:, F:])
 *   S[i]   = sum over the M neighbour slots of atom i of out
 *
 * aSelf and aNbr are the two column halves of A = v [W_self | W_nbr] ([N, 2C]), read in place.
 * Forward = 2 passes over [E, C]: (1) gather-add z + moments, (2) normalise, gate, neighbour sum, and the
 * gate derivatives DG (dL/dy = dS[i] * DG) with their per-atom sums Gs = sum_m DG, Gx = sum_m DG xhat.
 * The batch-norm backward reductions sum_e dy and sum_e dy xhat then cost O(N C) (sum_i dS[i] Gs[i]), and
 * the backward is ONE pass over [E, C] without any transcendental function. This replaces ~40 tfjs
 * element-wise kernels with their allocations. On wasm with SIMD and F % 4 == 0 the passes run as
 * hand-written SIMD wasm (simd-kernels.ts) on the tfjs heap; otherwise as JS loops.
 *
 * Kernels:
 *   CgcnnEdgeForward  inputs {a [N,2C], bond [U,C], bidx [E] int32, gamma [C], beta [C], nbr [E] int32}  attrs {M, eps}
 *                     outputs [S [N,F], z [E,C], DG [E,C], Gs [N,C], Gx [N,C], mean [C], var [C] (biased)]
 *   CgcnnEdgeBackward inputs {dS [N,F], z, dg, gs, gx, mean, var, gamma, bidx, nbr}  attrs {M, eps, U}
 *                     outputs [dA [N,2C], dB [U,C] (dL/dbond, summed over the edges of each bond row in edge order),
 *                     dGamma, dBeta]
 *   CgcnnEdgeInfer    inputs {a [N,2C], bond [U,C], bidx, bias [C], nbr}                    attrs {M}
 *                     outputs [S]   (BN folded into the projections: y = z + bias)
 *   CgcnnBondGrad     inputs {gauss [U,G], span [2U] int32, dB [U,C]}
 *                     outputs [dW [G,C]] = gauss^T dB over the nonzero span of each row (the gradient of the sparse
 *                     bond projection CgcnnBondProject, grouped-kernels.ts), in XNNPACK's order (see simd-kernels.ts)
 *
 * Dimension letters (N, M, E, F, C, G, U, B, T, ...): docs/glossary.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { type KernelMemory, kernelMemory, replaceKernel, softplus } from './kernel-util';
import { type SimdEdgeKernels, type WasmMemoryLike, WasmJs, instantiateSimdKernels } from './simd-kernels';

export const EDGE_FORWARD = 'CgcnnEdgeForward';
export const EDGE_BACKWARD = 'CgcnnEdgeBackward';
export const EDGE_INFER = 'CgcnnEdgeInfer';
export const BOND_GRAD = 'CgcnnBondGrad';

interface EdgeAttrs {
  M: number;
  eps: number;
}

// ---------------------------------------------------------------------------------------------------
// SIMD access on the wasm backend
// ---------------------------------------------------------------------------------------------------

interface WasmBackendLike extends KernelBackend {
  wasm: { asm?: { memory?: WasmMemoryLike }; _malloc(n: number): number; _free(p: number): void; HEAPU8: Uint8Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
}

let simdDisabled = false;
const simdCache = new WeakMap<object, SimdEdgeKernels | null>();
/** Why the last wasm backend asked for got no SIMD kernels (null: it got them, or none was asked yet). */
let simdProblem: string | null = null;

/** Turns the SIMD wasm kernels off (tests compare both implementations). */
export function setSimdKernelsEnabled(on: boolean): void {
  simdDisabled = !on;
}

/**
 * What the SIMD kernels need from tfjs-wasm's internals (not a public API): the module's heap as a
 * WebAssembly.Memory (wasm.asm.memory), its allocator (_malloc, _free) and the tensor -> heap offset map
 * (dataIdMap). Null when all are there, else what is missing: a tfjs upgrade that renames them lands here.
 */
export function wasmInternalsProblem(backend: object): string | null {
  const be = backend as Partial<WasmBackendLike>;
  if (!be.wasm) return 'the wasm backend exposes no `wasm` module object';
  if (!(be.wasm.asm?.memory instanceof WasmJs.Memory)) return 'wasm.asm.memory is not a WebAssembly.Memory';
  if (typeof be.wasm._malloc !== 'function' || typeof be.wasm._free !== 'function') return 'wasm._malloc / wasm._free are missing';
  if (typeof be.dataIdMap?.get !== 'function') return 'the backend has no dataIdMap';
  return null;
}

function simdFor(backend: KernelBackend): SimdEdgeKernels | null {
  if (simdDisabled) return null;
  const be = backend as WasmBackendLike;
  const wasm = be.wasm;
  if (!wasm) {
    simdProblem = wasmInternalsProblem(backend);
    return null;
  }
  let k = simdCache.get(wasm);
  if (k === undefined) {
    simdProblem = wasmInternalsProblem(backend);
    if (simdProblem) k = null;
    else {
      try {
        k = instantiateSimdKernels(wasm.asm!.memory!);
      } catch (e) {
        simdProblem = `the SIMD module did not instantiate (${e instanceof Error ? e.message : String(e)})`;
        k = null; // no SIMD support in this runtime
      }
    }
    simdCache.set(wasm, k);
  }
  return k;
}

const ptr = (backend: KernelBackend, t: TensorInfo): number => (backend as WasmBackendLike).dataIdMap.get(t.dataId).memoryOffset;

/** Byte address of a tensor's data on the wasm heap. */
export const wasmPtr = ptr;

/** The SIMD kernels for a wasm backend instance, or null (no SIMD, or disabled). */
export function simdForBackend(backend: KernelBackend): SimdEdgeKernels | null {
  return simdFor(backend);
}

/** Scratch memory on the wasm heap (freed by the caller). */
function scratch(backend: KernelBackend, bytes: number): number {
  const p = (backend as WasmBackendLike).wasm._malloc(bytes);
  new Uint8Array((backend as WasmBackendLike).wasm.asm!.memory!.buffer, p, bytes).fill(0);
  return p;
}

function heapF32(backend: KernelBackend, p: number, n: number): Float32Array {
  return new Float32Array((backend as WasmBackendLike).wasm.asm!.memory!.buffer, p, n);
}

function heapF64(backend: KernelBackend, p: number, n: number): Float64Array {
  return new Float64Array((backend as WasmBackendLike).wasm.asm!.memory!.buffer, p, n);
}

// ---------------------------------------------------------------------------------------------------
// Kernels
// ---------------------------------------------------------------------------------------------------

function edgeForward(backendName: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend: be, attrs }) => {
    const backend = be as KernelBackend;
    const { a, bond, bidx, gamma, beta, nbr } = inputs as Record<string, TensorInfo>;
    const { M, eps } = attrs as unknown as EdgeAttrs;
    const N = a.shape[0];
    const C = a.shape[1] / 2;
    const F = C >> 1;
    const E = N * M;
    if (bond.shape[1] !== C || C % 2 !== 0 || bidx.shape[0] !== E) throw new Error(`${EDGE_FORWARD}: shape mismatch`);
    const mem = kernelMemory(backend, backendName);
    const sOut = mem.alloc([N, F]);
    const zOut = mem.alloc([E, C]);
    const dgOut = mem.alloc([E, C]);
    const gsOut = mem.alloc([N, C]);
    const gxOut = mem.alloc([N, C]);
    const meanOut = mem.alloc([C]);
    const varOut = mem.alloc([C]);
    const outs = [sOut, zOut, dgOut, gsOut, gxOut, meanOut, varOut];
    if (E === 0) {
      for (const o of outs) mem.f32(o).fill(0);
      return outs;
    }
    const simd = backendName === 'wasm' && F % 4 === 0 ? simdFor(backend) : null;
    // Channel constants: shift | scale | off (f32), s1 | s2 (f64).
    const f32Scratch = (n: number): { p: number; view: () => Float32Array } => {
      if (simd) {
        const p = scratch(backend, n * 4);
        return { p, view: () => heapF32(backend, p, n) };
      }
      const arr = new Float32Array(n);
      return { p: 0, view: () => arr };
    };
    const consts = f32Scratch(3 * C);
    const stats = simd ? scratch(backend, 16 * C) : 0;
    try {
      const nb = mem.i32(nbr);
      const A = mem.f32(a);
      const bd = mem.f32(bond);
      const b0 = mem.i32(bidx)[0] * C;
      const cv = consts.view();
      const j0 = nb[0] * 2 * C + C;
      for (let c = 0; c < C; c++) cv[c] = A[c] + A[j0 + c] + bd[b0 + c]; // shift = first row of z
      let s1: Float64Array;
      let s2: Float64Array;
      if (simd) {
        const pa = ptr(backend, a);
        simd.fwd1(pa, pa + C * 4, 2 * C, ptr(backend, bond), ptr(backend, bidx), ptr(backend, nbr), ptr(backend, zOut), N, M, C, consts.p, stats, stats + 8 * C);
        s1 = heapF64(backend, stats, C);
        s2 = heapF64(backend, stats + 8 * C, C);
      } else {
        [s1, s2] = jsPass1(mem, a, bond, bidx, nbr, M, zOut, cv);
      }
      const cv2 = consts.view();
      const mo = mem.f32(meanOut);
      const vo = mem.f32(varOut);
      for (let c = 0; c < C; c++) {
        const m1 = s1[c] / E;
        const v = Math.max(s2[c] / E - m1 * m1, 0);
        const mean = cv2[c] + m1;
        mo[c] = mean;
        vo[c] = v;
        const rstd = 1 / Math.sqrt(v + eps);
        cv2[C + c] = rstd;
        cv2[2 * C + c] = -mean * rstd;
      }
      if (simd) {
        simd.fwd2(ptr(backend, zOut), ptr(backend, sOut), ptr(backend, dgOut), ptr(backend, gsOut), ptr(backend, gxOut), N, M, F,
          consts.p + 4 * C, consts.p + 8 * C, ptr(backend, gamma), ptr(backend, beta));
      } else {
        jsPass2(mem, zOut, gamma, beta, M, cv2.subarray(C, 2 * C), cv2.subarray(2 * C), sOut, dgOut, gsOut, gxOut);
      }
    } finally {
      if (simd) {
        (backend as WasmBackendLike).wasm._free(consts.p);
        (backend as WasmBackendLike).wasm._free(stats);
      }
    }
    return outs;
  };
}

function jsPass1(
  mem: KernelMemory, a: TensorInfo, bond: TensorInfo, bidx: TensorInfo, nbr: TensorInfo, M: number, zOut: TensorInfo, shift: Float32Array,
): [Float64Array, Float64Array] {
  const N = a.shape[0];
  const C = a.shape[1] / 2;
  const C2 = 2 * C;
  const A = mem.f32(a);
  const bd = mem.f32(bond);
  const bi = mem.i32(bidx);
  const nb = mem.i32(nbr);
  const X = mem.f32(zOut);
  const s1 = new Float64Array(C);
  const s2 = new Float64Array(C);
  for (let i = 0; i < N; i++) {
    const ib = i * C2;
    for (let m = 0; m < M; m++) {
      const e = i * M + m;
      const eb = e * C;
      const bb = bi[e] * C;
      const jb = nb[e] * C2 + C;
      for (let c = 0; c < C; c++) {
        const z = A[ib + c] + A[jb + c] + bd[bb + c];
        X[eb + c] = z;
        const d = z - shift[c];
        s1[c] += d;
        s2[c] += d * d;
      }
    }
  }
  return [s1, s2];
}

function jsPass2(
  mem: KernelMemory, zOut: TensorInfo, gamma: TensorInfo, beta: TensorInfo, M: number, scale: Float32Array, off: Float32Array,
  sOut: TensorInfo, dgOut: TensorInfo, gsOut: TensorInfo, gxOut: TensorInfo,
): void {
  const E = zOut.shape[0];
  const C = zOut.shape[1];
  const F = C >> 1;
  const N = E / M;
  const X = mem.f32(zOut);
  const ga = mem.f32(gamma);
  const be = mem.f32(beta);
  const S = mem.f32(sOut);
  const DG = mem.f32(dgOut);
  const Gs = mem.f32(gsOut);
  const Gx = mem.f32(gxOut);
  S.fill(0);
  Gs.fill(0);
  Gx.fill(0);
  for (let i = 0; i < N; i++) {
    const sb = i * F;
    const gb = i * C;
    for (let m = 0; m < M; m++) {
      const eb = (i * M + m) * C;
      for (let k = 0; k < F; k++) {
        const xf = X[eb + k] * scale[k] + off[k];
        const xc = X[eb + F + k] * scale[F + k] + off[F + k];
        const yf = xf * ga[k] + be[k];
        const yc = xc * ga[F + k] + be[F + k];
        const sig = 1 / (1 + Math.exp(-yf));
        const t = Math.exp(-Math.abs(yc));
        const sp = (yc > 0 ? yc : 0) + Math.log1p(t);
        const sigc = yc >= 0 ? 1 / (1 + t) : t / (1 + t);
        S[sb + k] += sig * sp;
        const P = sp * sig * (1 - sig);
        const Q = sig * sigc;
        DG[eb + k] = P;
        DG[eb + F + k] = Q;
        Gs[gb + k] += P;
        Gs[gb + F + k] += Q;
        Gx[gb + k] += P * xf;
        Gx[gb + F + k] += Q * xc;
      }
    }
  }
}

function edgeBackward(backendName: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend: be, attrs }) => {
    const backend = be as KernelBackend;
    const { dS, z, dg, gs, gx, mean, var: varIn, gamma, bidx, nbr } = inputs as Record<string, TensorInfo>;
    const { M, eps, U } = attrs as unknown as EdgeAttrs & { U: number };
    const E = z.shape[0];
    const C = z.shape[1];
    const F = C >> 1;
    const N = E / M;
    const mem = kernelMemory(backend, backendName);
    const simd = backendName === 'wasm' && F % 4 === 0 ? simdFor(backend) : null;
    const dAOut = mem.alloc([N, 2 * C]);
    const dBOut = mem.alloc([U, C]);
    const dGOut = mem.alloc([C]);
    const dBeOut = mem.alloc([C]);
    // Channel constants: scale | off | a | mdy | mdyx (f32).
    const p = simd ? scratch(backend, 5 * C * 4) : 0;
    try {
      const cv = simd ? heapF32(backend, p, 5 * C) : new Float32Array(5 * C);
      // BN backward reductions in O(N C): sum_e dy = sum_i dS[i] Gs[i], sum_e dy xhat = sum_i dS[i] Gx[i].
      const g = mem.f32(dS);
      const GS = mem.f32(gs);
      const GX = mem.f32(gx);
      const sdy = new Float64Array(C);
      const sdyx = new Float64Array(C);
      for (let i = 0; i < N; i++) {
        const gb = i * F;
        const ib = i * C;
        for (let k = 0; k < F; k++) {
          const gi = g[gb + k];
          sdy[k] += gi * GS[ib + k];
          sdy[F + k] += gi * GS[ib + F + k];
          sdyx[k] += gi * GX[ib + k];
          sdyx[F + k] += gi * GX[ib + F + k];
        }
      }
      const mu = mem.f32(mean);
      const va = mem.f32(varIn);
      const ga = mem.f32(gamma);
      const dG = mem.f32(dGOut);
      const dBe = mem.f32(dBeOut);
      for (let c = 0; c < C; c++) {
        const rstd = 1 / Math.sqrt(va[c] + eps);
        cv[c] = rstd;
        cv[C + c] = -mu[c] * rstd;
        cv[2 * C + c] = ga[c] * rstd;
        cv[3 * C + c] = E > 0 ? sdy[c] / E : 0;
        cv[4 * C + c] = E > 0 ? sdyx[c] / E : 0;
        dG[c] = sdyx[c];
        dBe[c] = sdy[c];
      }
      mem.f32(dAOut).fill(0);
      mem.f32(dBOut).fill(0);
      if (simd && E > 0) {
        simd.bwd(ptr(backend, dS), ptr(backend, z), ptr(backend, dg), ptr(backend, bidx), ptr(backend, nbr), ptr(backend, dAOut), 2 * C,
          ptr(backend, dBOut), N, M, F, U, p, p + 4 * C, p + 8 * C, p + 12 * C, p + 16 * C);
      } else {
        jsBackwardPass(mem, dS, z, dg, bidx, nbr, M, cv, dAOut, dBOut);
      }
    } finally {
      if (simd) (backend as WasmBackendLike).wasm._free(p);
    }
    return [dAOut, dBOut, dGOut, dBeOut];
  };
}

function jsBackwardPass(
  mem: KernelMemory, dS: TensorInfo, z: TensorInfo, dg: TensorInfo, bidx: TensorInfo, nbr: TensorInfo, M: number, cv: Float32Array,
  dAOut: TensorInfo, dBOut: TensorInfo,
): void {
  const E = z.shape[0];
  const C = z.shape[1];
  const F = C >> 1;
  const N = E / M;
  const C2 = 2 * C;
  const g = mem.f32(dS);
  const X = mem.f32(z);
  const DG = mem.f32(dg);
  const nb = mem.i32(nbr);
  const bi = mem.i32(bidx);
  const dA = mem.f32(dAOut);
  const dB = mem.f32(dBOut);
  for (let i = 0; i < N; i++) {
    const ib = i * C2;
    const gb = i * F;
    for (let m = 0; m < M; m++) {
      const e = i * M + m;
      const eb = e * C;
      const jb = nb[e] * C2 + C;
      const ub = bi[e] * C;
      for (let c = 0; c < C; c++) {
        const xh = X[eb + c] * cv[c] + cv[C + c];
        const dy = g[gb + (c < F ? c : c - F)] * DG[eb + c];
        const dz = cv[2 * C + c] * (dy - cv[3 * C + c] - xh * cv[4 * C + c]);
        dA[ib + c] += dz;
        dA[jb + c] += dz;
        dB[ub + c] += dz;
      }
    }
  }
}

function bondGrad(backendName: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend: be }) => {
    const backend = be as KernelBackend;
    const { gauss, span, dB } = inputs as Record<string, TensorInfo>;
    const [U, G] = gauss.shape;
    const C = dB.shape[1];
    if (dB.shape[0] !== U || span.shape[0] !== 2 * U) throw new Error(`${BOND_GRAD}: shape mismatch`);
    const mem = kernelMemory(backend, backendName);
    const out = mem.alloc([G, C]);
    const simd = backendName === 'wasm' && C % 4 === 0 ? simdFor(backend) : null;
    if (simd) {
      simd.bondGrad(ptr(backend, gauss), ptr(backend, span), ptr(backend, dB), ptr(backend, out), U, G, C);
      return out;
    }
    const gv = mem.f32(gauss);
    const sp = mem.i32(span);
    const dv = mem.f32(dB);
    const dW = mem.f32(out);
    dW.fill(0);
    for (let u = 0; u < U; u++) {
      const k0 = sp[2 * u];
      const k1 = k0 + sp[2 * u + 1];
      for (let k = k0; k < k1; k++) {
        const g = gv[u * G + k];
        const wr = k * C;
        const dr = u * C;
        for (let c = 0; c < C; c++) dW[wr + c] += Math.fround(g * dv[dr + c]); // float32 product, float32 sum
      }
    }
    return out;
  };
}

function edgeInfer(backendName: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend: be, attrs }) => {
    const backend = be as KernelBackend;
    const { a, bond, bidx, bias, nbr } = inputs as Record<string, TensorInfo>;
    const { M } = attrs as unknown as { M: number };
    const N = a.shape[0];
    const C = a.shape[1] / 2;
    const F = C >> 1;
    const mem = kernelMemory(backend, backendName);
    const sOut = mem.alloc([N, F]);
    const simd = backendName === 'wasm' && F % 4 === 0 ? simdFor(backend) : null;
    if (simd) {
      const A = ptr(backend, a);
      simd.infer(A, A + C * 4, 2 * C, ptr(backend, bond), ptr(backend, bidx), ptr(backend, nbr), ptr(backend, bias), ptr(backend, sOut), N, M, F);
      return sOut;
    }
    const C2 = 2 * C;
    const av = mem.f32(a);
    const bd = mem.f32(bond);
    const bx = mem.i32(bidx);
    const bi = mem.f32(bias);
    const nb = mem.i32(nbr);
    const S = mem.f32(sOut);
    S.fill(0);
    for (let i = 0; i < N; i++) {
      const ib = i * C2;
      const sb = i * F;
      for (let m = 0; m < M; m++) {
        const e = i * M + m;
        const eb = bx[e] * C;
        const jb = nb[e] * C2 + C;
        for (let k = 0; k < F; k++) {
          const yf = av[ib + k] + av[jb + k] + bd[eb + k] + bi[k];
          const yc = av[ib + F + k] + av[jb + F + k] + bd[eb + F + k] + bi[F + k];
          const sig = 1 / (1 + Math.exp(-yf));
          S[sb + k] += sig * softplus(yc);
        }
      }
    }
    return sOut;
  };
}

const done = new Set<string>();

/** Registers the fused kernels for 'wasm' or 'cpu'. Idempotent. */
export function registerFusedKernels(backendName: 'wasm' | 'cpu'): void {
  if (done.has(backendName)) return;
  done.add(backendName);
  const regs: Array<[string, KernelFunc]> = [
    [EDGE_FORWARD, edgeForward(backendName)],
    [EDGE_BACKWARD, edgeBackward(backendName)],
    [EDGE_INFER, edgeInfer(backendName)],
    [BOND_GRAD, bondGrad(backendName)],
  ];
  for (const [kernelName, kernelFunc] of regs) replaceKernel({ kernelName, backendName, kernelFunc });
}

/** True when the fused edge kernels exist for the active backend. */
export function fusedKernelsAvailable(): boolean {
  return tf.getKernel(EDGE_FORWARD, tf.getBackend()) !== undefined;
}

/** True when the active backend runs the fused kernels as SIMD wasm. */
export function simdKernelsActive(): boolean {
  return tf.getBackend() === 'wasm' && simdFor(tf.backend()) !== null;
}

/** Which implementation runs the convolutions' edge block on the active backend. */
export interface EdgeKernelPath {
  /** 'simd-wasm': fused kernels in hand-written SIMD wasm (the fast path on wasm); 'javascript': fused kernels in
   *  plain JavaScript (cpu, or wasm without the SIMD path, ~7x slower); 'tfjs-ops': the reference path of tfjs ops. */
  kind: 'simd-wasm' | 'javascript' | 'tfjs-ops';
  /** One line for logs and `mtcgcnn info`. */
  description: string;
  /** wasm only: why the SIMD path is not in use. */
  problem?: string;
}

export function activeEdgeKernelPath(): EdgeKernelPath {
  if (!fusedKernelsAvailable()) return { kind: 'tfjs-ops', description: `tfjs ops (reference path) on ${tf.getBackend()}` };
  if (tf.getBackend() !== 'wasm') return { kind: 'javascript', description: `fused kernels in JavaScript on ${tf.getBackend()}` };
  if (simdFor(tf.backend()) !== null) return { kind: 'simd-wasm', description: 'fused SIMD wasm kernels' };
  const problem = simdDisabled ? 'turned off (setSimdKernelsEnabled)' : simdProblem ?? 'unknown';
  return { kind: 'javascript', description: `fused kernels in JavaScript (SIMD path unavailable: ${problem})`, problem };
}
