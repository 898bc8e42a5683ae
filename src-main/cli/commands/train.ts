import path from 'node:path';
import type { Command, ParsedArgs } from '../command';
import { CommandFailure, UsageError, booleanOption, choiceOption, numberOption, requiredString, stringOption } from '../command';
import { formatSeconds } from '../progress';
import { DEFAULT_GRAPH_SETTINGS } from '../../core/graph/crystal-graph';
import { ElementFeatureTable } from '../../core/element-features';
import { buildTrainingTasks, loadLabelledDataset } from '../../core/featurize/labelled-dataset';
import { resolveTask } from '../../core/model/config';
import { loadBundle } from '../../core/model/bundle';
import {
  LOSS_KINDS, MAX_DEFAULT_TRAINING_WORKERS, PATIENCE_LIMITS, RECIPE_DEFAULTS as R, RECIPE_LIMITS, SHARING_MODES, TRAIN_DEFAULTS as D, TRAIN_FRACTION_LIMITS,
  TRAIN_LIMITS as L, WEIGHTING_MODES, WORKER_LIMITS,
} from '../../../src-shared/training-settings';
import { defaultTrainingWorkers } from '../../core/train/data-parallel';
import { trainModel, type TrainOptions, type TrainProgress } from '../../core/train';
import type { LossWeightingSpec } from '../../core/train/loss';
import { TRUNK_FIELDS, transferSourceFromBundle, transferredArchitecture, type TransferOptions } from '../../core/train/transfer';
import { modelOptionSpec, resolveModelArgument } from '../model-option';
import { saveTrainedModel } from '../../services/training-run';
import { graphCacheDir } from '../../core/studio-home';
import { formatMetricsTable } from '../metrics-table';

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a single-task CGCNN or multi-task MT-CGCNN on a dataset folder and write a model bundle.',
  positionals: 'DATASET_DIR',
  arity: [1, 1],
  options: {
    tasks: { type: 'string', valueName: 'COL1,COL2', description: 'id_prop.csv columns to learn (one = CGCNN baseline, several = MT-CGCNN)', default: 'all columns' },
    out: { type: 'string', valueName: 'MODEL_DIR', description: 'folder for the model bundle (required)' },
    weights: { type: 'string', valueName: 'W1,W2', description: 'fixed loss weights per task (MT-CGCNN eq. 6-7)', default: 'all 1' },
    weighting: { type: 'string', valueName: 'MODE', description: 'fixed | uncertainty (Kendall et al. 2018) | gradnorm (Chen et al. 2018)', default: D.weighting },
    sharing: { type: 'string', valueName: 'MODE', description: 'hard (shared trunk, per-task heads) | soft (one tower per task, L2 tie)', default: D.sharing },
    'soft-strength': { type: 'string', valueName: 'X', description: 'soft sharing L2 penalty strength', default: String(D.softSharingStrength) },
    epochs: { type: 'string', valueName: 'N', description: 'training epochs', default: String(D.epochs) },
    'learning-rate': { type: 'string', valueName: 'LR', description: 'Adam learning rate', default: String(D.learningRate) },
    'weight-decay': { type: 'string', valueName: 'X', description: 'decoupled weight decay', default: String(D.weightDecay) },
    'batch-size': { type: 'string', valueName: 'N', description: 'crystals per batch (also capped by an edge budget)', default: String(D.batchSize) },
    patience: { type: 'string', valueName: 'N', description: 'early stopping after N epochs without a better validation average MAE', default: 'off' },
    'train-fraction': { type: 'string', valueName: 'F', description: `fraction of ALL crystals used for training (<= ${TRAIN_FRACTION_LIMITS.max}; validation and test stay fixed)`, default: String(D.trainRatio) },
    seed: { type: 'string', valueName: 'S', description: 'split, initialisation and shuffle seed', default: String(D.seed) },
    ensemble: { type: 'string', valueName: 'K', description: 'train K members; predictions give mean and standard deviation', default: String(D.members) },
    workers: { type: 'string', valueName: 'K', description: 'training threads sharing every batch (data-parallel WebAssembly workers; 1 = one thread)', default: `physical cores - 1, at most ${MAX_DEFAULT_TRAINING_WORKERS - 1} (here ${defaultTrainingWorkers()})` },
    'atom-fea': { type: 'string', valueName: 'F', description: 'atom feature width in the convolutions', default: String(D.convDim) },
    conv: { type: 'string', valueName: 'N', description: 'convolution layers', default: String(D.numConv) },
    hidden: { type: 'string', valueName: 'H', description: 'hidden width after pooling', default: String(D.hiddenDim) },
    'head-layers': { type: 'string', valueName: 'N', description: 'hidden layers per task head (n_hp)', default: String(D.headHidden) },
    'atom-init': { type: 'string', valueName: 'FILE', description: "element features in CGCNN's atom_init.json format", default: "built-in 92-dim table (with --from: the model's)" },
    loss: { type: 'string', valueName: 'KIND', description: `loss of the regression tasks on scaled targets: ${LOSS_KINDS.join(' | ')} (classification tasks always use the logistic loss)`, default: R.loss },
    'warmup-epochs': { type: 'string', valueName: 'N', description: 'linear learning-rate warm-up epochs before the cosine decay', default: String(R.warmupEpochs) },
    classify: { type: 'string', valueName: 'SPEC,...', description: 'classification tasks: COL (a 0/1 column) or NAME=COL<X (1 where COL < X), e.g. is_metal=band_gap_eV<0.025' },
    'non-negative': { type: 'string', valueName: 'COL1,COL2', description: 'columns that cannot be negative: predictions clamped at 0', default: 'band gaps' },
    from: { ...modelOptionSpec('start from this trained model (fine-tuning): a model folder'), default: 'random initialisation' },
    'freeze-convs': { type: 'boolean', description: 'with --from: keep the embedding and convolution weights fixed' },
    'trunk-lr-factor': { type: 'string', valueName: 'X', description: `with --from: learning rate of the shared trunk = X times --learning-rate (${RECIPE_LIMITS.trunkLrFactor.min} to ${RECIPE_LIMITS.trunkLrFactor.max})`, default: String(R.trunkLrFactor) },
    'no-resume': { type: 'boolean', description: 'start over even if MODEL_DIR holds a checkpoint of an interrupted run' },
    quiet: { type: 'boolean', description: 'no per-epoch lines' },
  },
  details: `Split: seeded random 60/20/20 (train/validation/test) as in the MT-CGCNN paper; target normalisation is
fitted on the training split only. The best epoch by validation average MAE is kept. A checkpoint is written
after every epoch: run the same command again to resume an interrupted run with identical results.
Example: mtcgcnn train data/ --tasks formation_energy_per_atom_eV,band_gap_eV --epochs 30 --out models/e1`,
  async run(args, io) {
    const dir = path.resolve(args.positionals[0]);
    const out = path.resolve(requiredString(args, 'out'));
    const options = trainOptionsFromArgs(args);
    const transfer = transferFromArgs(args, io);
    if (transfer) {
      const arch = transferredArchitecture(transfer.source);
      for (const [field, flag] of Object.entries(TRUNK_FLAGS) as [keyof typeof arch, string][]) {
        const given = options.model?.[field];
        if (stringOption(args, flag) !== undefined && given !== arch[field]) {
          throw new UsageError(`--${flag} ${String(given)} differs from ${transfer.source.name}, which has ${field} = ${String(arch[field])}; leave --${flag} out with --from`);
        }
      }
      options.model = { ...options.model, ...arch };
      options.transfer = transfer;
    }
    const atomInit = stringOption(args, 'atom-init');
    const features = atomInit
      ? ElementFeatureTable.loadFile(path.resolve(atomInit))
      : transfer
        ? ElementFeatureTable.fromCgcnnJson(loadBundle(transfer.source.dir).json.elementFeatures.table, `${transfer.source.name} model.json`)
        : ElementFeatureTable.builtin();

    io.err(`featurizing ${dir} ...`);
    const data = await loadLabelledDataset(dir, { settings: DEFAULT_GRAPH_SETTINGS, cacheDir: graphCacheDir() }).catch((e: unknown) => {
      throw new CommandFailure(e instanceof Error ? e.message : String(e));
    });
    const list = (name: string): string[] | undefined => stringOption(args, name)?.split(',').map((s) => s.trim()).filter(Boolean);
    const requested = list('tasks') ?? data.scan.tasks.map((t) => t.name);
    let built: ReturnType<typeof buildTrainingTasks>;
    try {
      built = buildTrainingTasks(data.scan, data.labels, { tasks: requested, classify: list('classify'), nonNegative: list('non-negative') });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { tasks, targets } = built;
    const weights = stringOption(args, 'weights');
    if (weights) {
      const w = weights.split(',').map(Number);
      if (w.length !== tasks.length || w.some((x) => !(x >= 0))) throw new UsageError(`--weights needs ${tasks.length} non-negative numbers, got "${weights}"`);
      if (options.lossWeighting?.kind !== 'fixed') throw new UsageError('--weights only goes with --weighting fixed');
      options.lossWeighting = { kind: 'fixed', weights: w };
    }
    io.err(`${data.graphs.length} crystals featurized in ${data.featurizeSeconds.toFixed(1)} s` + (data.failed.length ? `, ${data.failed.length} unreadable (left out): ${data.failed.slice(0, 3).map((f) => `${f.id}: ${f.reason}`).join('; ')}` : ''));
    for (const [i, t] of tasks.entries()) {
      const n = targets[i].reduce((a, v) => a + (Number.isNaN(v) ? 0 : 1), 0);
      const how = t.kind === 'classification'
        ? `classification${t.derivedFrom ? `, 1 where ${t.derivedFrom.column} < ${t.derivedFrom.below}` : ''}`
        : `${t.unit || 'unitless'}${t.nonNegative ? ', non-negative' : ''}`;
      const kept = transfer && transfer.source.config.tasks.some((s) => s.name === t.name) ? `; head from ${transfer.source.name}` : '';
      io.err(`task ${t.name} = ${resolveTask(t).displayName} (${how}): ${n} labels${kept}`);
    }

    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    const quiet = booleanOption(args, 'quiet');
    let lastProgress = 0;
    const trainingData = {
      graphs: data.graphs,
      targets,
      tasks,
      elementTable: features,
      graphSettings: DEFAULT_GRAPH_SETTINGS,
      datasetName: path.basename(dir),
      datasetHash: data.contentHash,
    };
    const result = await trainModel(
      { ...options, checkpointPath: path.join(out, 'checkpoint.bin'), resume: !booleanOption(args, 'no-resume'), signal: controller.signal },
      trainingData,
      {
        onProgress: (p) => {
          const now = performance.now();
          if (p.phase === 'train' && now - lastProgress > 1000) {
            lastProgress = now;
            io.progress(progressLine(p));
          }
        },
        onEpoch: (r) => {
          if (quiet) return;
          if (io.isTty) io.err('');
          const val = tasks.map((t, i) => `${t.name} ${fmt(r.valMae[i])} ${t.kind === 'classification' ? '(probability)' : t.unit}`).join(', ');
          const w = tasks.length > 1 ? `; weights ${r.weights.map((x) => x.toFixed(3)).join(', ')}` : '';
          io.err(`${options.members! > 1 ? `member ${r.member + 1} ` : ''}epoch ${r.epoch}/${options.epochs}: train loss ${r.trainLoss.map((x) => x.toFixed(4)).join(', ')}; validation MAE ${val}; lr ${r.lr.toExponential(2)}${w}; ${r.seconds.toFixed(1)} s`);
        },
        // The per-epoch summary above replaces the trainer's own epoch line.
        onLog: (m) => /^member \d+ epoch /.test(m) || io.err(m),
      },
    ).catch((e: unknown) => {
      if (controller.signal.aborted) throw new CommandFailure(`training interrupted; run the same command again to resume from ${path.join(out, 'checkpoint.bin')}`, 130);
      throw e;
    }).finally(() => process.off('SIGINT', onSigint));

    saveTrainedModel(out, result, trainingData, data.graphs, {
      datasetDir: dir, command: ['mtcgcnn', 'train', ...process.argv.slice(3)].join(' '),
      ...(transfer ? { startedFrom: { name: transfer.source.name, dir: transfer.source.dir } } : {}),
    });
    io.out(`model written to ${out} (${result.members.length} member${result.members.length > 1 ? 's' : ''}, backend ${result.backend.name}, ${formatSeconds(result.durationSeconds)})`);
    if (result.testMetrics) io.out(formatMetricsTable(result.testMetrics, `test split (${result.split.test.length} crystals)`));
    return 0;
  },
};

