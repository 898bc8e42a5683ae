/**
 * The screening CSV layout:
 *   id,file,formula,n_atoms,<task> (<unit>)[,<task>_std (<unit>)]...,[metal,]out_of_domain,error
 * - std columns only for an ensemble (ensembleSize > 1), right after their task's column;
 * - metal ("metal" / "non-metal") when the model has a metal / non-metal classifier (metal when its probability is
 *   above its decision threshold, 0.5 unless one was chosen on the validation split) or else a band-gap task (metal
 *   when the predicted gap is below the model's decision threshold, 0.025 eV unless one was chosen);
 * - a classification task's column is its probability: "<task> (probability)";
 * - out_of_domain: "true" / "false";
 * - error: empty for a good row; for a file that could not be screened, the reason (all value columns empty).
 */
import type { ScreeningModel, ScreeningTask } from './model';
import { isMetalClassifier, taskDefaults } from '../../../src-shared/task-kind';

/** Band gaps below this (eV) count as metals (the usual DFT convention, e.g. MT-CGCNN's sample data). */
export const METAL_GAP_THRESHOLD_EV = 0.025;

export const FIXED_LEADING = ['id', 'file', 'formula', 'n_atoms'] as const;
export const FILE_COLUMN = 1;

export interface OutputLayout {
  readonly header: readonly string[];
  readonly tasks: readonly ScreeningTask[];
  readonly withStd: boolean;
  /** Index of the band-gap task, or -1 when there is none. */
  readonly bandGapTask: number;
  /** The task the metal column comes from (the classifier, else the band gap), -1 when there is no metal column. */
  readonly metalTask: number;
  /** 'probability-above': metal when the classifier's probability > metalThreshold; 'gap-below': gap < metalThreshold. */
  readonly metalRule: 'probability-above' | 'gap-below';
  /** The metal decision threshold (probability, or in the band-gap task's unit). */
  readonly metalThreshold: number;
}

/** Index of the metal / non-metal classification task, or -1. */
export function findMetalClassifier(tasks: readonly ScreeningTask[]): number {
  return tasks.findIndex((t) => isMetalClassifier(t.name, t.kind ?? (t.unit === 'probability' ? 'classification' : 'regression')));
}

/** A value column's header: "<name> (<unit>)", or the bare name when the unit is empty. */
export function columnName(name: string, unit: string): string {
  return unit.trim() === '' ? name : `${name} (${unit})`;
}

const READABLE_FIXED: Readonly<Record<string, string>> = {
  id: 'ID',
  file: 'File',
  formula: 'Formula',
  n_atoms: 'Atoms in cell',
  metal: 'Metal / non-metal',
  out_of_domain: 'Outside training domain',
  error: 'Error',
};

/**
 * The header of a CSV that people read (the app's export, opened in a spreadsheet): each column under its human name,
 * e.g. "Band gap (eV)" and "Band gap ensemble std (eV)" for "band_gap_eV (eV)" and "band_gap_eV_std (eV)". The
 * screening CSV itself keeps the column names (scripts read them). `label` is the task's display name (default: the
 * known property's, else a readable form of the column name); two tasks with the same label keep their column name
 * in brackets, so no two headers are the same. A column this does not know keeps its name.
 */
export function readableHeader(header: readonly string[], tasks: readonly { name: string; unit: string; label?: string }[]): string[] {
  const labels = tasks.map((t) => t.label ?? taskDefaults(t.name, t.unit).displayName);
  const clash = (l: string) => labels.filter((x) => x === l).length > 1;
  const readable = new Map<string, string>(Object.entries(READABLE_FIXED));
  tasks.forEach((t, k) => {
    const label = clash(labels[k]!) ? `${labels[k]} [${t.name}]` : labels[k]!;
    readable.set(columnName(t.name, t.unit), columnName(label, t.unit));
    readable.set(columnName(`${t.name}_std`, t.unit), columnName(`${label} ensemble std`, t.unit));
  });
  return header.map((h) => readable.get(h) ?? h);
}

const BAND_GAP_NAME = /band[\s_-]*gap|^(gap|e_?g)$/i;

export function findBandGapTask(model: Pick<ScreeningModel, 'tasks' | 'bandGapTask'>): number {
  if (model.bandGapTask === null) return -1;
  if (model.bandGapTask !== undefined) {
    const i = model.tasks.findIndex((t) => t.name === model.bandGapTask);
    if (i < 0) throw new RangeError(`bandGapTask "${model.bandGapTask}" is not one of the model's tasks`);
    return i;
  }
  return model.tasks.findIndex((t) => BAND_GAP_NAME.test(t.name.trim()));
}

