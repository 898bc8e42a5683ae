/**
 * Scans a dataset folder in the CGCNN / MT-CGCNN layout:
 *
 *   my-dataset/
 *     id_prop.csv        id,value_1,...,value_k (header optional, see id-prop.ts)
 *     <id>.cif           one structure per row (also <id>.vasp, <id>.poscar, <id>.xyz, ...)
 *     atom_init.json     optional element features; noticed, but the builtin table stays the default
 *
 * No structure is parsed here (see validation-report.ts): this only matches CSV rows to files.
 */
import { closeSync, fstatSync, openSync, promises as fsp, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inferUnit } from '../../../src-shared/task-kind';
import { type SkipSummary, SkipTally } from '../screen/file-walk';
import { ID_PROP_MAX_BYTES, IdPropTooLargeError, type IdPropDuplicate, type IdPropIssue, type IdPropOptions, parseIdProp } from './id-prop';

export type StructureFileFormat = 'cif' | 'poscar' | 'xyz';

/**
 * File extensions tried after each id, in order of preference (lower case; matching is
 * case-insensitive). When several exist for one id, the first wins and the id is reported in `ambiguous`.
 */
export const STRUCTURE_EXTENSIONS: readonly (readonly [string, StructureFileFormat])[] = Object.freeze([
  ['.cif', 'cif'],
  ['.mcif', 'cif'],
  ['.vasp', 'poscar'],
  ['.poscar', 'poscar'],
  ['.xyz', 'xyz'],
  ['.extxyz', 'xyz'],
] as const);

export const ID_PROP_FILE = 'id_prop.csv';
export const ATOM_INIT_FILE = 'atom_init.json';

export interface DatasetTask {
  name: string;
  /** Unit inferred from the column name (e.g. 'eV/atom'); '' when unknown. */
  unit: string;
}

export interface DatasetEntry {
  id: string;
  /** Absolute path of the structure file. */
  file: string;
  format: StructureFileFormat;
  /** One value per task; NaN = missing label. */
  labels: Float64Array;
  /** Line of the row in id_prop.csv. */
  line: number;
}

export interface DatasetScan {
  /** Absolute folder path. */
  dir: string;
  /** Absolute path of id_prop.csv. */
  idPropFile: string;
  tasks: DatasetTask[];
  hasHeader: boolean;
  /** CSV rows that have a structure file, in CSV order. */
  entries: DatasetEntry[];
  /** Ids in the CSV without a structure file, in CSV order. */
  missingFiles: string[];
  /** Structure files (names, sorted) whose stem is not an id in the CSV. */
  orphanFiles: string[];
  /** Ids with more than one structure file (e.g. both .cif and .vasp); the preferred one is used. */
  ambiguous: { id: string; files: string[] }[];
  /** Ids matched to a file only when ignoring case (e.g. id "MP-1" and file "mp-1.cif"). */
  caseMismatches: { id: string; file: string }[];
  duplicateIds: IdPropDuplicate[];
  /** Malformed CSV rows (with line numbers); those rows are not in `entries` or `missingFiles`. */
  csvIssues: IdPropIssue[];
  /** Non-blank CSV data rows, valid or not. */
  csvDataLines: number;
  /** Number of structure files in the folder (matched or not). */
  structureFileCount: number;
  /** Absolute path of the folder's atom_init.json, or null. The builtin feature table is still the default. */
  atomInitFile: string | null;
  /** Files of the folder that are not read: not a dataset structure file, the CSV or atom_init.json (unknown kind), or hidden. */
  notRead: SkipSummary;
}

export interface ScanOptions {
  /** CSV file name inside the folder (default id_prop.csv). */
  idPropName?: string;
  header?: IdPropOptions['header'];
  /** Unit inference from a column name (default: src-shared/task-kind inferUnit). */
  inferUnit?: (columnName: string) => string;
}

/** Format and id of a structure file name, or undefined for other files. */
export function structureFileInfo(name: string): { stem: string; ext: string; format: StructureFileFormat } | undefined {
  const lower = name.toLowerCase();
  for (const [ext, format] of STRUCTURE_EXTENSIONS) {
    if (lower.endsWith(ext) && name.length > ext.length) return { stem: name.slice(0, name.length - ext.length), ext, format };
  }
  return undefined;
}

/**
 * Pure core of the scan: the CSV text and the folder's file names (plain files only) in, the match out.
 * Exposed for tests and for callers that list folders themselves.
 */
