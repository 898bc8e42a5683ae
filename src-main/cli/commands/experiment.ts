/**
 * `mtcgcnn experiment DATASET_DIR --preset paper --out EXP_DIR`: the MT-CGCNN paper's protocol on the user's
 * data (single-task baselines, task combinations, repeats, reduced training data), resumable job by job.
 * The orchestration lives in src-main/core/experiment; this file parses options and prints progress.
 */
import path from 'node:path';
import type { Command, CommandIo, ParsedArgs } from '../command';
import { booleanOption, choiceOption, CommandFailure, numberOption, requiredString, stringOption, UsageError } from '../command';
import { formatSeconds, ProgressReporter } from '../progress';
import { scanDataset } from '../../core/dataset';
import { ElementFeatureTable } from '../../core/element-features';
import { DEFAULT_GRAPH_SETTINGS } from '../../core/graph/crystal-graph';
import { loadLabelledDataset, resolveTaskColumns } from '../../core/featurize/labelled-dataset';
import { displayUnit, formatSig } from '../../../src-shared/text-format';
import { trainModel } from '../../core/train/trainer';
import { SHARING_MODES, TRAIN_DEFAULTS as D, TRAIN_LIMITS as L, WEIGHTING_MODES } from '../../../src-shared/training-settings';
import { NoChromiumError, printHtmlToPdf } from '../../core/report/pdf';
import {
  clearExperimentDir,
  describeJob,
  ExperimentCancelledError,
  ExperimentConflictError,
  fractionText,
  FULL_TRAIN_FRACTION,
  jobCost,
  planExperiment,
  PRESETS,
  runExperimentInDir,
  experimentTables,
  tableMarkdown,
  type ExperimentPlan,
  type ExperimentSettings,
  type ExperimentTask,
  type JobRecord,
  type Trainer,
} from '../../core/experiment';
import { graphCacheDir } from '../../core/studio-home';
import { APP_VERSION } from '../../services/version';

const PRESET_NAMES = Object.keys(PRESETS) as (keyof typeof PRESETS & string)[];

