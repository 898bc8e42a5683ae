/**
 * Adam (Kingma & Ba) with optional decoupled weight decay (AdamW, Loshchilov & Hutter), on named
 * tf.Variables. State (moments, step) is serialisable for exact checkpoint/resume.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { TensorRecord } from '../model/params';
import { ADAM_STEP, type AdamStepAttrs, adamKernelAvailable } from '../compute/adam-kernel';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW): p -= lr * wd * p. Default 0. */
  weightDecay?: number;
}

export interface AdamState {
  step: number;
  m: TensorRecord[];
  v: TensorRecord[];
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  step = 0;
  private readonly m = new Map<string, Variable>();
  private readonly v = new Map<string, Variable>();

  constructor(opts: AdamOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  private slot(map: Map<string, Variable>, name: string, like: Tensor): Variable {
    let s = map.get(name);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
      map.set(name, s);
    }
    return s;
  }

  /**
   * One update. `grads` maps names to gradients (missing/null = no update for that parameter, moments kept);
   * `params` maps names to variables; `noDecay(name)` exempts parameters from weight decay; `lrFactor(name)`
   * scales the learning rate of a parameter (e.g. a smaller one for a transferred trunk; default 1). Gradients
   * are NOT disposed here.
   */
  apply(
    params: Map<string, Variable>, grads: Record<string, Tensor | null | undefined>, lr: number,
    noDecay: (name: string) => boolean = () => false,
    lrFactor: (name: string) => number = () => 1,
  ): void {
    this.step++;
    const t = this.step;
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2 = 1 - Math.pow(this.beta2, t);
    const stepSize = lr / bc1;
    if (adamKernelAvailable()) {
      this.applyFused(params, grads, lr, stepSize, 1 / Math.sqrt(bc2), noDecay, lrFactor);
      return;
    }
    tf.tidy(() => {
      const b1 = tf.scalar(this.beta1);
      const nb1 = tf.scalar(1 - this.beta1);
      const b2 = tf.scalar(this.beta2);
      const nb2 = tf.scalar(1 - this.beta2);
      const invSqrtBc2 = tf.scalar(1 / Math.sqrt(bc2));
      const eps = tf.scalar(this.epsilon);
      const ss = tf.scalar(stepSize);
      const decay = this.weightDecay > 0 ? tf.scalar(1 - lr * this.weightDecay) : undefined;
      this.eachUpdate(params, grads, lrFactor, (name, p, g, m, v, f) => {
        const m1 = tf.add(tf.mul(m, b1), tf.mul(g, nb1));
        const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), nb2));
        m.assign(m1);
        v.assign(v1);
        const denom = tf.add(tf.mul(tf.sqrt(v1), invSqrtBc2), eps);
        let base: Tensor = p;
        if (this.weightDecay > 0 && !noDecay(name)) base = tf.mul(p, f === 1 ? decay! : tf.scalar(1 - lr * f * this.weightDecay));
        p.assign(tf.sub(base, tf.mul(tf.div(m1, denom), f === 1 ? ss : tf.scalar(stepSize * f))));
      });
    });
  }

  /** Calls `update` for every parameter with a gradient, with its moment slots and learning-rate factor. */
  private eachUpdate(
    params: Map<string, Variable>, grads: Record<string, Tensor | null | undefined>, lrFactor: (name: string) => number,
    update: (name: string, p: Variable, g: Tensor, m: Variable, v: Variable, f: number) => void,
  ): void {
    for (const [name, p] of params) {
      const g = grads[name];
      if (!g) continue;
      update(name, p, g, this.slot(this.m, name, p), this.slot(this.v, name, p), lrFactor(name));
    }
  }

  /** The same update as apply's tfjs ops (bit for bit), one ADAM_STEP kernel per parameter (compute/adam-kernel.ts). */
  private applyFused(
    params: Map<string, Variable>, grads: Record<string, Tensor | null | undefined>, lr: number, stepSize: number,
    invSqrtBc2: number, noDecay: (name: string) => boolean, lrFactor: (name: string) => number,
  ): void {
    tf.tidy(() => {
      this.eachUpdate(params, grads, lrFactor, (name, p, g, m, v, f) => {
        const attrs: AdamStepAttrs = {
          b1: this.beta1, nb1: 1 - this.beta1, b2: this.beta2, nb2: 1 - this.beta2, invSqrtBc2, eps: this.epsilon,
          stepSize: stepSize * f,
          decay: this.weightDecay > 0 && !noDecay(name) ? 1 - lr * f * this.weightDecay : 1,
        };
        const [p1, m1, v1] = tf.engine().runKernel(ADAM_STEP, { p, m, v, g }, attrs as never) as Tensor[];
        m.assign(m1);
        v.assign(v1);
        p.assign(p1);
      });
    });
  }

  getState(): AdamState {
    const rec = (map: Map<string, Variable>): TensorRecord[] =>
      [...map.entries()].map(([name, t]) => ({ name, shape: t.shape.slice(), data: t.dataSync().slice() as Float32Array }));
    return { step: this.step, m: rec(this.m), v: rec(this.v) };
  }

  setState(state: AdamState): void {
    this.dispose();
    this.step = state.step;
    for (const r of state.m) this.m.set(r.name, tf.variable(tf.tensor(r.data, r.shape), false));
    for (const r of state.v) this.v.set(r.name, tf.variable(tf.tensor(r.data, r.shape), false));
  }

  dispose(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
