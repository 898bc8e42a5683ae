/**
 * Model parameters as plain tf.Variables in a named map (serialisable), plus non-trainable state
 * (batch-norm running statistics).
 *
 * Naming (hard sharing; soft sharing prefixes everything with `tower{t}.` and names each tower's head `head`):
 *   embed.w [D, F]  embed.b [F]
 *   conv{l}.w_self [F, 2F]  conv{l}.w_nbr [F, 2F]  conv{l}.w_bond [G, 2F]
 *   conv{l}.bn1.gamma/beta [2F]   state: conv{l}.bn1.mean/var [2F]
 *   conv{l}.bn2.gamma/beta [F]    state: conv{l}.bn2.mean/var [F]
 *   shared{s}.w/b                 (optional shared hidden layers after pooling)
 *   head{t}.fc{h}.w/b             head{t}.out.w [H, 1]  head{t}.out.b [1]
 *
 * The reference's Linear(2F+G -> 2F) in each convolution is split row-wise into w_self, w_nbr and w_bond
 * (factored form); its bias is dropped because the batch norm right after it removes any constant per
 * channel (training mode subtracts the batch mean; the running mean absorbs it at inference), so the bias
 * has no effect on the output and zero gradient in the reference as well.
 *
 * Initialisation follows PyTorch's nn.Linear default: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in));
 * batch norm gamma = 1, beta = 0, running mean 0, running var 1. Seeded (createRng) for reproducibility.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';
import { createRng } from '../seeded-random';
import { type ModelConfig, towerCount } from './config';

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** 'uniform' fan-in init, or a constant. */
  readonly init: { kind: 'uniform'; fanIn: number } | { kind: 'const'; value: number };
  readonly trainable: boolean;
}

/** A plain, transferable record of one tensor. */
export interface TensorRecord {
  name: string;
  shape: number[];
  data: Float32Array;
}

export function towerPrefix(config: ModelConfig, tower: number): string {
  return config.sharing === 'soft' ? `tower${tower}.` : '';
}

export function headName(config: ModelConfig, task: number): string {
  return config.sharing === 'soft' ? 'head' : `head${task}`;
}

/** All parameter specs of a model, in a stable order. */
export function paramSpecs(config: ModelConfig): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const F = config.convDim;
  const C = 2 * F;
  const G = config.bondFeatureDim;
  const H = config.hiddenDim;
  const lin = (name: string, fin: number, fout: number): void => {
    specs.push({ name: `${name}.w`, shape: [fin, fout], init: { kind: 'uniform', fanIn: fin }, trainable: true });
    specs.push({ name: `${name}.b`, shape: [fout], init: { kind: 'uniform', fanIn: fin }, trainable: true });
  };
  const bn = (name: string, n: number): void => {
    specs.push({ name: `${name}.gamma`, shape: [n], init: { kind: 'const', value: 1 }, trainable: true });
    specs.push({ name: `${name}.beta`, shape: [n], init: { kind: 'const', value: 0 }, trainable: true });
    specs.push({ name: `${name}.mean`, shape: [n], init: { kind: 'const', value: 0 }, trainable: false });
    specs.push({ name: `${name}.var`, shape: [n], init: { kind: 'const', value: 1 }, trainable: false });
  };
  const towers = towerCount(config);
  for (let t = 0; t < towers; t++) {
    const p = towerPrefix(config, t);
    lin(`${p}embed`, config.atomFeatureDim, F);
    for (let l = 0; l < config.numConv; l++) {
      const fanIn = 2 * F + G;
      for (const part of ['self', 'nbr'] as const) {
        specs.push({ name: `${p}conv${l}.w_${part}`, shape: [F, C], init: { kind: 'uniform', fanIn }, trainable: true });
      }
      specs.push({ name: `${p}conv${l}.w_bond`, shape: [G, C], init: { kind: 'uniform', fanIn }, trainable: true });
      bn(`${p}conv${l}.bn1`, C);
      bn(`${p}conv${l}.bn2`, F);
    }
    let width = F;
    for (let s = 0; s < config.sharedHidden; s++) {
      lin(`${p}shared${s}`, width, H);
      width = H;
    }
    const tasks = config.sharing === 'soft' ? [t] : config.tasks.map((_, i) => i);
    for (const task of tasks) {
      const h = `${p}${headName(config, task)}`;
      let w = width;
      for (let k = 0; k < config.headHidden; k++) {
        lin(`${h}.fc${k}`, w, H);
        w = H;
      }
      lin(`${h}.out`, w, 1);
    }
  }
  return specs;
}

/** Named tf.Variables (trainable) and state variables (running stats). */
export class ParamStore {
  readonly trainable = new Map<string, Variable>();
  readonly state = new Map<string, Variable>();

  constructor(readonly config: ModelConfig) {}

  /** Creates all variables with seeded initial values. */
  static init(config: ModelConfig, seed: number): ParamStore {
    const store = new ParamStore(config);
    const rng = createRng(seed);
    for (const spec of paramSpecs(config)) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      if (spec.init.kind === 'const') data.fill(spec.init.value);
      else {
        const bound = 1 / Math.sqrt(spec.init.fanIn);
        for (let i = 0; i < size; i++) data[i] = (2 * rng() - 1) * bound;
      }
      store.add(spec, data);
    }
    return store;
  }

  /** Creates a store from records (all specs must be present with matching shapes). */
  static fromRecords(config: ModelConfig, records: readonly TensorRecord[]): ParamStore {
    const byName = new Map(records.map((r) => [r.name, r]));
    const store = new ParamStore(config);
    for (const spec of paramSpecs(config)) {
      const r = byName.get(spec.name);
      if (!r) throw new Error(`weights: missing tensor ${spec.name}`);
      if (r.shape.length !== spec.shape.length || r.shape.some((d, i) => d !== spec.shape[i])) {
        throw new Error(`weights: ${spec.name} has shape [${r.shape}] but the architecture needs [${spec.shape}]`);
      }
      store.add(spec, r.data);
    }
    return store;
  }

  private add(spec: ParamSpec, data: Float32Array): void {
    const v = tf.variable(tf.tensor(data, spec.shape as number[], 'float32'), spec.trainable, `p${uid++}_${spec.name}`);
    (spec.trainable ? this.trainable : this.state).set(spec.name, v);
  }

  get(name: string): Variable {
    const v = this.trainable.get(name) ?? this.state.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  has(name: string): boolean {
    return this.trainable.has(name) || this.state.has(name);
  }

  /** Names of all variables in spec order (trainable and state). */
  names(): string[] {
    return paramSpecs(this.config).map((s) => s.name);
  }

  /** Copies every variable into plain records (spec order). */
  toRecords(): TensorRecord[] {
    return this.names().map((name) => {
      const v = this.get(name);
      return { name, shape: v.shape.slice(), data: v.dataSync().slice() as Float32Array };
    });
  }

  /** Assigns values from records (names and shapes must match). */
  assignRecords(records: readonly TensorRecord[]): void {
    for (const r of records) {
      const v = this.get(r.name);
      if (v.size !== r.data.length) throw new Error(`assign ${r.name}: size ${r.data.length} != ${v.size}`);
      tf.tidy(() => v.assign(tf.tensor(r.data, v.shape, 'float32')));
    }
  }

  numTrainable(): number {
    let n = 0;
    for (const v of this.trainable.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.trainable.values()) v.dispose();
    for (const v of this.state.values()) v.dispose();
    this.trainable.clear();
    this.state.clear();
  }
}

let uid = 0;
