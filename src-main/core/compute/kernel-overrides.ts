/**
 * Kernel fixes for the tfjs 'wasm' and 'cpu' backends (see docs/training.md and the toolchain guide):
 *
 *  - UnsortedSegmentSum: wasm has none (and the gradient of gather needs it); cpu's is O(segments x size).
 *    Ours is one O(size) pass writing into a zeroed output.
 *  - BatchMatMul on wasm with transposeA/transposeB bypasses XNNPACK (~16x slower). We transpose explicitly
 *    with the wasm Transpose kernel and then call the plain form.
 *  - Identity shares data by reference count (the engine clones every tensor saved for backprop).
 *  - GatherV2 (axis 0) and Tile as row/block copies, Softplus with the SIMD kernel: tfjs wasm's generic
 *    versions cost 20-100 ns per element.
 *  - Sum and Mean over the rows of a matrix (batch norm statistics and gradients, bias gradients) with the SIMD
 *    column sum, without wasm's transpose to [C, R] first; rows are added in wasm's order (row 0 first, float32
 *    sums, then / R for the mean), so the results are bit-identical.
 *
 * registerKernelFixes(backendName) is idempotent and is called by backend.ts after the backend is set.
 *
 * Dimension letters (N, M, E, F, C, G, U, B, T, ...): docs/glossary.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { kernelMemory, replaceKernel, softplus } from './kernel-util';
import { registerFusedKernels, simdForBackend, wasmPtr } from './fused-kernels';
import { registerGroupedKernels } from './grouped-kernels';
import { registerAdamKernel } from './adam-kernel';

const registered = new Set<string>();

/**
 * Replaces the wasm kernel `name` (when the backend has one) with `make(original)`; the original's setup and
 * dispose functions are kept, and the new function falls back to the original for the cases it does not cover.
 */
function wrapWasmKernel(name: string, make: (original: KernelFunc) => KernelFunc): void {
  const orig = tf.getKernel(name, 'wasm');
  if (!orig) return;
  replaceKernel({ ...orig, kernelFunc: make(orig.kernelFunc) });
}

function segmentSumKernel(backendName: 'wasm' | 'cpu', fallback?: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const ids = inputs.segmentIds as TensorInfo;
    const numSegments = (attrs as NamedAttrMap).numSegments as number;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || ids.dtype !== 'int32') {
      if (fallback) return fallback(args);
      throw new Error(`UnsortedSegmentSum: unsupported dtypes ${x.dtype}/${ids.dtype}`);
    }
    const idCount = tf.util.sizeFromShape(ids.shape);
    const xSize = tf.util.sizeFromShape(x.shape);
    // Segment ids may cover the first k axes of x; the rest is the inner block.
    const inner = idCount === 0 ? 0 : xSize / idCount;
    if (!Number.isInteger(inner)) throw new Error('UnsortedSegmentSum: segmentIds shape does not prefix x');
    const innerShape = x.shape.slice(ids.shape.length);
    const mem = kernelMemory(backend as tf.KernelBackend, backendName);
    const out = mem.alloc([numSegments, ...innerShape], x.dtype);
    const o = mem.view(out);
    const xv = mem.view(x);
    const iv = mem.i32(ids);
    o.fill(0);
    for (let r = 0; r < idCount; r++) {
      const s = iv[r];
      if (s < 0 || s >= numSegments) continue; // TF semantics: out-of-range ids are dropped
      const ob = s * inner;
      const xb = r * inner;
      for (let k = 0; k < inner; k++) o[ob + k] += xv[xb + k];
    }
    return out;
  };
}