function fmt(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(4);
}

function progressLine(p: TrainProgress): string {
  const losses = Object.entries(p.perTaskTrainLoss).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
  return `${p.members > 1 ? `member ${p.member + 1}/${p.members} ` : ''}epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch}: loss ${losses}; ${p.crystalsPerSecond.toFixed(0)} crystals/s; elapsed ${formatSeconds(p.elapsedSeconds)}, ETA ${formatSeconds(p.etaSeconds)}`;
}

/**
 * --from MODEL (resolved like --model), --freeze-convs, --trunk-lr-factor. Undefined without --from; the two others
 * without --from are a usage error.
 */
function transferFromArgs(args: ParsedArgs, io: Parameters<Command['run']>[1]): TransferOptions | undefined {
  const from = stringOption(args, 'from');
  const freezeConvs = booleanOption(args, 'freeze-convs');
  const factorGiven = stringOption(args, 'trunk-lr-factor') !== undefined;
  if (from === undefined) {
    if (freezeConvs || factorGiven) throw new UsageError('--freeze-convs and --trunk-lr-factor go with --from MODEL');
    return undefined;
  }
  if (from.trim() === '') throw new UsageError('--from is empty');
  if (stringOption(args, 'sharing') === 'soft') throw new UsageError('--from fine-tunes a hard-sharing model; leave out --sharing soft');
  const resolved = resolveModelArgument(from, io);
  const source = transferSourceFromBundle(loadBundle(resolved.dir), resolved.name);
  return { source, freezeConvs, trunkLrFactor: numberOption(args, 'trunk-lr-factor', R.trunkLrFactor, RECIPE_LIMITS.trunkLrFactor) };
}

