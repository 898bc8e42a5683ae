/** Turns a trained model folder (bundle + training-run.json) into the report layer's RunReport. */
import path from 'node:path';
import { loadBundle, type LoadedBundle } from '../core/model/bundle';
import { isBandGapTask } from '../../src-shared/task-kind';
import { metalNonMetalMetrics } from '../core/metrics/classification';
import type { HistoryEntry, ModelCard, ReportTask, RunReport } from '../core/report';
import { readTrainingRun } from './training-run';
import { APP_VERSION } from './version';

export function buildRunReport(modelDir: string, options: { title?: string; notes?: string } = {}): RunReport {
  const bundle = loadBundle(modelDir);
  const run = readTrainingRun(modelDir);
  const card = bundle.json.trainingCard;
  if (!run || !card || !card.testMetrics) {
    throw new Error(`${modelDir} has no training run record (training-run.json): reports are made from models trained by this app`);
  }
  const tasks = reportTasksOf(bundle.json.tasks, run.tasks);
  const cfg = bundle.config;
  const perTask = Object.fromEntries(tasks.map((t, k) => [t.name, { true: run.test.true[k], pred: run.test.pred[k] }]));
  const roc: Record<string, { fpr: number[]; tpr: number[] }> = {};
  tasks.forEach((t, k) => {
    // A classifier head's curve is drawn from its probabilities by the renderer; here the band gaps read as classifiers.
    if (t.kind === 'classification' || !isBandGapTask(t.name, t.unit)) return;
    const labelled = run.test.true[k].map((v, i) => [v, run.test.pred[k][i]] as const).filter(([v]) => v !== null) as [number, number][];
    const m = metalNonMetalMetrics(labelled.map(([v]) => v), labelled.map(([, p]) => p));
    roc[t.name] = { fpr: m.roc.fpr, tpr: m.roc.tpr };
  });
  // The report plots the first member's curves (members share the recipe).
  const history: HistoryEntry[] = (run.history[0] ?? []).map((r) => ({
    epoch: r.epoch,
    trainLoss: Object.fromEntries(tasks.map((t, k) => [t.name, r.trainLoss[k]])),
    valMae: Object.fromEntries(tasks.flatMap((t, k) => (r.valMae[k] === null ? [] : [[t.name, r.valMae[k] as number]]))),
    lr: r.lr,
    ...(tasks.length > 1 ? { taskWeights: Object.fromEntries(tasks.map((t, k) => [t.name, r.weights[k]])) } : {}),
  }));
  const weighting = bundle.json.lossWeighting ?? { kind: 'fixed' as const };
  const lastWeights = history.at(-1)?.taskWeights;
  return {
    title: options.title ?? `${tasks.length > 1 ? 'MT-CGCNN' : 'CGCNN'}: ${tasks.map((t) => t.name).join(' + ')} on ${card.dataset.name ?? path.basename(modelDir)}`,
    createdIso: new Date().toISOString(),
    appVersion: APP_VERSION,
    dataset: {
      name: card.dataset.name ?? 'dataset',
      dir: String(card.options.datasetDir ?? ''),
      contentHash: card.dataset.contentHash ?? '',
      crystals: card.dataset.crystals,
      split: { train: card.split.train, val: card.split.val, test: card.split.test },
      seed: card.split.seed ?? 0,
      labelsPerTask: Object.fromEntries(tasks.map((t) => [t.name, card.testMetrics!.tasks[t.name]?.n ?? 0])),
    },
    model: {
      kind: tasks.length > 1 ? 'MT-CGCNN' : 'CGCNN',
      tasks,
      sharing: cfg.sharing,
      weighting: { mode: weighting.kind, ...(lastWeights ? { weights: lastWeights } : {}) },
      architecture: { atomFeatures: cfg.convDim, convLayers: cfg.numConv, hidden: cfg.hiddenDim, headLayers: cfg.headHidden },
      graph: { radiusAngstrom: bundle.graphSettings.radiusAngstrom, maxNeighbors: bundle.graphSettings.maxNeighbors },
      backend: card.backend.name,
      trainingSeconds: card.durationSeconds,
      ...trainingThreads(card.options),
      epochs: card.epochs.requested,
      ensembleSize: bundle.members.length,
    },
    metrics: card.testMetrics,
    predictions: { ids: run.test.ids, formulas: run.test.formulas, perTask },
    ...(Object.keys(roc).length ? { roc } : {}),
    history,
    ...(options.notes ? { notes: options.notes } : {}),
  };
}

/** What model.json says about a task, as far as the reports use it. */
type BundleTaskInfo = Pick<LoadedBundle['json']['tasks'][number], 'name' | 'unit' | 'kind' | 'displayName' | 'derivedFrom' | 'decisionThreshold' | 'decisionThresholdChosenOn'>;

/**
 * The report's tasks: the run record's names and units with what the bundle says about each (kind, display name, the
 * derived 0/1 label of a classifier, where its decision threshold was chosen). Older bundles have none of it.
 */
export function reportTasksOf(bundleTasks: readonly BundleTaskInfo[], tasks: readonly { name: string; unit: string }[]): ReportTask[] {
  return tasks.map((t) => {
    const b = bundleTasks.find((x) => x.name === t.name);
    return {
      name: t.name,
      unit: t.unit,
      ...(b?.displayName ? { label: b.displayName } : {}),
      ...(b?.kind === 'classification' ? { kind: b.kind } : {}),
      ...(b?.derivedFrom ? { derivedFrom: { column: b.derivedFrom.column, below: b.derivedFrom.below } } : {}),
      ...(b?.decisionThreshold !== undefined ? { decisionThreshold: b.decisionThreshold } : {}),
      ...(b?.decisionThreshold !== undefined && b.decisionThresholdChosenOn ? { decisionThresholdChosenOn: b.decisionThresholdChosenOn } : {}),
    };
  });
}

/** The training threads a card's recipe records (models trained before `--workers` existed record none). */
function trainingThreads(options: Record<string, unknown> | undefined): { trainingThreads?: number } {
  const k = options?.workers;
  return typeof k === 'number' && Number.isInteger(k) && k >= 1 ? { trainingThreads: k } : {};
}

/**
 * The model card of a bundle alone (no run record needed): what the screening report prints about the model.
 * Bundles without a training card (not trained by this app) get 'unknown' backend and zero training time.
 */
export function modelCardOfBundle(bundle: LoadedBundle): ModelCard {
  const tasks = reportTasksOf(bundle.json.tasks, bundle.json.tasks);
  const cfg = bundle.config;
  const card = bundle.json.trainingCard;
  const weighting = bundle.json.lossWeighting ?? { kind: 'fixed' as const };
  return {
    kind: tasks.length > 1 ? 'MT-CGCNN' : 'CGCNN',
    tasks,
    sharing: cfg.sharing,
    weighting: { mode: weighting.kind },
    architecture: { atomFeatures: cfg.convDim, convLayers: cfg.numConv, hidden: cfg.hiddenDim, headLayers: cfg.headHidden },
    graph: { radiusAngstrom: bundle.graphSettings.radiusAngstrom, maxNeighbors: bundle.graphSettings.maxNeighbors },
    backend: card?.backend.name ?? 'unknown',
    trainingSeconds: card?.durationSeconds ?? 0,
    ...trainingThreads(card?.options),
    epochs: card?.epochs.requested ?? 0,
    ensembleSize: bundle.members.length,
  };
}
