/**
 * Predictor: inference from a model bundle. BN folded into the preceding projections, no gradient tape,
 * crystals batched by an edge budget; ensembles give the mean and the (population) standard deviation
 * over members. All outputs in original units.
 *
 * Engines:
 *   'grouped'    (default where the grouped kernels exist: wasm, cpu) every member on one shared batch in
 *                which each crystal's symmetry-equivalent atoms and neighbour slots are computed once
 *                (grouped-batch.ts, grouped-inference.ts);
 *   'per-member' one FoldedNetwork forward per member on the full graph (inference.ts; any backend).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { CrystalGraph } from '../graph/crystal-graph';
import { currentBackend, initBackend } from '../compute/backend';
import { BondBasis, checkElementsCovered } from './batch';
import { type LoadedBundle, loadBundle } from './bundle';
import type { ModelTaskSpec } from './config';
import { type ComputePath, INFERENCE_EDGE_BUDGET, predictNormalized } from './inference';
import { FoldedNetwork } from './network';
import { GroupedBatchBuilder } from './grouped-batch';
import { GroupedEnsemble, disposeGroupedTensors, groupedBatchToTensors } from './grouped-inference';
import { groupedKernelsAvailable } from '../compute/grouped-kernels';
import { ParamStore } from './params';
import { taskOutput } from './task-output';
import { type MetricsJson, evaluatePredictions } from '../metrics/summary';

export interface PredictionResult {
  /** Per task, one value per graph (original units). */
  mean: Float64Array[];
  /** Per task, ensemble standard deviation (only for bundles with more than one member). */
  std?: Float64Array[];
}

export interface PredictorOptions {
  /** Compute path of the per-member engine. */
  path?: ComputePath;
  /**
   * Edges (atoms x neighbour slots of the original graphs) per forward batch. Default: INFERENCE_EDGE_BUDGET
   * (per-member), GROUPED_EDGE_BUDGET (grouped).
   */
  edgeBudget?: number;
  /** Default: 'grouped' where its kernels exist, else 'per-member'. */
  engine?: 'grouped' | 'per-member';
}

/**
 * Default edge budget of the grouped engine: ~150 crystals of mp-cgcnn-25k per forward, which keeps the
 * per-layer buffers ([rows, 4F], [distinct distances, 2F]) within a few MB of cache; larger batches are ~7 %
 * slower on a 2 MB L2, smaller ones pay more per-op overhead.
 */
export const GROUPED_EDGE_BUDGET = 50_000;

/** Progress of predict(): member forwards done (crystals x members) out of the total. */
type Progress = (done: number, total: number) => void;

/**
 * How an engine hands predict() one forward's normalized outputs: crystals `first`..`first + count - 1`, crystal i's
 * task t at `p[i * stride + offset + t]`.
 */
type Accumulate = (p: Float32Array, stride: number, offset: number, first: number, count: number) => void;

export class Predictor {
  private readonly nets: FoldedNetwork[];
  private readonly basis: BondBasis;
  private readonly table: Tensor2D;
  /** The 'grouped' engine (absent for 'per-member'). */
  private readonly grouped?: GroupedEnsemble;
  private readonly groupedBuilder?: GroupedBatchBuilder;

  /** Requires an initialised backend (use Predictor.load, or call initBackend first). */
  constructor(readonly bundle: LoadedBundle, private readonly opts: PredictorOptions = {}) {
    if (!currentBackend()) throw new Error('Predictor: call initBackend() first (or use Predictor.load)');
    const rows = bundle.elementMatrix.length / bundle.elementDimension;
    this.table = tf.tensor2d(bundle.elementMatrix, [rows, bundle.elementDimension]);
    this.basis = BondBasis.fromSettings(bundle.graphSettings);
    if (this.basis.dimension !== bundle.config.bondFeatureDim) {
      throw new Error(`bundle graph settings give ${this.basis.dimension} bond features, the model expects ${bundle.config.bondFeatureDim}`);
    }
    this.nets = bundle.members.map((records) => {
      const store = ParamStore.fromRecords(bundle.config, records);
      try {
        return FoldedNetwork.fromStore(bundle.config, store, this.table);
      } finally {
        store.dispose();
      }
    });
    const engine = opts.engine ?? (groupedKernelsAvailable() ? 'grouped' : 'per-member');
    if (engine === 'grouped') {
      if (!groupedKernelsAvailable()) throw new Error(`the grouped inference engine is not available on backend ${tf.getBackend()}`);
      this.grouped = new GroupedEnsemble(this.nets);
      this.groupedBuilder = new GroupedBatchBuilder(this.basis, bundle.graphSettings.maxNeighbors, bundle.config.numConv);
    }
  }

