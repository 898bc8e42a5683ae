/**
 * One featurization task: read a chunk of structure files and build their crystal graphs. Runs inside
 * a worker thread (featurize-worker.ts) or in-process; never throws for a bad file: each file's failure
 * becomes an error entry with a one-line reason.
 */
import { readStructureFileSync, StructureReadError, type NamedStructure, type ReadOptions } from '../io';
import { fileStem } from '../io/util';
import { buildCrystalGraph } from '../graph/build-graph';
import type { CrystalGraph, GraphSettings } from '../graph/crystal-graph';
import { encodeGraphs } from '../graph/graph-codec';
import type { FoundFile } from '../screen/file-walk';
import type { GraphOutcome } from '../screen/predict-outcomes';

export interface FeaturizeRequest {
  readonly files: readonly FoundFile[];
  readonly graphSettings: GraphSettings;
  readonly readOptions: ReadOptions;
}

/** One output row to be: a crystal with a graph, or an error. */
export interface FeaturizedEntry {
  readonly id: string;
  /** Index into the response's graphs (absent for an error). */
  readonly graph?: number;
  readonly formula?: string;
  readonly numAtoms?: number;
  readonly error?: string;
}

export interface FeaturizedFile {
  readonly relPath: string;
  readonly entries: FeaturizedEntry[];
  /** Reader warnings (repairs, guesses, skipped blocks). */
  readonly warnings: string[];
}

export interface FeaturizeResponse {
  readonly files: FeaturizedFile[];
  /** The chunk's graphs in the graph codec's binary form (one transferable buffer). */
  readonly graphs: Uint8Array;
  /** One per graph, when the worker also predicted them (a worker given a model: model-tasks.ts). */
  readonly predictions?: GraphOutcome[];
}

/** One-line reason for the CSV error column, e.g. "truncated (line 31): the file ends inside a loop". */
export function describeError(err: unknown): string {
  if (err instanceof StructureReadError) {
    const where: string[] = [];
    if (err.block !== undefined) where.push(`block data_${err.block}`);
    if (err.line !== undefined) where.push(`line ${err.line}`);
    return `${err.code}${where.length ? ` (${where.join(', ')})` : ''}: ${err.reason}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The row id of each structure: the file stem, or stem#block for a file with several structures. */
export function crystalIds(relPath: string, structures: readonly Pick<NamedStructure, 'name'>[]): string[] {
  const stem = fileStem(relPath);
  if (structures.length === 1) return [stem];
  return structures.map((s) => (s.name.startsWith(`${stem}#`) ? s.name : `${stem}#${s.name}`));
}

/** Reads one file and appends its graphs to `graphs`. */
export function featurizeFile(file: FoundFile, graphSettings: GraphSettings, readOptions: ReadOptions, graphs: CrystalGraph[]): FeaturizedFile {
  const stem = fileStem(file.relPath);
  let structures: NamedStructure[];
  try {
    structures = readStructureFileSync(file.path, readOptions);
    if (structures.length === 0) throw new Error('no structure in the file');
  } catch (err) {
    return { relPath: file.relPath, entries: [{ id: stem, error: describeError(err) }], warnings: [] };
  }
  const ids = crystalIds(file.relPath, structures);
  const warnings = [...new Set(structures.flatMap((s) => s.warnings))];
  const entries = structures.map((s, i): FeaturizedEntry => {
    const formula = s.structure.reducedFormula();
    const numAtoms = s.structure.numSites;
    try {
      const graph = buildCrystalGraph(ids[i], s.structure, graphSettings);
      graphs.push(graph);
      return { id: ids[i], graph: graphs.length - 1, formula, numAtoms };
    } catch (err) {
      return { id: ids[i], formula, numAtoms, error: `graph: ${describeError(err)}` };
    }
  });
  return { relPath: file.relPath, entries, warnings };
}

/** The files of a task with their graphs (unpacked). */
export function featurizeFiles(req: FeaturizeRequest): { files: FeaturizedFile[]; graphs: CrystalGraph[] } {
  const graphs: CrystalGraph[] = [];
  const files = req.files.map((f) => featurizeFile(f, req.graphSettings, req.readOptions, graphs));
  return { files, graphs };
}

/** The whole task (synchronous; what a worker runs). */
export function featurizeChunk(req: FeaturizeRequest): FeaturizeResponse {
  const { files, graphs } = featurizeFiles(req);
  return { files, graphs: encodeGraphs(graphs) };
}
