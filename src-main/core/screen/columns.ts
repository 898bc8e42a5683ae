/**
 * The screening CSV layout:
 *   id,file,formula,n_atoms,<task> (<unit>)[,<task>_std (<unit>)]...,[metal,]out_of_domain,error
 * - std columns only for an ensemble (ensembleSize > 1), right after their task's column;
 * - metal ("metal" / "non-metal", band gap below / at or above 0.025 eV) only when the model has a band-gap task;
 * - out_of_domain: "true" / "false";
 * - error: empty for a good row; for a file that could not be screened, the reason (all value columns empty).
 */
import type { ScreeningModel, ScreeningTask } from './model';

/** Band gaps below this (eV) count as metals (the usual DFT convention, e.g. MT-CGCNN's sample data). */
export const METAL_GAP_THRESHOLD_EV = 0.025;

export const FIXED_LEADING = ['id', 'file', 'formula', 'n_atoms'] as const;
export const FILE_COLUMN = 1;

export interface OutputLayout {
  readonly header: readonly string[];
  readonly tasks: readonly ScreeningTask[];
  readonly withStd: boolean;
  /** Index of the band-gap task, or -1 when there is no metal column. */
  readonly bandGapTask: number;
  /** The metal threshold in the band-gap task's unit. */
  readonly metalThreshold: number;
}

function columnName(name: string, unit: string): string {
  return unit.trim() === '' ? name : `${name} (${unit})`;
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

export function outputLayout(model: Pick<ScreeningModel, 'tasks' | 'bandGapTask' | 'ensembleSize'>): OutputLayout {
  if (model.tasks.length === 0) throw new RangeError('the model has no tasks');
  const withStd = model.ensembleSize > 1;
  const header: string[] = [...FIXED_LEADING];
  for (const t of model.tasks) {
    header.push(columnName(t.name, t.unit));
    if (withStd) header.push(columnName(`${t.name}_std`, t.unit));
  }
  const bandGapTask = findBandGapTask(model);
  if (bandGapTask >= 0) header.push('metal');
  header.push('out_of_domain', 'error');
  if (new Set(header).size !== header.length) throw new RangeError(`task names give duplicate columns: ${header.join(',')}`);
  return {
    header,
    tasks: model.tasks,
    withStd,
    bandGapTask,
    metalThreshold: bandGapTask >= 0 ? thresholdInUnit(model.tasks[bandGapTask].unit) : NaN,
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
  if (layout.bandGapTask >= 0) {
    const gap = v.mean[layout.bandGapTask];
    row.push(Number.isNaN(gap) ? '' : gap < layout.metalThreshold ? 'metal' : 'non-metal');
  }
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