export const experimentCommand: Command = {
  name: 'experiment',
  summary: "Run the MT-CGCNN paper's protocol on a dataset: baselines, task combinations, repeats, reduced data; tables + report.",
  positionals: 'DATASET_DIR',
  arity: [1, 1],
  options: {
    out: { type: 'string', valueName: 'EXP_DIR', description: 'experiment folder: jobs/, results.json, tables, report.html (required)' },
    preset: { type: 'string', valueName: 'NAME', description: `paper (5 repeats, 30 epochs, CGCNN default network) | tiny (smoke test)`, default: 'paper' },
    tasks: { type: 'string', valueName: 'A,B,C', description: 'id_prop.csv columns to study (2 to 8; order sets S1.., E1..)', default: 'all columns' },
    repeats: { type: 'string', valueName: 'N', description: 'random 60/20/20 splits per model (seeds SEED..SEED+N-1)', default: 'preset (paper: 5)' },
    epochs: { type: 'string', valueName: 'N', description: 'training epochs per model', default: `preset (paper: ${D.epochs})` },
    fractions: { type: 'string', valueName: 'F1,F2', description: "training fractions of the WHOLE dataset for the reduced-data study (<= 0.6; 0.6 is always added), or 'none'", default: 'preset (paper: 0.2,0.3,0.4,0.5,0.6)' },
    seed: { type: 'string', valueName: 'S', description: 'first seed', default: '0' },
    'atom-fea': { type: 'string', valueName: 'F', description: 'atom feature width in the convolutions', default: `preset (paper: ${D.convDim})` },
    conv: { type: 'string', valueName: 'N', description: 'convolution layers', default: `preset (paper: ${D.numConv})` },
    hidden: { type: 'string', valueName: 'H', description: 'hidden width after pooling', default: `preset (paper: ${D.hiddenDim})` },
    'head-layers': { type: 'string', valueName: 'N', description: 'hidden layers per task head', default: String(D.headHidden) },
    sharing: { type: 'string', valueName: 'MODE', description: 'hard | soft parameter sharing of the multi-task models', default: D.sharing },
    weighting: { type: 'string', valueName: 'MODE', description: 'fixed | uncertainty | gradnorm task weighting', default: D.weighting },
    'learning-rate': { type: 'string', valueName: 'LR', description: 'Adam learning rate', default: String(D.learningRate) },
    'batch-size': { type: 'string', valueName: 'N', description: 'crystals per batch', default: String(D.batchSize) },
    pdf: { type: 'string', valueName: 'FILE', description: 'also print the report to this PDF (needs Chromium)' },
    chromium: { type: 'string', valueName: 'PATH', description: 'Chromium or Chrome executable for --pdf' },
    title: { type: 'string', valueName: 'TEXT', description: 'report title' },
    force: { type: 'boolean', description: "start over: delete the experiment's files in EXP_DIR first" },
    'dry-run': { type: 'boolean', description: 'print the jobs and exit (reads id_prop.csv only)' },
  },
  details: `
Jobs (k properties; S1..Sk single-task CGCNN baselines, E1..Em multi-task combinations of 2 or more properties,
all of them for k <= 4; pairs and all properties for k > 4; for 3 properties E1 = 1+2, E2 = 1+3, E3 = 2+3, E4 = all):
  every combination x repeat on the full 60 % training part, then the reduced-data study: the all-task model and
  the single-task baselines x fraction x repeat (0.6 is the full training part, taken from the first study).
Every job writes EXP_DIR/jobs/<key>.json when it finishes; stop with Ctrl-C at any time and run the same
command again to continue (finished jobs are skipped, the interrupted one resumes from its checkpoint).
Outputs: results.json, table1_average_mae, table2_mae_per_property, table3_mae_vs_fraction,
table4_spearman_auc_vs_fraction (.csv and .md; all in tables.md), report.html. Details: docs/experiments.md.
Example: mtcgcnn experiment data/ --preset paper --tasks formation_energy_per_atom_eV,band_gap_eV,efermi_eV --out exp/`,
  async run(args, io) {
    const dir = path.resolve(args.positionals[0]);
    const out = path.resolve(requiredString(args, 'out'));
    const presetName = choiceOption(args, 'preset', PRESET_NAMES, 'paper');

    const scan = await scanDataset(dir).catch((e: unknown) => {
      throw new CommandFailure(e instanceof Error ? e.message : String(e));
    });
    const requested = stringOption(args, 'tasks')?.split(',').map((s) => s.trim()).filter(Boolean) ?? scan.tasks.map((t) => t.name);
    let columns: number[];
    try {
      columns = resolveTaskColumns(scan, requested);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (new Set(columns).size !== columns.length) throw new UsageError('--tasks names a column twice');
    const tasks: ExperimentTask[] = columns.map((c) => ({ name: scan.tasks[c].name, unit: scan.tasks[c].unit }));
    if (tasks.length < 2) {
      const what = stringOption(args, 'tasks') !== undefined ? `--tasks names only ${tasks.map((t) => t.name).join('')}` : `${scan.idPropFile} has ${tasks.length ? `only ${tasks[0].name}` : 'no property column'}`;
      throw new UsageError(`the experiment compares multi-task with single-task models and needs at least 2 properties; ${what}`);
    }

    let plan: ExperimentPlan;
    try {
      plan = planExperiment(settingsFromArgs(args, presetName, tasks));
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
    if (booleanOption(args, 'dry-run')) {
      printPlan(io, plan, scan.entries.length, out);
      return 0;
    }

    if (booleanOption(args, 'force')) clearExperimentDir(out);
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      io.err(`featurizing ${dir} ...`);
      const fz = new ProgressReporter('featurize', scan.entries.length, 'crystals', io.progress);
      const data = await loadLabelledDataset(dir, {
        settings: DEFAULT_GRAPH_SETTINGS,
        cacheDir: graphCacheDir(),
        signal: controller.signal,
        onProgress: (done) => fz.update(done),
      }).catch((e: unknown) => {
        if (controller.signal.aborted) throw new CommandFailure('stopped while featurizing; nothing was trained', 130);
        throw new CommandFailure(e instanceof Error ? e.message : String(e));
      });
      if (io.isTty) io.err('');
      io.err(
        `${data.graphs.length} crystals featurized in ${data.featurizeSeconds.toFixed(1)} s` +
          (data.failed.length ? `, ${data.failed.length} unreadable (left out): ${data.failed.slice(0, 3).map((f) => `${f.id}: ${f.reason}`).join('; ')}` : ''),
      );
      printPlan(io, plan, data.graphs.length, out, true);

      const trainer: Trainer = (o, d, c) => trainModel(o, d, c);
      const labels = Object.fromEntries(tasks.map((t, i) => [t.name, data.labels[columns[i]]]));
      let lastProgress = 0;
      const { results, outputs } = await runExperimentInDir(
        plan,
        {
          name: path.basename(dir),
          dir,
          contentHash: data.contentHash,
          graphs: data.graphs,
          labels,
          elementTable: ElementFeatureTable.builtin(),
          graphSettings: DEFAULT_GRAPH_SETTINGS,
          failed: data.failed.length,
        },
        { dir: out, trainer, signal: controller.signal, appVersion: APP_VERSION, title: stringOption(args, 'title') },
        {
          onStart: (s) => {
            if (s.alreadyDone > 0) io.err(`resuming: ${s.alreadyDone} of ${s.total} jobs already done in ${path.join(out, 'jobs')}, ${s.remaining} to run`);
          },
          onTrainProgress: (job, p) => {
            if (!io.isTty) return;
            const now = performance.now();
            if (now - lastProgress < 500) return;
            lastProgress = now;
            io.progress(`  ${job.key}: epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch}, ${p.crystalsPerSecond.toFixed(0)} crystals/s`);
          },
          onLog: (m) => {
            if (/resumed from/.test(m)) io.err(`  ${m}`);
          },
          onJobDone: (e) => {
            if (io.isTty) io.progress('');
            const width = String(e.total).length;
            const eta = e.etaSeconds === undefined ? '?' : formatSeconds(e.etaSeconds);
            io.err(
              `[${String(e.index).padStart(width)}/${e.total}] ${describeJob(e.job)}: ${e.record.trainSize} training crystals; test MAE ${maeText(e.record, tasks)}; ` +
                `${formatSeconds(e.wallSeconds)} on ${e.record.backend.name}; ${e.done}/${e.total} done, elapsed ${formatSeconds(e.elapsedSeconds)}, ETA ${eta}`,
            );
          },
        },
      ).catch((e: unknown) => {
        if (e instanceof ExperimentCancelledError) {
          throw new CommandFailure(`stopped after ${e.done} of ${e.total} jobs (finished jobs are in ${path.join(out, 'jobs')}); run the same command again to continue`, 130);
        }
        if (e instanceof ExperimentConflictError) throw new UsageError(e.message);
        throw e;
      });

      const tables = experimentTables(results);
      io.out(tableMarkdown(tables[0]));
      io.out(tableMarkdown(tables[1]));
      io.out(`experiment written to ${out}: ${results.jobs.length} models, ${formatSeconds(results.trainingSeconds)} of training on ${results.backends.join(', ')}`);
      io.out(`  results: ${outputs.results}`);
      io.out(`  tables:  ${tables.map((t) => `${t.name}.csv/.md`).join(', ')}, tables.md`);
      io.out(`  report:  ${outputs.report}`);
      const pdf = stringOption(args, 'pdf');
      if (pdf) {
        try {
          const r = await printHtmlToPdf(outputs.html, path.resolve(pdf), { chromiumPath: stringOption(args, 'chromium') });
          io.out(`  PDF:     ${r.pdfPath} (${Math.round(r.bytes / 1024)} KiB)`);
        } catch (e) {
          if (e instanceof NoChromiumError) throw new CommandFailure(`${e.message} (the HTML report was written to ${outputs.report})`);
          throw e;
        }
      }
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

function maeText(rec: JobRecord, tasks: readonly ExperimentTask[]): string {
  const unitOf = new Map(tasks.map((t) => [t.name, t.unit]));
  return rec.tasks
    .map((t) => {
      const mae = rec.test?.tasks[t]?.mae;
      const u = displayUnit(unitOf.get(t));
      return `${t} ${mae === null || mae === undefined ? 'n/a' : formatSig(mae)}${u ? ` ${u}` : ''}`;
    })
    .join(', ');
}

function printPlan(io: CommandIo, plan: ExperimentPlan, crystals: number, out: string, short = false): void {
  const s = plan.settings;
  const combos = plan.combinations.map((c) => `${c.label} = ${c.tasks.join(' + ')}`).join('; ');
  const nFraction = plan.jobs.filter((j) => j.study === 'fraction').length;
  const line =
    `plan: ${plan.combinations.length} models (${combos})${plan.cappedCombinations ? ' [more than 4 properties: pairs and all only]' : ''} x ${s.repeats} repeat${s.repeats > 1 ? 's' : ''}` +
    (s.fractions.length ? ` + reduced-data study at ${s.fractions.map(fractionText).join(', ')} (${plan.allTasksLabel} and the single-task models; ${nFraction} jobs)` : '') +
    ` = ${plan.jobs.length} jobs of ${s.train.epochs} epochs (preset ${s.preset}; network ${s.train.model.convDim}/${s.train.model.numConv}/${s.train.model.hiddenDim}) -> ${out}`;
  io.err(line);
  if (short) return;
  const totalCost = plan.jobs.reduce((a, j) => a + jobCost(j, crystals, s.train.epochs), 0);
  const fullCost = jobCost({ trainFraction: FULL_TRAIN_FRACTION }, crystals, s.train.epochs);
  for (const j of plan.jobs) io.out(`${j.key}\t${j.tasks.join('+')}\tseed ${j.seed}\ttrain fraction ${fractionText(j.trainFraction)}`);
  io.out(`${plan.jobs.length} jobs on ${crystals} crystals, about ${(totalCost / fullCost).toFixed(1)} times the work of one full-data model of ${s.train.epochs} epochs`);
}

function settingsFromArgs(args: ParsedArgs, presetName: string, tasks: ExperimentTask[]): ExperimentSettings {
  const p = PRESETS[presetName];
  const fractionsText = stringOption(args, 'fractions');
  let fractions: number[] = [...p.fractions];
  if (fractionsText !== undefined) {
    if (fractionsText.trim().toLowerCase() === 'none') fractions = [];
    else {
      fractions = fractionsText.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
      if (fractions.length === 0 || fractions.some((x) => !Number.isFinite(x))) throw new UsageError(`--fractions must be numbers like 0.2,0.4,0.6 or 'none', got "${fractionsText}"`);
    }
  }
  const m = p.train.model;
  return {
    preset: p.name,
    tasks,
    repeats: numberOption(args, 'repeats', p.repeats, { min: 1, max: 100, integer: true }),
    baseSeed: numberOption(args, 'seed', 0, { min: 0, max: 2 ** 31 - 200, integer: true }),
    fractions,
    train: {
      epochs: numberOption(args, 'epochs', p.train.epochs, L.epochs),
      learningRate: numberOption(args, 'learning-rate', p.train.learningRate, L.learningRate),
      weightDecay: p.train.weightDecay,
      batchSize: numberOption(args, 'batch-size', p.train.batchSize, L.batchSize),
      weighting: choiceOption(args, 'weighting', WEIGHTING_MODES, p.train.weighting),
      model: {
        convDim: numberOption(args, 'atom-fea', m.convDim, L.convDim),
        numConv: numberOption(args, 'conv', m.numConv, L.numConv),
        hiddenDim: numberOption(args, 'hidden', m.hiddenDim, L.hiddenDim),
        headHidden: numberOption(args, 'head-layers', m.headHidden, L.headHidden),
        sharing: choiceOption(args, 'sharing', SHARING_MODES, m.sharing),
      },
    },
  };
}
