/**
 * The project folder on disk and its human-readable JSON manifests.
 *
 *   <project>/
 *     project.json                      name, created/updated times, format version
 *     datasets/<name>/dataset.json      where the structures and the label CSV are, the task mapping, counts
 *     datasets/<name>/validation.json   the full validation report (what the user accepted)
 *     datasets/<name>/structures.json   one row per crystal: id, file, formula, atoms, labels
 *     datasets/<name>/files/            copied structures and CSV (storage 'copy' only)
 *     models/<id>/                      trained model bundles
 *     runs/<id>/run.json                training runs: settings, state, progress, owner process
 *     screenings/<id>/screening.json    screening runs
 *     reports/<file>.html (+ .json)     rendered reports and their metadata
 *
 * Every manifest carries `format` and `version`; readers check both and refuse what they do not understand with a
 * message naming the file. All writes go through writeJsonAtomic.
 */
import path from 'node:path';
import type { DatasetStorage, PartialOccupancyPolicy, RunState, TaskMapping } from '../../../src-shared/contract';
import type { ProcessOwner } from '../session';

export const PROJECT_FILE = 'project.json';
export const PROJECT_FORMAT = 'crystal-property-studio/project';
export const DATASET_FORMAT = 'crystal-property-studio/dataset';
export const RUN_FORMAT = 'crystal-property-studio/run';
export const SCREENING_FORMAT = 'crystal-property-studio/screening';
export const MANIFEST_VERSION = 1;

export const PROJECT_SUBDIRS = ['datasets', 'models', 'runs', 'screenings', 'reports'] as const;

export interface ProjectManifest {
  format: typeof PROJECT_FORMAT;
  version: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  /** App version that last wrote the file. */
  appVersion: string;
}

export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  version: number;
  name: string;
  createdAt: string;
  storage: DatasetStorage;
  /** Absolute for 'reference'; relative to the dataset folder for 'copy' (so the project can move). */
  structuresDir: string;
  csvFile: string;
  /** Where the user's files were when the dataset was imported. */
  original: { structuresDir: string; csvFile: string };
  tasks: TaskMapping[];
  readOptions: { partialOccupancy: PartialOccupancyPolicy };
  counts: { entries: number; usable: number; badFiles: number; labelledPerTask: Record<string, number> };
  problems: string[];
}

/** One crystal of a dataset index (structures.json). */
export interface StructureIndexRow {
  id: string;
  /** File name inside structuresDir. */
  file: string;
  ok: boolean;
  formula?: string;
  atoms?: number;
  reason?: string;
  /** One value per task of the manifest; null = missing. */
  labels: (number | null)[];
}

export interface StructureIndex {
  format: 'crystal-property-studio/structure-index';
  version: number;
  rows: StructureIndexRow[];
}

/** Fields of run.json that the project overview reads; the training module writes more. */
export interface RunManifestBase {
  format: typeof RUN_FORMAT;
  version: number;
  id: string;
  name: string;
  state: RunState;
  dataset: string;
  tasks: string[];
  createdAt: string;
  updatedAt: string;
  owner: ProcessOwner | null;
  /** File name of the checkpoint inside the run folder, when one was written. */
  checkpoint: string | null;
  epochsDone?: number;
  epochs?: number;
  note?: string;
}

export interface ScreeningManifestBase {
  format: typeof SCREENING_FORMAT;
  version: number;
  id: string;
  name: string;
  state: RunState;
  /** Display name of the model (the run's name, or the catalogue model's folder name). */
  model: string;
  /** 'run': a training run of the project (runId); 'shipped' / 'user': a catalogue model (modelDir). Old manifests: 'run'. */
  modelSource: 'run' | 'shipped' | 'user';
  folder: string;
  rows?: number;
  createdAt: string;
  updatedAt: string;
  owner: ProcessOwner | null;
  note?: string;
}

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ManifestError';
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown, file: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ManifestError(file, 'expected a JSON object');
  return v as Obj;
}

