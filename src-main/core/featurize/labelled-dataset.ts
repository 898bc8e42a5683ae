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
