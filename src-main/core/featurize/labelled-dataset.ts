/**
 * A CGCNN-layout folder as training data: its crystals' graphs with their labels, in CSV order.
 * Crystals whose file cannot be read are left out and listed in `failed` (never dropped silently).
 */
import { createHash } from 'node:crypto';
import { scanDataset, type DatasetScan } from '../dataset';
import type { CrystalGraph, GraphSettings } from '../graph/crystal-graph';
import { encodeGraphs } from '../graph/graph-codec';
import type { ReadOptions } from '../io';
import { featurizeDataset, type FeaturizeError } from './featurize-dataset';
import { METAL_THRESHOLD_EV } from '../metrics/classification';
import { type ModelTaskSpec, PROBABILITY_UNIT, resolveTask } from '../model/config';

export interface LabelledDataset {
  readonly scan: DatasetScan;
  readonly graphs: CrystalGraph[];
  /** Per dataset column (scan.tasks order), one label per graph; NaN = missing. */
  readonly labels: Float64Array[];
  readonly failed: FeaturizeError[];
  /** sha256 of the graphs and labels: identifies the data a model was trained on. */
  readonly contentHash: string;
  readonly featurizeSeconds: number;
}

export interface LoadLabelledOptions {
  readonly settings: GraphSettings;
  readonly readOptions?: ReadOptions;
  readonly cacheDir?: string;
  readonly threads?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export async function loadLabelledDataset(dir: string, options: LoadLabelledOptions): Promise<LabelledDataset> {
  const scan = await scanDataset(dir);
  if (scan.entries.length === 0) throw new Error(`${scan.idPropFile} lists no crystal that has a structure file in ${dir}`);
  const res = await featurizeDataset(
    scan.entries.map((e) => ({ id: e.id, file: e.file })),
    options,
  );
  const keep: number[] = [];
  res.graphs.forEach((g, i) => g && keep.push(i));
  const graphs = keep.map((i) => res.graphs[i]!);
  const labels = scan.tasks.map((_, t) => Float64Array.from(keep, (i) => scan.entries[i].labels[t]));
  const hash = createHash('sha256').update(encodeGraphs(graphs));
  for (const col of labels) hash.update(new Uint8Array(col.buffer));
  return { scan, graphs, labels, failed: res.errors, contentHash: hash.digest('hex'), featurizeSeconds: res.seconds };
}

/** Resolves task names given by the user (exact column names, or unique case-insensitive prefixes). */
export function resolveTaskColumns(scan: DatasetScan, requested: readonly string[]): number[] {
  return requested.map((name) => {
    const exact = scan.tasks.findIndex((t) => t.name === name);
    if (exact >= 0) return exact;
    const matches = scan.tasks.map((t, i) => [t.name.toLowerCase(), i] as const).filter(([n]) => n.startsWith(name.toLowerCase()));
    if (matches.length === 1) return matches[0][1];
    const columns = scan.tasks.map((t) => t.name).join(', ');
    throw new Error(matches.length ? `task "${name}" is ambiguous: ${matches.map(([n]) => n).join(', ')}` : `no column "${name}" in ${scan.idPropFile} (columns: ${columns})`);
  });
}

/**
 * Which columns become which tasks. `classify` entries: "COL" (a column of 0/1 labels learned as a binary
 * classification) or "NAME=COL<X" (a new 0/1 task NAME, 1 where COL < X in COL's unit, e.g.
 * "is_metal=band_gap_eV<0.025"; the derivation is recorded in the task and so in the model card). Derived tasks
 * come after the requested columns. `nonNegative`: columns whose predictions are clamped at 0 (band gaps are by
 * default).
 */
export interface TaskColumnsSpec {
  readonly tasks: readonly string[];
  readonly classify?: readonly string[];
  readonly nonNegative?: readonly string[];
}

export interface TrainingTasks {
  readonly tasks: ModelTaskSpec[];
  /** One column per task, NaN = missing. */
  readonly targets: Float64Array[];
}

const DERIVED = /^\s*([^=<\s]+)\s*=\s*([^<]+?)\s*<\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;

/** The metal / non-metal task derived from a band-gap column: is_metal = 1 where the gap is below 0.025 eV. */
export function metalClassifierSpec(bandGapColumn: string): string {
  return `is_metal=${bandGapColumn}<${METAL_THRESHOLD_EV}`;
}

export function buildTrainingTasks(scan: DatasetScan, labels: readonly Float64Array[], spec: TaskColumnsSpec): TrainingTasks {
  const columns = resolveTaskColumns(scan, spec.tasks);
  const classified = new Set<number>();
  const derived: { name: string; column: number; below: number }[] = [];
  for (const entry of spec.classify ?? []) {
    const m = DERIVED.exec(entry);
    if (m) {
      derived.push({ name: m[1], column: resolveTaskColumns(scan, [m[2]])[0], below: Number(m[3]) });
      continue;
    }
    if (entry.includes('=') || entry.includes('<')) throw new Error(`classification "${entry}" is neither a column nor NAME=COLUMN<THRESHOLD`);
    const c = resolveTaskColumns(scan, [entry.trim()])[0];
    if (!columns.includes(c)) throw new Error(`classification column ${scan.tasks[c].name} is not one of the tasks to learn`);
    const bad = labels[c].find((v) => !Number.isNaN(v) && v !== 0 && v !== 1);
    if (bad !== undefined) throw new Error(`column ${scan.tasks[c].name} of ${scan.idPropFile} holds ${bad}; a classification column holds 0 and 1 only`);
    classified.add(c);
  }
  const nonNegative = new Set((spec.nonNegative ?? []).map((n) => resolveTaskColumns(scan, [n.trim()])[0]));
  for (const c of nonNegative) {
    if (!columns.includes(c)) throw new Error(`non-negative column ${scan.tasks[c].name} is not one of the tasks to learn`);
    if (classified.has(c)) throw new Error(`column ${scan.tasks[c].name} cannot be both a classification and a non-negative property`);
  }
  const tasks: ModelTaskSpec[] = columns.map((c) => {
    const t = scan.tasks[c];
    if (classified.has(c)) return { name: t.name, unit: PROBABILITY_UNIT, kind: 'classification' as const };
    return { name: t.name, unit: t.unit, ...(nonNegative.has(c) ? { nonNegative: true } : {}) };
  });
  const targets = columns.map((c) => labels[c]);
  for (const d of derived) {
    if (tasks.some((t) => t.name === d.name) || scan.tasks.some((t) => t.name === d.name)) {
      throw new Error(`derived task ${d.name} has the name of a column; choose another name`);
    }
    const from = scan.tasks[d.column];
    tasks.push({ name: d.name, unit: PROBABILITY_UNIT, kind: 'classification', derivedFrom: { column: from.name, below: d.below } });
    targets.push(derivedLabels(labels[d.column], d.below));
  }
  return { tasks: tasks.map((t) => resolveTask(t)), targets };
}

/** 0/1 labels of a derived classification task: 1 where the column's value is below `below` (NaN stays missing). */
function derivedLabels(values: ArrayLike<number>, below: number): Float64Array {
  return Float64Array.from(values, (v) => (Number.isNaN(v) ? NaN : v < below ? 1 : 0));
}

/**
 * The dataset's labels for a trained model's tasks, in the model's task order (for evaluation): a task's own column,
 * or for a derived classification task (e.g. is_metal from band_gap_eV < 0.025) the labels derived from its column.
 * Throws naming the task and the columns there are when a column is missing.
 */
export function labelsForTasks(scan: DatasetScan, labels: readonly Float64Array[], tasks: readonly ModelTaskSpec[]): Float64Array[] {
  return tasks.map((t) => {
    const column = t.kind === 'classification' && t.derivedFrom ? t.derivedFrom.column : t.name;
    const c = scan.tasks.findIndex((d) => d.name === column);
    if (c < 0) {
      const what = column === t.name ? `"${t.name}"` : `"${t.name}" (from ${column})`;
      throw new Error(`the model predicts ${what} but ${scan.idPropFile} has no column ${column} (columns: ${scan.tasks.map((d) => d.name).join(', ')})`);
    }
    return t.kind === 'classification' && t.derivedFrom ? derivedLabels(labels[c], t.derivedFrom.below) : labels[c];
  });
}
