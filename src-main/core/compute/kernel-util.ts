/**
 * Direct typed-array access to tensor storage for JS-written kernels on the 'wasm' and 'cpu' backends.
 *
 * wasm: tensors live in the module's heap; views must be taken AFTER every allocation of the kernel
 * (malloc can grow the heap and detach earlier views), and fresh allocations are NOT zeroed.
 * cpu:  tensors are plain typed arrays in backend.data.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DataType, KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

export type TypedArray = Float32Array | Int32Array | Uint8Array;

interface WasmLikeBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): TypedArray;
}

interface CpuLikeBackend extends KernelBackend {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: unknown): TensorInfo;
}

/** Uniform access to tensor memory for JS kernels; obtain one per kernel invocation. */
export interface KernelMemory {
  readonly backendName: 'wasm' | 'cpu';
  /** Allocates an output (contents undefined unless `zero`). */
  alloc(shape: number[], dtype?: DataType, zero?: boolean): TensorInfo;
  /** A live view (wasm: valid until the next allocation). */
  f32(t: TensorInfo): Float32Array;
  i32(t: TensorInfo): Int32Array;
  /** f32 or i32 by the tensor's dtype (for kernels that accept both). */
  view(t: TensorInfo): Float32Array | Int32Array;
  /** Frees an intermediate TensorInfo created by this kernel. */
  free(t: TensorInfo): void;
}

export function kernelMemory(backend: KernelBackend, backendName: 'wasm' | 'cpu'): KernelMemory {
  if (backendName === 'wasm') {
    const be = backend as WasmLikeBackend;
    return {
      backendName,
      alloc(shape, dtype = 'float32', zero = false) {
        const out = be.makeOutput(shape, dtype);
        if (zero) (be.typedArrayFromHeap(out) as Float32Array).fill(0);
        return out;
      },
      f32: (t) => be.typedArrayFromHeap(t) as Float32Array,
      i32: (t) => be.typedArrayFromHeap(t) as Int32Array,
      view: (t) => be.typedArrayFromHeap(t) as Float32Array | Int32Array,
      free: (t) => {
        be.disposeData(t.dataId);
      },
    };
  }
  const be = backend as CpuLikeBackend;
  return {
    backendName,
    alloc(shape, dtype = 'float32') {
      const size = tf.util.sizeFromShape(shape);
      const values = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
      return be.makeTensorInfo(shape, dtype, values);
    },
    f32: (t) => be.data.get(t.dataId).values as Float32Array,
    i32: (t) => be.data.get(t.dataId).values as Int32Array,
    view: (t) => be.data.get(t.dataId).values as Float32Array | Int32Array,
    free: (t) => {
      be.disposeData(t.dataId);
    },
  };
}

/** Registers `config`, replacing a kernel of the same name and backend (tfjs refuses to register twice). */
export function replaceKernel(config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** softplus(y) = log(1 + e^y), without overflow for large |y| (the JS fallback of the SIMD kernels). */
export function softplus(y: number): number {
  return y > 0 ? y + Math.log1p(Math.exp(-y)) : Math.log1p(Math.exp(y));
}