function wasmMatMulFix(): void {
  const transposeK = tf.getKernel('Transpose', 'wasm');
  if (!transposeK) return;
  const swap = (t: TensorInfo, backend: tf.KernelBackend): TensorInfo => {
    const r = t.shape.length;
    const perm = [...Array(r).keys()];
    perm[r - 1] = r - 2;
    perm[r - 2] = r - 1;
    return transposeK.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as TensorInfo;
  };
  wrapWasmKernel('BatchMatMul', (origFunc) => (args) => {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return origFunc(args);
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const be = backend as tf.KernelBackend;
    const a2 = transposeA ? swap(a, be) : a;
    const b2 = transposeB ? swap(b, be) : b;
    const out = origFunc({
      inputs: { a: a2, b: b2 },
      backend,
      attrs: { ...(attrs as object), transposeA: false, transposeB: false },
    });
    if (a2 !== a) be.disposeData(a2.dataId);
    if (b2 !== b) be.disposeData(b2.dataId);
    return out;
  });
}

/** GatherV2 on axis 0 without batch dims as row copies (wasm's generic gather costs ~90 ns per element). */
function wasmGatherFix(): void {
  wrapWasmKernel('GatherV2', (origFunc) => (args) => {
    const { x, indices } = args.inputs as Record<string, TensorInfo>;
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
    const ax = axis < 0 ? axis + x.shape.length : axis;
    if (ax !== 0 || batchDims !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') {
      return origFunc(args);
    }
    const mem = kernelMemory(args.backend as tf.KernelBackend, 'wasm');
    const n = tf.util.sizeFromShape(indices.shape);
    const rows = x.shape[0];
    const row = rows === 0 ? 0 : tf.util.sizeFromShape(x.shape) / rows;
    const out = mem.alloc([...indices.shape, ...x.shape.slice(1)], x.dtype);
    const xv = mem.view(x);
    const ov = mem.view(out);
    const iv = mem.i32(indices);
    for (let k = 0; k < n; k++) {
      const r = iv[k];
      if (r < 0 || r >= rows) throw new Error(`GatherV2: index ${r} out of range [0, ${rows})`);
      if (row === 1) ov[k] = xv[r];
      else ov.set(xv.subarray(r * row, r * row + row), k * row);
    }
    return out;
  });
}

/** Tile as block copies (wasm's generic tile costs ~100 ns per element). */
function tileKernel(backendName: 'wasm' | 'cpu', fallback?: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const reps = (attrs as unknown as { reps: number[] }).reps;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') {
      if (fallback) return fallback(args);
      throw new Error(`Tile: unsupported dtype ${x.dtype}`);
    }
    const mem = kernelMemory(backend as tf.KernelBackend, backendName);
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = mem.alloc(outShape, x.dtype);
    const xv = mem.view(x);
    const ov = mem.view(out);
    const rank = x.shape.length;
    if (rank === 0 || ov.length === 0) {
      if (ov.length) ov[0] = xv[0];
      return out;
    }
    // inner[d] = size of one block of dimension d in the output (product of out dims after d).
    const inner = new Array<number>(rank + 1).fill(1);
    for (let d = rank - 1; d >= 0; d--) inner[d] = inner[d + 1] * outShape[d];
    const xStride = new Array<number>(rank + 1).fill(1);
    for (let d = rank - 1; d >= 0; d--) xStride[d] = xStride[d + 1] * x.shape[d];
    // Fill the first copy (untiled positions) recursively, then replicate along each dim from the innermost.
    const fill = (d: number, xo: number, oo: number): void => {
      if (d === rank - 1) {
        ov.set(xv.subarray(xo, xo + x.shape[d]), oo);
        return;
      }
      for (let i = 0; i < x.shape[d]; i++) fill(d + 1, xo + i * xStride[d + 1], oo + i * inner[d + 1]);
    };
    const replicate = (d: number, oo: number): void => {
      // within the block at oo for dims >= d: first fill lower dims, then copy the x.shape[d] part reps[d]-1 times
      if (d === rank) return;
      for (let i = 0; i < x.shape[d]; i++) replicate(d + 1, oo + i * inner[d + 1]);
      const part = x.shape[d] * inner[d + 1];
      for (let r = 1; r < reps[d]; r++) ov.copyWithin(oo + r * part, oo, oo + part);
    };
    fill(0, 0, 0);
    replicate(0, 0);
    return out;
  };
}

