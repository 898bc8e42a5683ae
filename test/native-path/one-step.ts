/**
 * One training step and shipped-model inference, written once and run on both sides of the native-path
 * comparison (test/unit/native-path.test.ts): in the test process on wasm with the fused kernels, and in a
 * worker thread on the tfjs-node stand-in (tfjs's own gradients, plain-ops path). The step composes the
 * trainer's own pieces in the trainer's order (trainer.ts: forwardTrain -> maskedTaskMse -> LossWeighter.total
 * + softSharingPenalty under tf.variableGrads, then Adam.apply and applyBnUpdates).
 *
 * Inputs and outputs are plain data (structured-clone safe) so that they cross the worker boundary unchanged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../src-main/core/model/config';
import { ParamStore, type TensorRecord } from '../../src-main/core/model/params';
import { BatchBuilder, BondBasis, batchToTensors, disposeBatchTensors } from '../../src-main/core/model/batch';
import { applyBnUpdates, forwardTrain, softSharingPenalty } from '../../src-main/core/model/network';
import { resolvePath } from '../../src-main/core/model/inference';
import { Predictor } from '../../src-main/core/model/predictor';
import { type ModelJson, loadBundle } from '../../src-main/core/model/bundle';
import { trainModel } from '../../src-main/core/train/trainer';
import type { TrainingData } from '../../src-main/core/train/types';
import { RUN_RECORD_FILE, type TrainingRunRecord, saveTrainedModel } from '../../src-main/services/training-run';
import { LossWeighter, type LossWeightingSpec, maskCounts, maskedTaskMse } from '../../src-main/core/train/loss';
import { Adam } from '../../src-main/core/train/optimizer';
import type { GraphSettings } from '../../src-main/core/graph/crystal-graph';
import { decodeGraphs } from '../../src-main/core/graph/graph-codec';

export interface StepCase {
  /** Label in messages, e.g. 'hard sharing, fixed weights'. */
  name: string;
  config: ModelConfig;
  lossWeighting: LossWeightingSpec;
  weightDecay: number;
  learningRate: number;
  /** Initial parameters (trainable and batch-norm running statistics). */
  params: TensorRecord[];
}

export interface StepInput {
  /** The batch: crystal graphs in the graph codec's form. */
  graphs: Uint8Array;
  graphSettings: GraphSettings;
  /** Element table, row-major [rows, dimension]. */
  elementMatrix: Float32Array;
  elementDimension: number;
  /** Normalised targets and label mask, row-major [B, T]. */
  targets: Float32Array;
  mask: Float32Array;
  cases: StepCase[];
}

export interface StepResult {
  name: string;
  /** Total loss (weighted task losses + penalty) and per-task masked MSE (normalised scale). */
  loss: number;
  perTask: number[];
  /** Gradient of the loss for every trainable variable (model parameters and 'loss.*' variables). */
  grads: Record<string, Float32Array>;
  /** Every variable after one Adam update and the batch-norm running-statistics update. */
  after: Record<string, Float32Array>;
}

export interface InferenceResult {
  /** Bundle folder name. */
  model: string;
  engine: 'grouped' | 'per-member';
  /** Per task: ensemble mean per crystal (original units), and the members' standard deviation. */
  mean: number[][];
  std: number[][] | null;
}

/** Runs one training step per case on the batch, with the fused kernels or the plain-ops path. */
export function runSteps(input: StepInput, fused: boolean): StepResult[] {
  return input.cases.map((c) => runStep(input, c, fused));
}