  /** The engine predict() uses. */
  get engine(): 'grouped' | 'per-member' {
    return this.grouped ? 'grouped' : 'per-member';
  }

  static async load(dir: string, opts: PredictorOptions = {}): Promise<Predictor> {
    if (!currentBackend()) await initBackend();
    return new Predictor(loadBundle(dir), opts);
  }

  get tasks(): ReadonlyArray<ModelTaskSpec> {
    return this.bundle.config.tasks;
  }

  get members(): number {
    return this.nets.length;
  }

  predict(graphs: readonly CrystalGraph[], onProgress?: Progress): PredictionResult {
    const T = this.bundle.config.tasks.length;
    const n = graphs.length;
    const M = this.bundle.graphSettings.maxNeighbors;
    for (const g of graphs) {
      if (g.maxNeighbors !== M) throw new Error(`graph ${g.id} has ${g.maxNeighbors} neighbour slots; the model was trained with ${M}`);
    }
    checkElementsCovered(graphs, this.bundle.elementMatrix, this.bundle.elementDimension);
    const K = this.nets.length;
    const sum = Array.from({ length: T }, () => new Float64Array(n));
    const sq = Array.from({ length: T }, () => new Float64Array(n));
    const outputs = this.bundle.config.tasks.map((task, t) => taskOutput(task, this.bundle.normalizers[t]));
    const accumulate: Accumulate = (p, stride, offset, first, count) => {
      for (let t = 0; t < T; t++) {
        const out = outputs[t];
        for (let i = 0; i < count; i++) {
          const y = out(p[i * stride + offset + t]);
          sum[t][first + i] += y;
          sq[t][first + i] += y * y;
        }
      }
    };
    if (this.grouped) this.predictGrouped(this.grouped, graphs, accumulate, onProgress);
    else this.predictPerMember(graphs, accumulate, onProgress);
    const mean = sum.map((col) => col.map((x) => x / K));
    if (K === 1) return { mean };
    const std = sq.map((col, t) => col.map((x, i) => Math.sqrt(Math.max(x / K - mean[t][i] * mean[t][i], 0))));
    return { mean, std };
  }

  /** All members at once on symmetry-grouped batches of up to `edgeBudget` edges (of the full graphs). */
  private predictGrouped(
    grouped: GroupedEnsemble,
    graphs: readonly CrystalGraph[],
    accumulate: Accumulate,
    onProgress?: Progress,
  ): void {
    const T = this.bundle.config.tasks.length;
    const n = graphs.length;
    const K = this.nets.length;
    const M = this.bundle.graphSettings.maxNeighbors;
    const budget = this.opts.edgeBudget ?? GROUPED_EDGE_BUDGET;
    let start = 0;
    while (start < n) {
      let end = start;
      let edges = 0;
      while (end < n) {
        const e = graphs[end].numAtoms * M;
        if (end > start && edges + e > budget) break;
        edges += e;
        end++;
      }
      const bt = groupedBatchToTensors(this.groupedBuilder!.build(graphs.slice(start, end)));
      let p: Float32Array;
      try {
        const out = grouped.forward(bt);
        p = out.dataSync() as Float32Array;
        out.dispose();
      } finally {
        disposeGroupedTensors(bt);
      }
      for (let k = 0; k < K; k++) accumulate(p, K * T, k * T, start, end - start);
      start = end;
      onProgress?.(start * K, n * K);
    }
  }

  private predictPerMember(
    graphs: readonly CrystalGraph[],
    accumulate: Accumulate,
    onProgress?: Progress,
  ): void {
    const T = this.bundle.config.tasks.length;
    const n = graphs.length;
    const K = this.nets.length;
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    this.nets.forEach((net, k) => {
      const p = predictNormalized(net, graphs, idx, this.basis, {
        path: this.opts.path,
        edgeBudget: this.opts.edgeBudget ?? INFERENCE_EDGE_BUDGET,
        onBatch: (d) => onProgress?.(k * n + d, K * n),
      });
      accumulate(p, T, 0, 0, n);
    });
  }

  /** Predicts `graphs` and scores them against `targets` (per task, original units, NaN = no label). */
  evaluate(graphs: readonly CrystalGraph[], targets: readonly ArrayLike<number>[]): { metrics: MetricsJson; predictions: PredictionResult } {
    const predictions = this.predict(graphs);
    const metrics = evaluatePredictions(this.bundle.config.tasks, targets, predictions.mean, { decisionThresholds: this.bundle.decisionThresholds });
    return { metrics, predictions };
  }

  dispose(): void {
    this.grouped?.dispose();
    for (const n of this.nets) n.dispose();
    this.nets.length = 0;
    this.table.dispose();
  }
}
