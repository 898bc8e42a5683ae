/**
 * Predictor: inference from a model bundle. BN folded into the preceding projections, no gradient tape,
 * crystals batched by an edge budget; ensembles give the mean and the (population) standard deviation
 * over members. All outputs in original units.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { CrystalGraph } from '../graph/crystal-graph';
import { currentBackend, initBackend } from '../compute/backend';
import { BondBasis, checkElementsCovered } from './batch';
import { type LoadedBundle, loadBundle } from './bundle';
import { type ComputePath, INFERENCE_EDGE_BUDGET, predictNormalized } from './inference';
import { FoldedNetwork } from './network';
import { ParamStore } from './params';
import { type MetricsJson, evaluatePredictions } from '../metrics/summary';

export interface PredictionResult {
  /** Per task, one value per graph (original units). */
  mean: Float64Array[];
  /** Per task, ensemble standard deviation (only for bundles with more than one member). */
  std?: Float64Array[];
}

export interface PredictorOptions {
  path?: ComputePath;
  edgeBudget?: number;
}

export class Predictor {
  private readonly nets: FoldedNetwork[];
  private readonly basis: BondBasis;
  private readonly table: Tensor2D;

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
  }

  static async load(dir: string, opts: PredictorOptions = {}): Promise<Predictor> {
    if (!currentBackend()) await initBackend();
    return new Predictor(loadBundle(dir), opts);
  }

  get tasks(): ReadonlyArray<{ name: string; unit: string }> {
    return this.bundle.config.tasks;
  }

  get members(): number {
    return this.nets.length;
  }

  predict(graphs: readonly CrystalGraph[], onProgress?: (done: number, total: number) => void): PredictionResult {
    const T = this.bundle.config.tasks.length;
    const n = graphs.length;
    const M = this.bundle.graphSettings.maxNeighbors;
    for (const g of graphs) {
      if (g.maxNeighbors !== M) throw new Error(`graph ${g.id} has ${g.maxNeighbors} neighbour slots; the model was trained with ${M}`);
    }
    checkElementsCovered(graphs, this.bundle.elementMatrix, this.bundle.elementDimension);
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const K = this.nets.length;
    const sum = Array.from({ length: T }, () => new Float64Array(n));
    const sq = Array.from({ length: T }, () => new Float64Array(n));
    this.nets.forEach((net, k) => {
      const p = predictNormalized(net, graphs, idx, this.basis, {
        path: this.opts.path,
        edgeBudget: this.opts.edgeBudget ?? INFERENCE_EDGE_BUDGET,
        onBatch: (d) => onProgress?.(k * n + d, K * n),
      });
      for (let t = 0; t < T; t++) {
        const { mean, std } = this.bundle.normalizers[t];
        for (let i = 0; i < n; i++) {
          const y = p[i * T + t] * std + mean;
          sum[t][i] += y;
          sq[t][i] += y * y;
        }
      }
    });
    const mean = sum.map((col) => col.map((x) => x / K));
    if (K === 1) return { mean };
    const std = sq.map((col, t) => col.map((x, i) => Math.sqrt(Math.max(x / K - mean[t][i] * mean[t][i], 0))));
    return { mean, std };
  }

  /** Predicts `graphs` and scores them against `targets` (per task, original units, NaN = no label). */
  evaluate(graphs: readonly CrystalGraph[], targets: readonly ArrayLike<number>[]): { metrics: MetricsJson; predictions: PredictionResult } {
    const predictions = this.predict(graphs);
    return { metrics: evaluatePredictions(this.bundle.config.tasks, targets, predictions.mean), predictions };
  }

  dispose(): void {
    for (const n of this.nets) n.dispose();
    this.nets.length = 0;
    this.table.dispose();
  }
}
