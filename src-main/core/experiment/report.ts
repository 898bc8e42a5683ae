/** Experiment results -> the report layer's ExperimentReport (rendered by renderExperimentReportHtml). */
import type { ExperimentReport, FractionRun } from '../report/report-model';
import { formatDuration } from '../../../src-shared/text-format';
import { FULL_TRAIN_FRACTION, fractionText } from './plan';
import type { ExperimentResults } from './results';

export interface ExperimentReportOptions {
  readonly title?: string;
  readonly notes?: string;
  readonly appVersion?: string;
  readonly createdIso?: string;
}

export function experimentReport(r: ExperimentResults, options: ExperimentReportOptions = {}): ExperimentReport {
  const s = r.settings;
  const tasks = s.tasks.map((t) => ({ name: t.name, unit: t.unit }));
  // Both the experiment and the report layer count training data as a share of ALL crystals (as
  // `train --train-fraction`): 0.2 is drawn at 20 %, the full training part (0.6) at 60 %.
  const fractionRuns: FractionRun[] = r.fractionRuns.map((f) => ({
    label: f.label,
    trainingFraction: f.trainFraction,
    trainSize: f.trainSize,
    repeat: f.repeat,
    mae: f.mae,
    spearman: f.spearman,
    rocAuc: f.rocAuc,
  }));
  const combos = r.combinations.map((c) => `${c.label} = ${c.tasks.join(' + ')}`).join('; ');
  const fractions = s.fractions.length
    ? ` Reduced-data study: the all-task model (${r.allTasksLabel}) and the single-task models trained on ${s.fractions.map(fractionText).join(', ')} of all crystals (${fractionText(FULL_TRAIN_FRACTION)} = the full training part), validation and test parts unchanged.`
    : '';
  const incomplete = r.complete ? '' : ` INCOMPLETE: ${r.missingJobs.length} of ${r.totalJobs} jobs have not run yet; the tables show the finished ones.`;
  const description =
    `MT-CGCNN protocol (Sanyal et al. 2018), preset ${s.preset}: ${r.jobs.length} models trained in ${formatDuration(r.trainingSeconds)}, ` +
    `${s.repeats} random 60/20/20 split${s.repeats > 1 ? 's' : ''} (seeds ${s.baseSeed}..${s.baseSeed + s.repeats - 1}), ${s.train.epochs} epochs each. ` +
    `Combinations: ${combos}${r.cappedCombinations ? ' (more than 4 properties: pairs and the all-task model only)' : ''}.${fractions}${incomplete}` +
    (options.notes ? `\n${options.notes}` : '');
  const m = s.train.model;
  return {
    title: options.title ?? `MT-CGCNN experiment: ${s.tasks.map((t) => t.name).join(', ')} on ${r.dataset.name}`,
    createdIso: options.createdIso ?? new Date().toISOString(),
    appVersion: options.appVersion ?? r.appVersion,
    backend: r.backends.join(', ') || 'n/a',
    description,
    dataset: {
      name: r.dataset.name,
      dir: r.dataset.dir,
      contentHash: r.dataset.contentHash,
      crystals: r.dataset.crystals,
      split: r.dataset.split,
      seed: s.baseSeed,
      labelsPerTask: r.dataset.labelsPerTask,
    },
    model: {
      kind: 'MT-CGCNN',
      tasks,
      sharing: m.sharing,
      weighting: { mode: s.train.weighting },
      architecture: { atomFeatures: m.convDim, convLayers: m.numConv, hidden: m.hiddenDim, headLayers: m.headHidden },
      graph: r.dataset.graph,
      backend: r.backends.join(', ') || 'n/a',
      trainingSeconds: r.trainingSeconds,
      epochs: s.train.epochs,
      ensembleSize: 1,
    },
    tasks,
    combinationRuns: r.combinationRuns,
    fractionRuns,
    // One job = one trained model; the fraction runs merge single-task models and reuse the 0.6 models.
    trainedModels: r.jobs.length,
  };
}