function text(o: Obj, key: string, file: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ManifestError(file, `"${key}" must be a string`);
  return v;
}

function count(o: Obj, key: string, file: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ManifestError(file, `"${key}" must be a non-negative number`);
  return v;
}

function checkFormat(o: Obj, format: string, file: string): void {
  if (o.format !== format) throw new ManifestError(file, `not a ${format} manifest (format is ${JSON.stringify(o.format)})`);
  const version = o.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new ManifestError(file, '"version" must be a positive integer');
  if (version > MANIFEST_VERSION) {
    throw new ManifestError(file, `written by a newer version of Crystal Property Studio (manifest version ${version}); update the app to open it`);
  }
}

const RUN_STATES: readonly RunState[] = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'];

function runState(o: Obj, file: string): RunState {
  const s = o.state;
  if (!RUN_STATES.includes(s as RunState)) throw new ManifestError(file, `"state" must be one of ${RUN_STATES.join(', ')}`);
  return s as RunState;
}

function owner(v: unknown): ProcessOwner | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Obj;
  if (typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.session !== 'string') return null;
  return { pid: o.pid, host: o.host, session: o.session, startedAt: typeof o.startedAt === 'string' ? o.startedAt : '' };
}

function taskList(v: unknown, file: string): TaskMapping[] {
  if (!Array.isArray(v)) throw new ManifestError(file, '"tasks" must be a list');
  return v.map((t, i) => {
    const o = obj(t, file);
    const column = text(o, 'column', file);
    const name = text(o, 'name', file);
    const unit = text(o, 'unit', file);
    if (!name) throw new ManifestError(file, `task ${i + 1} has no name`);
    return { column, name, unit };
  });
}

export function parseProjectManifest(value: unknown, file: string): ProjectManifest {
  const o = obj(value, file);
  checkFormat(o, PROJECT_FORMAT, file);
  const name = text(o, 'name', file).trim();
  if (!name) throw new ManifestError(file, '"name" is empty');
  return {
    format: PROJECT_FORMAT,
    version: o.version as number,
    name,
    createdAt: text(o, 'createdAt', file),
    updatedAt: text(o, 'updatedAt', file),
    appVersion: typeof o.appVersion === 'string' ? o.appVersion : '',
  };
}

export function parseDatasetManifest(value: unknown, file: string): DatasetManifest {
  const o = obj(value, file);
  checkFormat(o, DATASET_FORMAT, file);
  const storage = o.storage === 'copy' ? 'copy' : o.storage === 'reference' ? 'reference' : undefined;
  if (!storage) throw new ManifestError(file, '"storage" must be "reference" or "copy"');
  const original = obj(o.original ?? {}, file);
  const counts = obj(o.counts, file);
  const labelled = obj(counts.labelledPerTask ?? {}, file);
  const readOptions = obj(o.readOptions ?? {}, file);
  return {
    format: DATASET_FORMAT,
    version: o.version as number,
    name: text(o, 'name', file),
    createdAt: text(o, 'createdAt', file),
    storage,
    structuresDir: text(o, 'structuresDir', file),
    csvFile: text(o, 'csvFile', file),
    original: {
      structuresDir: typeof original.structuresDir === 'string' ? original.structuresDir : '',
      csvFile: typeof original.csvFile === 'string' ? original.csvFile : '',
    },
    tasks: taskList(o.tasks, file),
    readOptions: { partialOccupancy: readOptions.partialOccupancy === 'majority' ? 'majority' : 'refuse' },
    counts: {
      entries: count(counts, 'entries', file),
      usable: count(counts, 'usable', file),
      badFiles: count(counts, 'badFiles', file),
      labelledPerTask: Object.fromEntries(Object.entries(labelled).filter((e): e is [string, number] => typeof e[1] === 'number')),
    },
    problems: Array.isArray(o.problems) ? o.problems.filter((p): p is string => typeof p === 'string') : [],
  };
}