/** Architecture options that --from fixes (the model's own) and the flag that sets each. */
const TRUNK_FLAGS: Partial<Record<(typeof TRUNK_FIELDS)[number], string>> = { convDim: 'atom-fea', numConv: 'conv', hiddenDim: 'hidden', headHidden: 'head-layers' };

/** Defaults and ranges are the training settings' (src-shared/training-settings.ts), as in the desktop app. */
export function trainOptionsFromArgs(args: ParsedArgs): TrainOptions {
  const weighting = choiceOption(args, 'weighting', WEIGHTING_MODES, D.weighting);
  const patience = stringOption(args, 'patience');
  const seed = numberOption(args, 'seed', D.seed, L.seed);
  const warmup = stringOption(args, 'warmup-epochs');
  return {
    loss: choiceOption(args, 'loss', LOSS_KINDS, R.loss),
    ...(warmup !== undefined ? { warmupEpochs: numberOption(args, 'warmup-epochs', R.warmupEpochs, RECIPE_LIMITS.warmupEpochs) } : {}),
    epochs: numberOption(args, 'epochs', D.epochs, L.epochs),
    learningRate: numberOption(args, 'learning-rate', D.learningRate, L.learningRate),
    weightDecay: numberOption(args, 'weight-decay', D.weightDecay, L.weightDecay),
    batchSize: numberOption(args, 'batch-size', D.batchSize, L.batchSize),
    ...(patience !== undefined && patience !== 'off' ? { patience: numberOption(args, 'patience', 0, PATIENCE_LIMITS) } : {}),
    seed,
    split: { seed, trainFraction: numberOption(args, 'train-fraction', D.trainRatio, TRAIN_FRACTION_LIMITS) },
    members: numberOption(args, 'ensemble', D.members, L.members),
    workers: numberOption(args, 'workers', defaultTrainingWorkers(), WORKER_LIMITS),
    lossWeighting: { kind: weighting } as LossWeightingSpec,
    model: {
      sharing: choiceOption(args, 'sharing', SHARING_MODES, D.sharing),
      softSharingStrength: numberOption(args, 'soft-strength', D.softSharingStrength, L.softSharingStrength),
      convDim: numberOption(args, 'atom-fea', D.convDim, L.convDim),
      numConv: numberOption(args, 'conv', D.numConv, L.numConv),
      hiddenDim: numberOption(args, 'hidden', D.hiddenDim, L.hiddenDim),
      headHidden: numberOption(args, 'head-layers', D.headHidden, L.headHidden),
    },
  };
}
