/** Screening a folder of structures with a run's or a catalogue model, its results and their CSV export. */
import { absPath, call, displayName, IpcArgumentError, idString, list, num, onlyKeys, record, singleKey, type Guard } from './guards';
import { catalogueModelRef, type CatalogueModelRef, type CatalogueModelSource } from './models';
import type { ProjectScreening } from './projects';



export type ScreeningModelSource = 'run' | CatalogueModelSource;

interface StartScreeningBase {
  /** Folder of structure files to screen. */
  folder: string;
  name: string;
  /** Also screen subfolders. */
  recursive: boolean;
}

/** Screen with a finished training run of the project (`runId`) or with a catalogue model (`model`). */
export type StartScreeningRequest = StartScreeningBase & ({ runId: string; model?: never } | { model: CatalogueModelRef; runId?: never });

/** The model a screening used, as its manifest records it. */
export interface ScreeningModelInfo {
  name: string;
  source: ScreeningModelSource;
  /** The project run, for source 'run'. */
  runId: string | null;
  /** The bundle folder (absolute); for a run, null until the run's model is known. */
  dir: string | null;
  /** Ensemble members (K > 1: the table shows ± std). */
  ensembleSize: number | null;
}

export interface ScreeningDetail {
  screening: ProjectScreening;
  /** The project run whose model screened, or null for a catalogue model. */
  runId: string | null;
  model: ScreeningModelInfo;
  recursive: boolean;
  jobId: string | null;
  /** Files screened, failed, skipped (resume) as recorded. */
  counts: { files: number; failed: number; total: number | null };
  elapsedSeconds: number | null;
  /** The results CSV inside the project. */
  csvFile: string;
}

/** A screening's results, column-wise (compact for 100k rows). */
export interface ScreeningTable {
  screeningId: string;
  tasks: { name: string; unit: string }[];
  ids: string[];
  /** Structure file paths (absolute), for the 3D viewer. */
  files: string[];
  formulas: string[];
  atoms: (number | null)[];
  /** values[t][i]: prediction of task t for row i (null when the file failed). */
  values: (number | null)[][];
  /** Ensemble standard deviations, when the model is an ensemble. */
  std: (number | null)[][] | null;
  /** 'metal' / 'non-metal' when the model has a band-gap task. */
  metal: (string | null)[] | null;
  outOfDomain: boolean[];
  /** Empty for a good row; else why the file could not be screened. */
  errors: string[];
}

export interface ExportScreeningRequest {
  screeningId: string;
  /** Row indices (into the table) to write, in this order. */
  rows: number[];
  /** Absolute path of the CSV to write. */
  path: string;
}

const startScreeningGuard: Guard<StartScreeningRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['runId', 'model', 'folder', 'name', 'recursive'], 'argument');
  if (typeof o.recursive !== 'boolean') throw new IpcArgumentError('recursive must be true or false');
  const base = { folder: absPath(o.folder, 'folder'), name: displayName(o.name, 'name'), recursive: o.recursive };
  const hasRun = o.runId !== undefined;
  const hasModel = o.model !== undefined;
  if (hasRun === hasModel) throw new IpcArgumentError('give exactly one of runId (a training run of the project) and model (a catalogue model)');
  return hasRun ? { runId: idString(o.runId, 'runId'), ...base } : { model: catalogueModelRef(o.model, 'model'), ...base };
};

const screeningIdGuard = singleKey('screeningId', idString);

const exportScreeningGuard: Guard<ExportScreeningRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['screeningId', 'rows', 'path'], 'argument');
  const rows = list(o.rows, 'rows', (x, w) => num(x, w, { min: 0, max: 50_000_000, integer: true }), { min: 1, max: 5_000_000 });
  const file = absPath(o.path, 'path');
  if (!/\.csv$/i.test(file)) throw new IpcArgumentError('path must end in .csv');
  return { screeningId: idString(o.screeningId, 'screeningId'), rows, path: file };
};

export const screeningChannels = {
  /** Screen a folder of structures with a finished run's model or a catalogue model, as a job; results go to screenings/<id>/results.csv. */
  'screen:start': call<StartScreeningRequest, { screeningId: string; jobId: string }>(startScreeningGuard),
  /** Continue an interrupted or cancelled screening (files already screened are skipped). */
  'screen:resume': call<{ screeningId: string }, { jobId: string }>(screeningIdGuard),
  /** A screening's state and counts. */
  'screen:detail': call<{ screeningId: string }, ScreeningDetail>(screeningIdGuard),
  /** All rows of a screening's results. */
  'screen:table': call<{ screeningId: string }, ScreeningTable>(screeningIdGuard),
  /** Write chosen rows of a screening (in the given order) to a CSV file. */
  'screen:export': call<ExportScreeningRequest, { path: string; rows: number }>(exportScreeningGuard),
} as const;
