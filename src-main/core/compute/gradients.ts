/**
 * Gradient registrations for the kernels this project differentiates through.
 *
 * The Node build of @tensorflow/tfjs-core registers no gradients, and its ESM `register_all_gradients`
 * entry cannot be required from plain Node (extension-less ESM imports), so a vite-bundled CJS main
 * process could not load it. Instead we register our own gradient functions for exactly the kernels the
 * model and losses use, and only where none is registered yet (tfjs-node brings @tensorflow/tfjs, which
 * registers the full set; then ours are skipped).
 *
 * MatMul gradients are written with explicit transposes and the plain (non-transposed) matmul form,
 * which is the fast XNNPACK path on wasm (see the toolchain guide).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

type Grads = Record<string, () => Tensor>;

/** Sum `dy` over broadcast axes so that it has `shape`. */
function unbroadcast(dy: Tensor, shape: number[]): Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  let r = dy;
  if (axes.length > 0) r = tf.sum(r, axes);
  return tf.reshape(r, shape);
}

/** Swap the last two axes (explicit transpose, so the following matmul is the plain form). */
function swapLast(x: Tensor): Tensor {
  const r = x.rank;
  const perm = [...Array(r).keys()];
  perm[r - 1] = r - 2;
  perm[r - 2] = r - 1;
  return tf.transpose(x, perm);
}

function mm(a: Tensor, b: Tensor): Tensor {
  return tf.matMul(a, b, false, false);
}

