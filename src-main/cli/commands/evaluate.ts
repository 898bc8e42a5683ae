import path from 'node:path';
import type { Command } from '../command';
import { CommandFailure, choiceOption, requiredString, stringOption } from '../command';
import { splitIndices } from '../../core/metrics/split';
import { labelsForTasks, loadLabelledDataset } from '../../core/featurize/labelled-dataset';
import { evaluatePredictions } from '../../core/metrics/summary';
import { Predictor } from '../../core/model/predictor';
import type { TrainingCard } from '../../core/model/bundle';
import { predictOnThreads } from '../../core/model/worker-predictor';
import { defaultThreadCount } from '../../core/parallel/worker-pool';
import { workersOption, workersOptionSpec } from '../workers-option';
import { csvLine } from '../../core/screen/csv-writer';
import { writeFileAtomicSync } from '../../core/fs/atomic-write';
import { graphCacheDir } from '../../core/studio-home';
import { formatMetricsTable } from '../metrics-table';
import { modelOptionSpec, resolveModelOption } from '../model-option';

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: "Evaluate a model on any labelled dataset folder (same layout as training): metrics.json and predictions.",
  positionals: 'DATASET_DIR',
  arity: [1, 1],
  options: {
    model: modelOptionSpec('model folder'),
    out: { type: 'string', valueName: 'metrics.json', description: 'where to write the metrics (required)' },
    predictions: { type: 'string', valueName: 'preds.csv', description: 'also write per-crystal true and predicted values' },
    workers: workersOptionSpec('featurize and predict the crystals'),
    split: { type: 'string', valueName: 'PART', description: "all | test | validation: with the model's own training data, only that part of its recorded split (the held-back test crystals: the figures of its card)", default: 'all' },
  },
  details: `Without --model the shipped default model is evaluated (mtcgcnn models lists it and the models you trained or
installed; --model also takes their names). The model's tasks are matched to the dataset's columns by name. metrics.json:
{"tasks": {"<column>": {"n", "mae", "rmse", "r2", "spearman", "unit", and for a band-gap task "roc_auc",
"threshold", "confusion": {"tp", "fp", "tn", "fn"}}}, "average_mae", "model", "dataset"}.`,
  async run(args, io) {
    const dir = path.resolve(args.positionals[0]);
    const outFile = path.resolve(requiredString(args, 'out'));
    const workers = workersOption(args) ?? defaultThreadCount();
    const modelDir = resolveModelOption(args, io).dir;
    const predictor = await Predictor.load(modelDir).catch((e: unknown) => {
      throw new CommandFailure(e instanceof Error ? e.message : String(e));
    });
    const data = await loadLabelledDataset(dir, { settings: predictor.bundle.graphSettings, cacheDir: graphCacheDir(), threads: workers }).catch((e: unknown) => {
      throw new CommandFailure(e instanceof Error ? e.message : String(e));
    });
    let truth: Float64Array[];
    try {
      truth = labelsForTasks(data.scan, data.labels, predictor.tasks);
    } catch (e) {
      throw new CommandFailure((e as Error).message);
    }
    let graphs = data.graphs;
    const part = choiceOption(args, 'split', ['all', 'test', 'validation'] as const, 'all');
    if (part !== 'all') {
      const idx = recordedSplitPart(predictor.bundle.json.trainingCard, data.contentHash, data.graphs.length, part, dir);
      graphs = Array.from(idx, (i) => data.graphs[i]);
      truth = truth.map((col) => Float64Array.from(idx, (i) => col[i]));
    }
    const pred = await predictOnThreads(predictor, graphs, { threads: workers, bundleDir: modelDir, onWarning: (m) => io.err(`warning: ${m}`) });
    const metrics = evaluatePredictions(predictor.tasks, truth, pred.mean, { decisionThresholds: predictor.bundle.decisionThresholds });
    const doc = { ...metrics, model: modelDir, dataset: { dir, crystals: graphs.length, ...(part !== 'all' ? { split: part } : {}), unreadable: data.failed.length, contentHash: data.contentHash } };
    writeFileAtomicSync(outFile, JSON.stringify(doc, null, 2) + '\n');
    const predFile = stringOption(args, 'predictions');
    if (predFile) {
      const header = ['id', ...predictor.tasks.flatMap((t) => [`${t.name}_true (${t.unit})`, `${t.name}_pred (${t.unit})`, ...(pred.std ? [`${t.name}_std (${t.unit})`] : [])])];
      const lines = [csvLine(header)];
      graphs.forEach((g, i) => {
        lines.push(csvLine([g.id, ...truth.flatMap((y, t) => [fmt(y[i]), fmt(pred.mean[t][i]), ...(pred.std ? [fmt(pred.std[t][i])] : [])])]));
      });
      writeFileAtomicSync(path.resolve(predFile), lines.join(''));
    }
    io.out(formatMetricsTable(metrics, `${path.basename(dir)}${part !== 'all' ? `, ${part} split of the model's training` : ''} (${graphs.length} crystals)`));
    io.out(`metrics written to ${outFile} (predicted ${pred.threads > 0 ? `on ${pred.threads} worker threads` : 'on the main thread'})`);
    if (data.failed.length) io.err(`${data.failed.length} unreadable files were left out (first: ${data.failed[0].id}: ${data.failed[0].reason})`);
    return 0;
  },
};

function fmt(x: number): string {
  return Number.isNaN(x) ? '' : String(Number(x.toPrecision(7)));
}

/**
 * The indices of the test or validation part of the split a model was trained with, recomputed from its training card
 * (seed, sizes) for the same dataset (content hash); a CommandFailure says why when that is not possible.
 */
function recordedSplitPart(
  card: TrainingCard | null,
  contentHash: string, n: number, part: 'test' | 'validation', dir: string,
): Int32Array {
  const split = card?.split;
  if (!split || split.seed === null) throw new CommandFailure(`--split ${part}: the model's training card records no seeded split`);
  if (card?.dataset?.contentHash !== contentHash) {
    throw new CommandFailure(`--split ${part}: ${dir} is not the dataset the model was trained on (content hash ${contentHash.slice(0, 12)}, the card's ${String(card?.dataset?.contentHash).slice(0, 12)})`);
  }
  const s = splitIndices(n, { seed: split.seed });
  if (s.val.length !== split.val || s.test.length !== split.test) {
    throw new CommandFailure(`--split ${part}: the recorded split (${split.train}/${split.val}/${split.test}) is not the default 60/20/20 one of ${n} crystals`);
  }
  return part === 'test' ? s.test : s.val;
}