/** Sum or Mean of a float32 [R, C] matrix over axis 0 (C % 4 == 0) with the SIMD column sum; else wasm's kernel. */
function wasmRowReductionFix(name: 'Sum' | 'Mean'): void {
  wrapWasmKernel(name, (origFunc) => (args) => {
    const x = (args.inputs as Record<string, TensorInfo>).x;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const backend = args.backend as tf.KernelBackend;
    if (x.shape.length !== 2 || x.dtype !== 'float32' || x.shape[0] === 0 || x.shape[1] % 4 !== 0) return origFunc(args);
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const simd = axes.length === 1 && axes[0] === 0 ? simdForBackend(backend) : null;
    if (!simd) return origFunc(args);
    const [R, C] = x.shape;
    const mem = kernelMemory(backend, 'wasm');
    const out = mem.alloc(keepDims ? [1, C] : [C], 'float32');
    simd.colSum(wasmPtr(backend, x), wasmPtr(backend, out), R, C);
    if (name === 'Mean') {
      const ov = mem.f32(out);
      for (let c = 0; c < C; c++) ov[c] /= R; // float32 division (one rounding of the exact quotient)
    }
    return out;
  });
}

/** Softplus with the SIMD kernel (tfjs wasm's costs ~23 ns per element). */
function wasmSoftplusFix(): void {
  wrapWasmKernel('Softplus', (origFunc) => (args) => {
    const x = (args.inputs as Record<string, TensorInfo>).x;
    const backend = args.backend as tf.KernelBackend;
    const simd = x.dtype === 'float32' ? simdForBackend(backend) : null;
    if (!simd) return origFunc(args);
    const mem = kernelMemory(backend, 'wasm');
    const out = mem.alloc(x.shape, 'float32');
    const n = tf.util.sizeFromShape(x.shape);
    const n4 = n & ~3;
    const px = wasmPtr(backend, x);
    const po = wasmPtr(backend, out);
    if (n4 > 0) simd.softplus(px, po, n4);
    if (n4 < n) {
      const xv = mem.f32(x);
      const ov = mem.f32(out);
      for (let i = n4; i < n; i++) ov[i] = softplus(xv[i]);
    }
    return out;
  });
}

/**
 * Identity (tf.clone, and the engine's copies of every tensor saved for backprop) shares the data with a
 * reference count, as the cpu backend does, instead of copying it (tensors are immutable; no kernel writes
 * into its inputs). Saves a full copy of every saved activation in a training step.
 */
function wasmIdentityFix(): void {
  wrapWasmKernel('Identity', (origFunc) => (args) => {
    const x = (args.inputs as Record<string, TensorInfo>).x;
    if (x.dtype === 'string') return origFunc(args);
    (args.backend as tf.KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  });
}

/** Registers the fixes for `backendName` ('wasm' or 'cpu'; other names are ignored). Idempotent. */
export function registerKernelFixes(backendName: string): void {
  if (backendName !== 'wasm' && backendName !== 'cpu') return;
  if (registered.has(backendName)) return;
  registered.add(backendName);
  const orig = (name: string): KernelFunc | undefined => tf.getKernel(name, backendName)?.kernelFunc;
  replaceKernel({ kernelName: 'UnsortedSegmentSum', backendName, kernelFunc: segmentSumKernel(backendName, orig('UnsortedSegmentSum')) });
  replaceKernel({ kernelName: 'Tile', backendName, kernelFunc: tileKernel(backendName, orig('Tile')) });
  if (backendName === 'wasm') {
    wasmRowReductionFix('Sum');
    wasmRowReductionFix('Mean');
    wasmMatMulFix();
    wasmGatherFix();
    wasmSoftplusFix();
    wasmIdentityFix();
  }
  registerFusedKernels(backendName);
  registerGroupedKernels(backendName);
  registerAdamKernel(backendName);
}