function runStep(input: StepInput, c: StepCase, fused: boolean): StepResult {
  const { config } = c;
  const graphs = decodeGraphs(input.graphs);
  const T = config.tasks.length;
  const B = graphs.length;
  const rows = input.elementMatrix.length / input.elementDimension;
  const store = ParamStore.fromRecords(config, c.params);
  const weighter = new LossWeighter(c.lossWeighting, T);
  const adam = new Adam({ weightDecay: c.weightDecay });
  const table = tf.tensor2d(input.elementMatrix, [rows, input.elementDimension]);
  const bt = batchToTensors(new BatchBuilder(BondBasis.fromSettings(input.graphSettings), input.graphSettings.maxNeighbors).build(graphs));
  const mc = maskCounts(input.mask, T);
  const target = tf.tensor2d(input.targets, [B, T]);
  const mask = tf.tensor2d(input.mask, [B, T]);
  const invCounts = tf.tensor1d(mc.inv);
  const present = tf.tensor1d(mc.present);
  const variables = new Map<string, Variable>([...store.trainable, ...weighter.trainableVariables()]);
  try {
    let perTask: Tensor | undefined;
    let stats: ReturnType<typeof forwardTrain>['stats'] = [];
    const { value, grads } = tf.variableGrads(() => {
      const fwd = forwardTrain(config, store, table, bt, fused);
      stats = fwd.stats;
      perTask = tf.keep(maskedTaskMse(fwd.pred, target, mask, invCounts));
      return tf.add(weighter.total(perTask as tf.Tensor1D, present), softSharingPenalty(config, store)) as tf.Scalar;
    }, [...variables.values()]);
    const named: Record<string, Tensor> = {};
    const gradData: Record<string, Float32Array> = {};
    for (const [name, v] of variables) {
      named[name] = grads[v.name];
      gradData[name] = grads[v.name].dataSync() as Float32Array;
    }
    const loss = value.dataSync()[0];
    const taskLoss = Array.from(perTask!.dataSync());
    adam.apply(variables, named, c.learningRate, (name) => name.startsWith('loss.'));
    applyBnUpdates(store, stats, config.bnMomentum);
    const after: Record<string, Float32Array> = {};
    for (const r of store.toRecords()) after[r.name] = r.data;
    for (const [name, v] of weighter.trainableVariables()) after[name] = v.dataSync().slice() as Float32Array;
    value.dispose();
    perTask!.dispose();
    for (const g of Object.values(grads)) g.dispose();
    return { name: c.name, loss, perTask: taskLoss, grads: gradData, after };
  } finally {
    disposeBatchTensors(bt);
    for (const t of [table, target, mask, invCounts, present]) t.dispose();
    adam.dispose();
    weighter.logVar?.dispose();
    store.dispose();
  }
}

/** What a finished training records about its compute (model.json training card and training-run.json). */
export interface RecordedCompute {
  card: { backend: { name: string; description: string; versions: Record<string, string> }; computePath: string };
  run: { backend: { name: string; description: string }; computePath: string };
}

/**
 * A one-epoch training of a small model on the batch through trainModel and saveTrainedModel, as the app and
 * `mtcgcnn train` run it, into `dir`; returns what its model card and run record say about the compute.
 */
export async function trainAndRecord(input: StepInput, dir: string): Promise<RecordedCompute> {
  const graphs = decodeGraphs(input.graphs);
  const T = input.cases[0].config.tasks.length;
  const data: TrainingData = {
    graphs,
    targets: [...Array(T).keys()].map((t) => Float64Array.from(graphs, (_, i) => (input.mask[i * T + t] > 0 ? input.targets[i * T + t] : NaN))),
    tasks: input.cases[0].config.tasks,
    elementTable: { dimension: input.elementDimension, matrix: () => input.elementMatrix },
    graphSettings: input.graphSettings,
  };
  const result = await trainModel({ model: { convDim: 8, numConv: 1, hiddenDim: 8 }, epochs: 1, seed: 1 }, data);
  saveTrainedModel(dir, result, data, graphs);
  const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
  if (!model.trainingCard) throw new Error(`${dir}/model.json has no training card`);
  const run = JSON.parse(fs.readFileSync(path.join(dir, RUN_RECORD_FILE), 'utf8')) as TrainingRunRecord;
  return {
    card: { backend: model.trainingCard.backend, computePath: model.trainingCard.computePath },
    run: { backend: run.backend, computePath: run.computePath },
  };
}

/** 'fused' or 'reference': what the model's 'auto' path resolves to on the active backend. */
export function autoPath(): 'fused' | 'reference' {
  return resolvePath('auto');
}

/** Predictions of every bundle in `modelsDir` for the graphs (encoded per bundle, built with its graph settings). */
export function predictShipped(modelsDir: string, graphsByModel: Record<string, Uint8Array>): InferenceResult[] {
  return Object.entries(graphsByModel).map(([model, bytes]) => {
    const predictor = new Predictor(loadBundle(path.join(modelsDir, model)));
    const r = predictor.predict(decodeGraphs(bytes));
    return {
      model,
      engine: predictor.engine,
      mean: r.mean.map((col) => Array.from(col)),
      std: r.std ? r.std.map((col) => Array.from(col)) : null,
    };
  });
}

/** The folder names of the shipped bundles (every sub-folder with a model.json). */
export function shippedModelNames(modelsDir: string): string[] {
  return fs
    .readdirSync(modelsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(modelsDir, d.name, 'model.json')))
    .map((d) => d.name)
    .sort();
}