export function buildScan(dir: string, csvText: string, fileNames: readonly string[], options: ScanOptions = {}): DatasetScan {
  const absDir = resolve(dir);
  const idPropName = options.idPropName ?? ID_PROP_FILE;
  const table = parseIdProp(csvText, { source: join(absDir, idPropName), header: options.header ?? 'auto' });
  const unitOf = options.inferUnit ?? inferUnit;

  // stem -> candidate files in preference order
  const byStem = new Map<string, { name: string; format: StructureFileFormat; rank: number }[]>();
  const byLowerStem = new Map<string, string[]>();
  let structureFileCount = 0;
  let atomInitFile: string | null = null;
  const notRead = new SkipTally();
  for (const name of fileNames) {
    if (name === ATOM_INIT_FILE) atomInitFile = join(absDir, name);
    if (name.startsWith('.')) {
      notRead.add({ relPath: name, reason: 'hidden' });
      continue;
    }
    const info = structureFileInfo(name);
    if (!info) {
      if (name !== ATOM_INIT_FILE && name !== idPropName) notRead.add({ relPath: name, reason: 'unknown kind' });
      continue;
    }
    structureFileCount++;
    const rank = STRUCTURE_EXTENSIONS.findIndex(([e]) => e === info.ext);
    const list = byStem.get(info.stem) ?? [];
    list.push({ name, format: info.format, rank });
    byStem.set(info.stem, list);
    const lower = info.stem.toLowerCase();
    const stems = byLowerStem.get(lower) ?? [];
    if (!stems.includes(info.stem)) stems.push(info.stem);
    byLowerStem.set(lower, stems);
  }
  for (const list of byStem.values()) list.sort((a, b) => a.rank - b.rank || (a.name < b.name ? -1 : 1));

  const entries: DatasetEntry[] = [];
  const missingFiles: string[] = [];
  const ambiguous: { id: string; files: string[] }[] = [];
  const caseMismatches: { id: string; file: string }[] = [];
  const usedStems = new Set<string>();
  // Exact stems first, so a case-insensitive fallback never takes a file that another id names exactly.
  const stemOf: (string | undefined)[] = table.rows.map((row) => {
    if (!byStem.has(row.id)) return undefined;
    usedStems.add(row.id);
    return row.id;
  });
  table.rows.forEach((row, i) => {
    if (stemOf[i] !== undefined) return;
    const alt = byLowerStem.get(row.id.toLowerCase());
    if (alt && alt.length === 1 && !usedStems.has(alt[0])) {
      usedStems.add(alt[0]);
      stemOf[i] = alt[0];
    }
  });
  table.rows.forEach((row, i) => {
    const stem = stemOf[i];
    if (stem === undefined) {
      missingFiles.push(row.id);
      return;
    }
    const files = byStem.get(stem)!;
    if (files.length > 1) ambiguous.push({ id: row.id, files: files.map((f) => f.name) });
    if (stem !== row.id) caseMismatches.push({ id: row.id, file: files[0].name });
    entries.push({ id: row.id, file: join(absDir, files[0].name), format: files[0].format, labels: row.labels, line: row.line });
  });
  const orphanFiles: string[] = [];
  for (const [stem, files] of byStem) if (!usedStems.has(stem)) for (const f of files) orphanFiles.push(f.name);
  orphanFiles.sort();

  return {
    dir: absDir,
    idPropFile: join(absDir, idPropName),
    tasks: table.tasks.map((name) => ({ name, unit: unitOf(name) })),
    hasHeader: table.hasHeader,
    entries,
    missingFiles,
    orphanFiles,
    ambiguous,
    caseMismatches,
    duplicateIds: table.duplicates,
    csvIssues: table.issues,
    csvDataLines: table.dataLines,
    structureFileCount,
    atomInitFile,
    notRead: notRead.summary(),
  };
}

function noCsvError(dir: string, idPropName: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new Error(`${dir} has no ${idPropName} (expected the CGCNN layout: ${idPropName} plus one <id>.cif per row)`, { cause: e });
  }
  return new Error(`cannot read ${join(dir, idPropName)}: ${(e as Error).message}`, { cause: e });
}

/** Reads a label CSV as text after checking its size (IdPropTooLargeError when over ID_PROP_MAX_BYTES). */
export async function readIdPropText(file: string): Promise<string> {
  const handle = await fsp.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > ID_PROP_MAX_BYTES) throw new IdPropTooLargeError(file, size);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Synchronous readIdPropText. */
export function readIdPropTextSync(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > ID_PROP_MAX_BYTES) throw new IdPropTooLargeError(file, size);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Scans `dir` (async: does not block the Electron main process on big folders). */
export async function scanDataset(dir: string, options: ScanOptions = {}): Promise<DatasetScan> {
  const absDir = resolve(dir);
  const idPropName = options.idPropName ?? ID_PROP_FILE;
  let dirents;
  try {
    dirents = await fsp.readdir(absDir, { withFileTypes: true });
  } catch (e) {
    throw new Error(`cannot read dataset folder ${absDir}: ${(e as Error).message}`, { cause: e });
  }
  let csv: string;
  try {
    csv = await readIdPropText(join(absDir, idPropName));
  } catch (e) {
    if (e instanceof IdPropTooLargeError) throw e;
    throw noCsvError(absDir, idPropName, e);
  }
  const names = dirents.filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
  return buildScan(absDir, csv, names, options);
}

/** Synchronous scanDataset, for CLIs and workers. */
export function scanDatasetSync(dir: string, options: ScanOptions = {}): DatasetScan {
  const absDir = resolve(dir);
  const idPropName = options.idPropName ?? ID_PROP_FILE;
  let dirents;
  try {
    dirents = readdirSync(absDir, { withFileTypes: true });
  } catch (e) {
    throw new Error(`cannot read dataset folder ${absDir}: ${(e as Error).message}`, { cause: e });
  }
  let csv: string;
  try {
    csv = readIdPropTextSync(join(absDir, idPropName));
  } catch (e) {
    if (e instanceof IdPropTooLargeError) throw e;
    throw noCsvError(absDir, idPropName, e);
  }
  const names = dirents.filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
  return buildScan(absDir, csv, names, options);
}