const configs: GradConfig[] = [
  {
    kernelName: 'Add',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => {
      const g = dy as Tensor;
      const [a, b] = saved;
      return { a: () => unbroadcast(g, a.shape), b: () => unbroadcast(g, b.shape) };
    },
  },
  {
    kernelName: 'AddN',
    saveAllInputs: true,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => {
      const out: Grads = {};
      saved.forEach((_, i) => {
        out[i] = () => tf.clone(dy as Tensor);
      });
      return out;
    },
  },
  {
    kernelName: 'Sub',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => {
      const g = dy as Tensor;
      const [a, b] = saved;
      return { a: () => unbroadcast(g, a.shape), b: () => tf.neg(unbroadcast(g, b.shape)) };
    },
  },
  {
    kernelName: 'Multiply',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => {
      const g = dy as Tensor;
      const [a, b] = saved;
      return {
        a: () => unbroadcast(tf.mul(g, b), a.shape),
        b: () => unbroadcast(tf.mul(g, a), b.shape),
      };
    },
  },
  {
    kernelName: 'RealDiv',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => {
      const g = dy as Tensor;
      const [a, b] = saved;
      return {
        a: () => unbroadcast(tf.div(g, b), a.shape),
        b: () => unbroadcast(tf.neg(tf.div(tf.mul(g, a), tf.square(b))), b.shape),
      };
    },
  },
  {
    kernelName: 'Neg',
    gradFunc: (dy: Tensor | Tensor[]): Grads => ({ x: () => tf.neg(dy as Tensor) }),
  },
  {
    kernelName: 'Identity',
    gradFunc: (dy: Tensor | Tensor[]): Grads => ({ x: () => tf.clone(dy as Tensor) }),
  },
  {
    kernelName: 'Cast',
    gradFunc: (dy: Tensor | Tensor[]): Grads => ({ x: () => tf.clone(dy as Tensor) }),
  },
  {
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => ({
      x: () => tf.reshape(dy as Tensor, saved[0].shape),
    }),
  },
  {
    kernelName: 'ExpandDims',
    inputsToSave: ['input'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => ({
      input: () => tf.reshape(dy as Tensor, saved[0].shape),
    }),
  },
  {
    kernelName: 'Transpose',
    gradFunc: (dy: Tensor | Tensor[], _saved: Tensor[], attrs: NamedAttrMap): Grads => {
      const perm = attrs.perm as number[];
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => {
        inv[p] = i;
      });
      return { x: () => tf.transpose(dy as Tensor, inv) };
    },
  },
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): Grads => {
      const g = dy as Tensor;
      const [a, b] = saved;
      const tA = attrs.transposeA === true;
      const tB = attrs.transposeB === true;
      if (a.rank !== b.rank || a.rank < 2) throw new Error('BatchMatMul gradient: equal ranks >= 2 only');
      // C = op(A) op(B);  dOpA = dC B'^T, dOpB = A'^T dC (A', B' = op(A), op(B)).
      if (!tA && !tB) return { a: () => mm(g, swapLast(b)), b: () => mm(swapLast(a), g) };
      if (!tA && tB) return { a: () => mm(g, b), b: () => mm(swapLast(g), a) };
      if (tA && !tB) return { a: () => mm(b, swapLast(g)), b: () => mm(a, g) };
      return { a: () => swapLast(mm(g, b)), b: () => swapLast(mm(a, g)) };
    },
  },
  {
    kernelName: 'GatherV2',
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): Grads => {
      const [x, indices] = saved;
      const axis = (attrs.axis as number) < 0 ? (attrs.axis as number) + x.rank : (attrs.axis as number);
      if (axis !== 0 || (attrs.batchDims as number) !== 0) {
        throw new Error('GatherV2 gradient: only axis 0 without batch dims is supported');
      }
      return {
        x: () => {
          const g = tf.reshape(dy as Tensor, [indices.size, ...x.shape.slice(1)]);
          return tf.unsortedSegmentSum(g, tf.reshape(indices, [indices.size]) as tf.Tensor1D, x.shape[0]);
        },
        indices: () => tf.zerosLike(indices),
      };
    },
  },
  {
    kernelName: 'UnsortedSegmentSum',
    inputsToSave: ['segmentIds'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => {
      const [ids] = saved;
      return { x: () => tf.gather(dy as Tensor, ids, 0), segmentIds: () => tf.zerosLike(ids) };
    },
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): Grads => {
      const [x] = saved;
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      return { x: () => tf.broadcastTo(tf.reshape(dy as Tensor, keptShape), x.shape) };
    },
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): Grads => {
      const [x] = saved;
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const count = axes.reduce((p, a) => p * x.shape[a], 1);
      return {
        x: () => tf.broadcastTo(tf.div(tf.reshape(dy as Tensor, keptShape), tf.scalar(count)), x.shape),
      };
    },
  },
  {
    kernelName: 'Tile',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): Grads => {
      const [x] = saved;
      const reps = attrs.reps as number[];
      // Reshape dy [r0*d0, r1*d1, ...] to [r0, d0, r1, d1, ...] and sum the r axes.
      const shape: number[] = [];
      const axes: number[] = [];
      x.shape.forEach((d, i) => {
        shape.push(reps[i], d);
        axes.push(2 * i);
      });
      return { x: () => tf.reshape(tf.sum(tf.reshape(dy as Tensor, shape), axes), x.shape) };
    },
  },
  {
    kernelName: 'Sigmoid',
    outputsToSave: [true],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => {
      const [y] = saved;
      return { x: () => tf.mul(dy as Tensor, tf.mul(y, tf.sub(tf.scalar(1), y))) };
    },
  },
  {
    kernelName: 'Softplus',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => ({
      x: () => tf.mul(dy as Tensor, tf.sigmoid(saved[0])),
    }),
  },
  {
    kernelName: 'Exp',
    outputsToSave: [true],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => ({ x: () => tf.mul(dy as Tensor, saved[0]) }),
  },
  {
    kernelName: 'Log',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => ({ x: () => tf.div(dy as Tensor, saved[0]) }),
  },
  {
    kernelName: 'Square',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => ({
      x: () => tf.mul(dy as Tensor, tf.mul(saved[0], tf.scalar(2))),
    }),
  },
  {
    kernelName: 'SquaredDifference',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => {
      const [a, b] = saved;
      const d = () => tf.mul(dy as Tensor, tf.mul(tf.sub(a, b), tf.scalar(2)));
      return { a: () => unbroadcast(d(), a.shape), b: () => unbroadcast(tf.neg(d()), b.shape) };
    },
  },
  {
    kernelName: 'Sqrt',
    outputsToSave: [true],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => ({
      x: () => tf.div(dy as Tensor, tf.mul(saved[0], tf.scalar(2))),
    }),
  },
  {
    kernelName: 'Rsqrt',
    outputsToSave: [true],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => {
      const [y] = saved;
      return { x: () => tf.mul(dy as Tensor, tf.mul(tf.mul(y, tf.mul(y, y)), tf.scalar(-0.5))) };
    },
  },
  {
    kernelName: 'Abs',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => ({
      x: () => tf.mul(dy as Tensor, tf.sign(saved[0])),
    }),
  },
  {
    // Huber loss and the logistic loss (train/loss.ts).
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => ({
      x: () => tf.mul(dy as Tensor, tf.cast(tf.greater(saved[0], 0), 'float32')),
    }),
  },
  {
    kernelName: 'Log1p',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]): Grads => ({
      x: () => tf.div(dy as Tensor, tf.add(saved[0], tf.scalar(1))),
    }),
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): Grads => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
      const sizes = saved.map((t) => t.shape[axis]);
      const parts = tf.split(dy as Tensor, sizes, axis);
      const out: Grads = {};
      parts.forEach((p, i) => {
        out[i] = () => p;
      });
      return out;
    },
  },
  {
    kernelName: 'Pack',
    saveAllInputs: true,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): Grads => {
      const parts = tf.unstack(dy as Tensor, attrs.axis as number);
      const out: Grads = {};
      saved.forEach((_, i) => {
        out[i] = () => parts[i];
      });
      return out;
    },
  },
  {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): Grads => {
      const [x] = saved;
      const g = dy as Tensor;
      const begin = attrs.begin as number[];
      const pads: Array<[number, number]> = x.shape.map((d, i) => [begin[i], d - begin[i] - g.shape[i]]);
      return { x: () => tf.pad(g, pads) };
    },
  },
  {
    kernelName: 'SplitV',
    gradFunc: (dy: Tensor | Tensor[], _saved: Tensor[], attrs: NamedAttrMap): Grads => ({
      x: () => tf.concat(dy as Tensor[], attrs.axis as number),
    }),
  },
];

let done = false;
const registeredHere: string[] = [];

/** Registers the gradients above for every kernel that has none yet. Idempotent. */
export function registerGradientsIfMissing(): void {
  if (done) return;
  done = true;
  for (const c of configs) {
    if (!tf.getGradient(c.kernelName)) {
      tf.registerGradient(c);
      registeredHere.push(c.kernelName);
    }
  }
}

/**
 * Kernels whose gradient in this process is this module's (all of GRADIENT_KERNELS on wasm and cpu; none when
 * a native backend's @tensorflow/tfjs registered tfjs's own set first).
 */
export function projectGradientsInUse(): readonly string[] {
  return registeredHere.slice();
}

/** Kernel names this module can differentiate (for tests/diagnostics). */
export const GRADIENT_KERNELS: readonly string[] = configs.map((c) => c.kernelName);
