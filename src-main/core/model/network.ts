/**
 * The (MT-)CGCNN network: training-mode forward (batch statistics, on the gradient tape) and a folded
 * inference network (BN folded into the preceding projections, element table pre-projected).
 *
 * Dimension letters (N, M, E, F, C, G, U, B, T, ...): docs/glossary.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config';
import { towerCount } from './config';
import { type ParamStore, headName, towerPrefix } from './params';
import type { BatchTensors } from './batch';
import { type ConvWeights, type FoldedConv, bnScaleShift, convInfer, convTrain, dense } from './layers';

/** Batch statistics of one BN layer from a training step (apply with applyBnUpdates). */
export interface BnStatUpdate {
  /** Prefix, e.g. 'conv0.bn1' (running stats are `${name}.mean` / `${name}.var`). */
  name: string;
  mean: Tensor1D;
  variance: Tensor1D;
  /** Rows the statistics were computed over (for the unbiased running variance). */
  count: number;
}

export interface TrainForwardResult {
  /** [B, T] predictions on the normalised target scale. */
  pred: Tensor2D;
  /** Kept tensors: dispose after applying (applyBnUpdates does). */
  stats: BnStatUpdate[];
  /** With keepShared: per task, the shared representation h feeding its head ([B, width], kept). */
  shared?: Tensor2D[];
}

function convWeights(store: ParamStore, p: string): ConvWeights {
  const g = (n: string) => store.get(`${p}.${n}`);
  return {
    wSelf: g('w_self') as unknown as Tensor2D,
    wNbr: g('w_nbr') as unknown as Tensor2D,
    wBond: g('w_bond') as unknown as Tensor2D,
    gamma1: g('bn1.gamma') as unknown as Tensor1D,
    beta1: g('bn1.beta') as unknown as Tensor1D,
    gamma2: g('bn2.gamma') as unknown as Tensor1D,
    beta2: g('bn2.beta') as unknown as Tensor1D,
  };
}

function pool(v: Tensor2D, batch: BatchTensors): Tensor2D {
  const summed = tf.unsortedSegmentSum(v, batch.crystalIndex, batch.numCrystals);
  return tf.mul(summed, batch.invCounts) as Tensor2D;
}

function heads(
  config: ModelConfig, h: Tensor2D, tasks: number[], getW: (name: string) => Tensor, p: string,
): Tensor2D[] {
  const outs: Tensor2D[] = [];
  for (const t of tasks) {
    const hn = `${p}${headName(config, t)}`;
    let x = h;
    for (let k = 0; k < config.headHidden; k++) {
      x = tf.softplus(dense(x, getW(`${hn}.fc${k}.w`), getW(`${hn}.fc${k}.b`))) as Tensor2D;
    }
    outs.push(dense(x, getW(`${hn}.out.w`), getW(`${hn}.out.b`)));
  }
  return outs;
}

/**
 * Training-mode forward. Call inside tf.variableGrads / tf.tidy. `table` is the element feature table
 * [rows, D]. Stats tensors are tf.keep()-ed so they survive the surrounding tidy.
 */
export function forwardTrain(
  config: ModelConfig, store: ParamStore, table: Tensor2D, batch: BatchTensors, fused: boolean, keepShared = false,
): TrainForwardResult {
  const stats: BnStatUpdate[] = [];
  const shared: Tensor2D[] = new Array<Tensor2D>(config.tasks.length);
  const eps = config.bnEpsilon;
  const towerOuts: Tensor2D[] = [];
  const T = config.tasks.length;
  const E = batch.numAtoms * batch.M;
  for (let tw = 0; tw < towerCount(config); tw++) {
    const p = towerPrefix(config, tw);
    const proj = dense(table, store.get(`${p}embed.w`), store.get(`${p}embed.b`));
    let v = tf.gather(proj, batch.atomTypes) as Tensor2D;
    for (let l = 0; l < config.numConv; l++) {
      const r = convTrain(v, { u: batch.bond, index: batch.bondIndex, span: batch.bondSpan }, batch.nbr, batch.M, convWeights(store, `${p}conv${l}`), eps, fused);
      v = r.v;
      stats.push(
        { name: `${p}conv${l}.bn1`, mean: tf.keep(r.stats.mean1), variance: tf.keep(r.stats.var1), count: E },
        { name: `${p}conv${l}.bn2`, mean: tf.keep(r.stats.mean2), variance: tf.keep(r.stats.var2), count: batch.numAtoms },
      );
    }
    let h = tf.softplus(pool(v, batch)) as Tensor2D;
    for (let s = 0; s < config.sharedHidden; s++) {
      h = tf.softplus(dense(h, store.get(`${p}shared${s}.w`), store.get(`${p}shared${s}.b`))) as Tensor2D;
    }
    const tasks = config.sharing === 'soft' ? [tw] : [...Array(T).keys()];
    if (keepShared) {
      const kept = tf.keep(h);
      for (const t of tasks) shared[t] = kept;
    }
    towerOuts.push(...heads(config, h, tasks, (n) => store.get(n), p));
  }
  const pred = (towerOuts.length === 1 ? towerOuts[0] : tf.concat(towerOuts, 1)) as Tensor2D;
  return keepShared ? { pred, stats, shared } : { pred, stats };
}