export function parseRunManifest(value: unknown, file: string): RunManifestBase & Obj {
  const o = obj(value, file);
  checkFormat(o, RUN_FORMAT, file);
  return {
    ...o,
    format: RUN_FORMAT,
    version: o.version as number,
    id: text(o, 'id', file),
    name: typeof o.name === 'string' ? o.name : text(o, 'id', file),
    state: runState(o, file),
    dataset: typeof o.dataset === 'string' ? o.dataset : '',
    tasks: Array.isArray(o.tasks) ? o.tasks.filter((t): t is string => typeof t === 'string') : [],
    createdAt: text(o, 'createdAt', file),
    updatedAt: typeof o.updatedAt === 'string' ? o.updatedAt : text(o, 'createdAt', file),
    owner: owner(o.owner),
    checkpoint: typeof o.checkpoint === 'string' ? o.checkpoint : null,
    ...(typeof o.epochsDone === 'number' ? { epochsDone: o.epochsDone } : {}),
    ...(typeof o.epochs === 'number' ? { epochs: o.epochs } : {}),
    ...(typeof o.note === 'string' ? { note: o.note } : {}),
  };
}

export function parseScreeningManifest(value: unknown, file: string): ScreeningManifestBase & Obj {
  const o = obj(value, file);
  checkFormat(o, SCREENING_FORMAT, file);
  return {
    ...o,
    format: SCREENING_FORMAT,
    version: o.version as number,
    id: text(o, 'id', file),
    name: typeof o.name === 'string' ? o.name : text(o, 'id', file),
    state: runState(o, file),
    model: typeof o.model === 'string' ? o.model : '',
    modelSource: o.modelSource === 'shipped' || o.modelSource === 'user' ? o.modelSource : 'run',
    folder: typeof o.folder === 'string' ? o.folder : '',
    ...(typeof o.rows === 'number' ? { rows: o.rows } : {}),
    createdAt: text(o, 'createdAt', file),
    updatedAt: typeof o.updatedAt === 'string' ? o.updatedAt : text(o, 'createdAt', file),
    owner: owner(o.owner),
    ...(typeof o.note === 'string' ? { note: o.note } : {}),
  };
}

export function parseStructureIndex(value: unknown, file: string): StructureIndex {
  const o = obj(value, file);
  if (o.format !== 'crystal-property-studio/structure-index' || !Array.isArray(o.rows)) throw new ManifestError(file, 'not a structure index');
  return { format: 'crystal-property-studio/structure-index', version: o.version as number, rows: o.rows as StructureIndexRow[] };
}

/** Paths inside a project folder. */
export const projectPaths = (dir: string) => ({
  manifest: path.join(dir, PROJECT_FILE),
  datasets: path.join(dir, 'datasets'),
  dataset: (name: string) => path.join(dir, 'datasets', name),
  datasetManifest: (name: string) => path.join(dir, 'datasets', name, 'dataset.json'),
  datasetValidation: (name: string) => path.join(dir, 'datasets', name, 'validation.json'),
  datasetIndex: (name: string) => path.join(dir, 'datasets', name, 'structures.json'),
  models: path.join(dir, 'models'),
  runs: path.join(dir, 'runs'),
  run: (id: string) => path.join(dir, 'runs', id),
  runManifest: (id: string) => path.join(dir, 'runs', id, 'run.json'),
  screenings: path.join(dir, 'screenings'),
  screening: (id: string) => path.join(dir, 'screenings', id),
  screeningManifest: (id: string) => path.join(dir, 'screenings', id, 'screening.json'),
  reports: path.join(dir, 'reports'),
});

/** Absolute structures folder / CSV of a dataset manifest ('copy' paths are relative to the dataset folder). */
export function resolveDatasetPaths(projectDir: string, m: DatasetManifest): { structuresDir: string; csvFile: string } {
  if (m.storage === 'reference') return { structuresDir: m.structuresDir, csvFile: m.csvFile };
  const base = projectPaths(projectDir).dataset(m.name);
  return { structuresDir: path.resolve(base, m.structuresDir), csvFile: path.resolve(base, m.csvFile) };
}
