/**
 * One Adam(W) update of one parameter as a single kernel on the 'wasm' and 'cpu' backends.
 *
 * The update in tfjs ops (train/optimizer.ts) costs 11 element-wise kernels per parameter, each with its dispatch,
 * allocation and disposal: ~400 kernels per training step for the default model, ~4 % of a step on wasm, mostly
 * engine overhead for small tensors. This kernel does the same arithmetic in one pass, in the same order, in float32:
 * as SIMD wasm on the wasm backend (simd-kernels.ts), else in JavaScript with every intermediate rounded to float32
 * (Math.fround: a float32 +, *, / or sqrt evaluated in float64 and rounded once gives the correctly rounded float32
 * result), so its outputs are bit-identical to the op-by-op version:
 *
 *   m' = m b1 + g nb1                      v' = v b2 + (g g) nb2
 *   p' = base - (m' / (sqrt(v') invSqrtBc2 + eps)) stepSize,   base = p decay (AdamW) or p
 *
 * CgcnnAdamStep  inputs {p, m, v, g} (float32, one shape)
 *                attrs {b1, nb1, b2, nb2, invSqrtBc2, eps, stepSize, decay}: the float32 constants of the ops
 *                version (decay 1 = no weight decay: base = p)
 *                outputs [p', m', v']
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { kernelMemory, replaceKernel } from './kernel-util';
import { simdForBackend, wasmPtr } from './fused-kernels';

export const ADAM_STEP = 'CgcnnAdamStep';

/** Attributes of ADAM_STEP; each is used as the float32 value a tf.scalar of it would hold. */
export interface AdamStepAttrs {
  b1: number;
  nb1: number;
  b2: number;
  nb2: number;
  invSqrtBc2: number;
  eps: number;
  stepSize: number;
  /** Multiplier of p before the step (1 - lr wd for AdamW); exactly 1 means none. */
  decay: number;
}

function adamStep(backendName: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { p, m, v, g } = inputs as Record<string, TensorInfo>;
    for (const t of [p, m, v, g]) {
      if (t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, p.shape)) throw new Error(`${ADAM_STEP}: float32 tensors of one shape expected`);
    }
    const f = Math.fround;
    const a = attrs as unknown as AdamStepAttrs;
    const [b1, nb1, b2, nb2, isb, eps, ss, decay] = [a.b1, a.nb1, a.b2, a.nb2, a.invSqrtBc2, a.eps, a.stepSize, a.decay].map(f);
    const mem = kernelMemory(backend as KernelBackend, backendName);
    const outs = [mem.alloc(p.shape), mem.alloc(p.shape), mem.alloc(p.shape)];
    const n = tf.util.sizeFromShape(p.shape);
    const simd = backendName === 'wasm' ? simdForBackend(backend as KernelBackend) : null;
    const n4 = simd ? n & ~3 : 0;
    if (simd && n4 > 0) {
      const at = (t: TensorInfo): number => wasmPtr(backend as KernelBackend, t);
      simd.adam(at(p), at(m), at(v), at(g), at(outs[0]), at(outs[1]), at(outs[2]), n4, b1, nb1, b2, nb2, isb, eps, ss, decay);
    }
    // The rest (all of it without SIMD) in JavaScript. Views after all allocations (wasm: an allocation may grow the
    // heap and detach earlier views).
    const [pv, mv, vv, gv] = [p, m, v, g].map((t) => mem.f32(t));
    const [po, mo, vo] = outs.map((t) => mem.f32(t));
    const withDecay = decay !== 1;
    for (let i = n4; i < n; i++) {
      const gi = gv[i];
      const m1 = f(f(mv[i] * b1) + f(gi * nb1));
      const v1 = f(f(vv[i] * b2) + f(f(gi * gi) * nb2));
      const denom = f(f(f(Math.sqrt(v1)) * isb) + eps);
      const base = withDecay ? f(pv[i] * decay) : pv[i];
      mo[i] = m1;
      vo[i] = v1;
      po[i] = base - f(f(m1 / denom) * ss);
    }
    return outs;
  };
}

const done = new Set<string>();
let disabled = false;

/** Turns the kernel off, so that the optimizer uses its tfjs ops (tests compare both). */
export function setAdamKernelEnabled(on: boolean): void {
  disabled = !on;
}

/** Registers ADAM_STEP for `backendName` ('wasm' or 'cpu'). Idempotent. */
export function registerAdamKernel(backendName: 'wasm' | 'cpu'): void {
  if (done.has(backendName)) return;
  done.add(backendName);
  replaceKernel({ kernelName: ADAM_STEP, backendName, kernelFunc: adamStep(backendName) });
}

/** True when ADAM_STEP exists for the active backend (elsewhere, e.g. tfjs-node, the optimizer uses tfjs ops). */
export function adamKernelAvailable(): boolean {
  return !disabled && tf.getKernel(ADAM_STEP, tf.getBackend()) !== undefined;
}