/** The head of `task` applied to a shared representation h ([B, width] -> [B, 1]). */
export function headForward(config: ModelConfig, store: ParamStore, h: Tensor2D, task: number): Tensor2D {
  const p = towerPrefix(config, config.sharing === 'soft' ? task : 0);
  return heads(config, h, [task], (n) => store.get(n), p)[0];
}

/** running = (1 - m) running + m batch (variance unbiased, PyTorch convention). Disposes the stats. */
export function applyBnUpdates(store: ParamStore, stats: BnStatUpdate[], momentum: number): void {
  tf.tidy(() => {
    for (const s of stats) {
      const rm = store.get(`${s.name}.mean`);
      const rv = store.get(`${s.name}.var`);
      const unbias = s.count > 1 ? s.count / (s.count - 1) : 1;
      rm.assign(tf.add(tf.mul(rm, 1 - momentum), tf.mul(s.mean, momentum)));
      rv.assign(tf.add(tf.mul(rv, 1 - momentum), tf.mul(s.variance, momentum * unbias)));
    }
  });
  for (const s of stats) {
    s.mean.dispose();
    s.variance.dispose();
  }
}

/**
 * Soft parameter sharing penalty: strength * sum over corresponding parameters of
 * sum_t ||theta_t - mean_t theta||^2 (equivalently (1/T) sum over pairs ||theta_t - theta_t'||^2).
 * Batch-norm running statistics are not parameters and are not penalised. Zero for hard sharing.
 */
export function softSharingPenalty(config: ModelConfig, store: ParamStore): tf.Scalar {
  const T = towerCount(config);
  if (config.sharing !== 'soft' || T < 2 || config.softSharingStrength === 0) return tf.scalar(0);
  const groups = new Map<string, Tensor[]>();
  for (const [name, v] of store.trainable) {
    const suffix = name.replace(/^tower\d+\./, '');
    const list = groups.get(suffix) ?? [];
    list.push(v);
    groups.set(suffix, list);
  }
  let total: tf.Scalar = tf.scalar(0);
  for (const list of groups.values()) {
    if (list.length < 2) continue;
    const stacked = tf.stack(list);
    const mean = tf.mean(stacked, 0);
    total = tf.add(total, tf.sum(tf.square(tf.sub(stacked, mean)))) as tf.Scalar;
  }
  return tf.mul(total, config.softSharingStrength) as tf.Scalar;
}

export interface FoldedTower {
  /** Projected element table [rows, F] (embedding folded in). */
  tableProj: Tensor2D;
  convs: FoldedConv[];
  shared: Array<{ w: Tensor2D; b: Tensor1D }>;
  /** Per task handled by this tower: hidden layers and output. */
  heads: Array<{ task: number; layers: Array<{ w: Tensor2D; b: Tensor1D }>; out: { w: Tensor2D; b: Tensor1D } }>;
}

/**
 * Inference network with batch norm folded into the preceding projections:
 *   bn1(z) = z * s + (beta - mean * s), s = gamma / sqrt(var + eps)  ->  W_x' = W_x * s (columns), bias = shift
 *   bn2 is an affine scale/shift of the neighbour sum.
 * Holds its own tensors (independent of the ParamStore afterwards).
 */