function thresholdInUnit(unit: string): number {
  const u = unit.trim().toLowerCase();
  if (u === 'mev') return METAL_GAP_THRESHOLD_EV * 1000;
  return METAL_GAP_THRESHOLD_EV;
}

/**
 * The columns of a model's output. `decisionThresholds` must be passed, even when undefined (a model without stored
 * thresholds): every writer and reader of the same model then makes the same metal call.
 */
export function outputLayout(
  model: Pick<ScreeningModel, 'tasks' | 'bandGapTask' | 'ensembleSize'> & { readonly decisionThresholds: ScreeningModel['decisionThresholds'] | undefined },
): OutputLayout {
  if (model.tasks.length === 0) throw new RangeError('the model has no tasks');
  const withStd = model.ensembleSize > 1;
  const header: string[] = [...FIXED_LEADING];
  for (const t of model.tasks) {
    header.push(columnName(t.name, t.unit));
    if (withStd) header.push(columnName(`${t.name}_std`, t.unit));
  }
  const bandGapTask = findBandGapTask(model);
  const classifier = model.bandGapTask === null ? -1 : findMetalClassifier(model.tasks);
  const metalTask = classifier >= 0 ? classifier : bandGapTask;
  if (metalTask >= 0) header.push('metal');
  header.push('out_of_domain', 'error');
  if (new Set(header).size !== header.length) throw new RangeError(`task names give duplicate columns: ${header.join(',')}`);
  const chosen = metalTask >= 0 ? model.decisionThresholds?.[model.tasks[metalTask].name] : undefined;
  return {
    header,
    tasks: model.tasks,
    withStd,
    bandGapTask,
    metalTask,
    metalRule: classifier >= 0 ? 'probability-above' : 'gap-below',
    metalThreshold: metalTask < 0 ? NaN : chosen ?? (classifier >= 0 ? 0.5 : thresholdInUnit(model.tasks[bandGapTask].unit)),
  };
}

/** Shortest text that keeps 7 significant digits; "NaN" / "Infinity" / "-Infinity" for non-finite values. */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return String(Number(x.toPrecision(7)));
}

export interface RowValues {
  id: string;
  file: string;
  formula: string;
  numAtoms: number;
  /** Per task. */
  mean: readonly number[];
  /** Per task, when the prediction came with a std. */
  std?: readonly number[];
  outOfDomain: boolean;
}

/**
 * Why a prediction cannot be reported (a task's value or ensemble std is NaN or infinite), or undefined when it is
 * fine. A non-finite prediction is an error row, never a value.
 */
export function nonFinitePrediction(tasks: readonly { name: string }[], mean: ArrayLike<number>, std?: ArrayLike<number>): string | undefined {
  for (let t = 0; t < tasks.length; t++) {
    if (!Number.isFinite(mean[t])) return `prediction failed: the model gave ${mean[t]} for ${tasks[t].name}`;
    if (std && !Number.isFinite(std[t])) return `prediction failed: the model gave an ensemble spread of ${std[t]} for ${tasks[t].name}`;
  }
  return undefined;
}

export function predictionRow(layout: OutputLayout, v: RowValues): string[] {
  const row = [v.id, v.file, v.formula, String(v.numAtoms)];
  layout.tasks.forEach((_, t) => {
    row.push(formatValue(v.mean[t]));
    if (layout.withStd) row.push(v.std ? formatValue(v.std[t]) : '');
  });
  if (layout.metalTask >= 0) row.push(metalCall(layout, v.mean[layout.metalTask]));
  row.push(v.outOfDomain ? 'true' : 'false', '');
  return row;
}

export function errorRow(layout: OutputLayout, id: string, file: string, error: string, partial: { formula?: string; numAtoms?: number } = {}): string[] {
  const row = new Array<string>(layout.header.length).fill('');
  row[0] = id;
  row[1] = file;
  if (partial.formula !== undefined) row[2] = partial.formula;
  if (partial.numAtoms !== undefined) row[3] = String(partial.numAtoms);
  // Errors are one line in the CSV (quoting would allow more, but one line is friendlier to grep).
  row[row.length - 1] = error.replace(/\s*[\r\n]+\s*/g, ' ').trim() || 'unknown error';
  return row;
}

export function errorColumn(layout: OutputLayout): number {
  return layout.header.length - 1;
}

/** "metal" / "non-metal" from the metal task's prediction ('' for NaN). */
export function metalCall(layout: Pick<OutputLayout, 'metalRule' | 'metalThreshold'>, value: number): '' | 'metal' | 'non-metal' {
  if (Number.isNaN(value)) return '';
  const metal = layout.metalRule === 'probability-above' ? value > layout.metalThreshold : value < layout.metalThreshold;
  return metal ? 'metal' : 'non-metal';
}