export class FoldedNetwork {
  private constructor(readonly config: ModelConfig, readonly towers: FoldedTower[]) {}

  static fromStore(config: ModelConfig, store: ParamStore, table: Tensor2D): FoldedNetwork {
    const eps = config.bnEpsilon;
    // Every folded tensor is created in its own tidy so intermediates are freed and results survive.
    const k = <T extends Tensor>(f: () => T): T => tf.tidy(f);
    const towers: FoldedTower[] = [];
    for (let tw = 0; tw < towerCount(config); tw++) {
      const p = towerPrefix(config, tw);
      const g = (n: string) => store.get(`${p}${n}`);
      const tableProj = k(() => dense(table, g('embed.w'), g('embed.b')));
      const convs: FoldedConv[] = [];
      for (let l = 0; l < config.numConv; l++) {
        const c = (n: string) => g(`conv${l}.${n}`);
        const bn1 = () => bnScaleShift(c('bn1.gamma'), c('bn1.beta'), c('bn1.mean'), c('bn1.var'), eps);
        const bn2 = () => bnScaleShift(c('bn2.gamma'), c('bn2.beta'), c('bn2.mean'), c('bn2.var'), eps);
        convs.push({
          wSN: k(() => tf.concat([tf.mul(c('w_self'), bn1()[0]), tf.mul(c('w_nbr'), bn1()[0])], 1) as Tensor2D),
          wSelf: k(() => tf.mul(c('w_self'), bn1()[0]) as Tensor2D),
          wNbr: k(() => tf.mul(c('w_nbr'), bn1()[0]) as Tensor2D),
          wBond: k(() => tf.mul(c('w_bond'), bn1()[0]) as Tensor2D),
          bias1: k(() => bn1()[1]),
          scale2: k(() => bn2()[0]),
          shift2: k(() => bn2()[1]),
        });
      }
      const lin = (name: string) => ({
        w: k(() => tf.clone(g(`${name}.w`)) as Tensor2D),
        b: k(() => tf.clone(g(`${name}.b`)) as Tensor1D),
      });
      const shared = [...Array(config.sharedHidden).keys()].map((s) => lin(`shared${s}`));
      const tasks = config.sharing === 'soft' ? [tw] : config.tasks.map((_, i) => i);
      const hs: FoldedTower['heads'] = tasks.map((task) => {
        const hn = headName(config, task);
        const layers = [...Array(config.headHidden).keys()].map((j) => lin(`${hn}.fc${j}`));
        return { task, layers, out: lin(`${hn}.out`) };
      });
      towers.push({ tableProj, convs, shared, heads: hs });
    }
    return new FoldedNetwork(config, towers);
  }

  /** [B, T] predictions (normalised scale). Call inside tf.tidy. */
  forward(batch: BatchTensors, fused: boolean): Tensor2D {
    const T = this.config.tasks.length;
    const cols: Tensor2D[] = new Array<Tensor2D>(T);
    for (const tw of this.towers) {
      let v = tf.gather(tw.tableProj, batch.atomTypes) as Tensor2D;
      for (const c of tw.convs) v = convInfer(v, { u: batch.bond, index: batch.bondIndex, span: batch.bondSpan }, batch.nbr, batch.M, c, fused);
      let h = tf.softplus(pool(v, batch)) as Tensor2D;
      for (const s of tw.shared) h = tf.softplus(dense(h, s.w, s.b)) as Tensor2D;
      for (const hd of tw.heads) {
        let x = h;
        for (const l of hd.layers) x = tf.softplus(dense(x, l.w, l.b)) as Tensor2D;
        cols[hd.task] = dense(x, hd.out.w, hd.out.b);
      }
    }
    return (T === 1 ? cols[0] : tf.concat(cols, 1)) as Tensor2D;
  }

  dispose(): void {
    for (const tw of this.towers) {
      tw.tableProj.dispose();
      for (const c of tw.convs) Object.values(c).forEach((t: Tensor) => t.dispose());
      for (const s of tw.shared) {
        s.w.dispose();
        s.b.dispose();
      }
      for (const h of tw.heads) {
        for (const l of h.layers) {
          l.w.dispose();
          l.b.dispose();
        }
        h.out.w.dispose();
        h.out.b.dispose();
      }
    }
    this.towers.length = 0;
  }
}
