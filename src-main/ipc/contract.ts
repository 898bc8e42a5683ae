/**
 * The one typed IPC contract between the main process and the renderer.
 *
 * - `invoke` calls are request/response: the renderer sends one argument, main validates it with the
 *   call's `parse` guard, runs the handler and answers with an `IpcResult` envelope (never a thrown error).
 * - `events` are main -> renderer streams (job progress, log lines).
 *
 * This file is shared by main, preload and renderer, so it must stay free of Node and Electron imports; it takes
 * types (import type only) from core modules that have no Node imports either.
 * The guards are hand-written: every argument that crosses the boundary is checked here, in main.
 */

// Types only, from modules without Node imports (the renderer typechecks this file without Node types).
import type { Histogram, LabelStats, ValidationFindings } from '../core/dataset/validation-types';
import type { EpochRecord } from '../core/train/epoch-record';
// Values: the training settings' one home (no imports, no Node), so main and renderer check the same ranges.
import {
  PATIENCE_LIMITS, SHARING_MODES, TRAIN_DEFAULTS, TRAIN_LIMITS, WEIGHTING_MODES, type NumericTrainingSetting, type SharingModeName,
  type TrainingConfig, type WeightingModeName,
} from '../core/train/settings';

export { TRAIN_DEFAULTS, TRAIN_LIMITS };
export type { SharingModeName, WeightingModeName };

// ---------- value types that cross the boundary ----------

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendSummary {
  /** tfjs backend in use. */
  name: BackendName;
  /** Human description, e.g. "WebAssembly (SIMD, 1 thread)". */
  description: string;
  /** Why a faster backend was not used, if it was not. */
  fallbackReason?: string;
  /** How to get the GPU backend on this machine. */
  howToGetGpu: string;
}

export interface AppInfo {
  appVersion: string;
  /** Versions of the runtime pieces (node, tfjs, electron when present). */
  versions: Record<string, string>;
  backend: BackendSummary;
  /** Logical CPU cores seen by the main process. */
  cpuCount: number;
  /** Where the user's projects live by default. */
  projectsDir: string;
}

export type JobKind = 'validate' | 'import' | 'featurize' | 'train' | 'screen' | 'report';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  state: JobState;
  /** Units of work done and total (crystals, steps, files), when known. */
  done: number;
  total: number;
  /** What the unit of `done`/`total` is, e.g. "CIF files". */
  unit: string;
  /** Items per second over the recent window. */
  ratePerSecond?: number;
  elapsedSeconds: number;
  etaSeconds?: number;
  message?: string;
  /** Free-form metrics for charts (e.g. per-task validation MAE by epoch). */
  metrics?: Record<string, number>;
}

export interface DatasetSummaryRequest {
  /** Folder with ID.cif files and id_prop.csv. */
  dir: string;
}

// ---------- projects ----------

/** A project folder the user opened before (the list lives under MTCGCNN_HOME). */
export interface RecentProject {
  dir: string;
  name: string;
  openedAtIso: string;
  /** False when the folder or its project.json is gone (moved, deleted, unmounted drive). */
  exists: boolean;
}

/** How a column of the label CSV becomes a task: its display name and unit. */
export interface TaskMapping {
  /** Column header in the CSV (or target_<k> when the CSV has no header). */
  column: string;
  /** Task name used by the model, reports and screening output. */
  name: string;
  /** Unit of the values ('' when dimensionless or unknown). */
  unit: string;
}

export type PartialOccupancyPolicy = 'refuse' | 'majority';
export type DatasetStorage = 'reference' | 'copy';

export interface ProjectDataset {
  name: string;
  /** 'reference': the project points at the user's folder; 'copy': the files were copied into the project. */
  storage: DatasetStorage;
  structuresDir: string;
  csvFile: string;
  tasks: TaskMapping[];
  partialOccupancy: PartialOccupancyPolicy;
  /** Crystals that parsed and have element features: what training sees. */
  crystals: number;
  /** CSV rows with a structure file. */
  entries: number;
  badFiles: number;
  labelledPerTask: Record<string, number>;
  createdAtIso: string;
  /** False when a referenced folder or CSV is no longer there. */
  available: boolean;
  problems: string[];
}

export type RunState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface ProjectRun {
  id: string;
  name: string;
  state: RunState;
  dataset: string;
  tasks: string[];
  createdAtIso: string;
  updatedAtIso: string;
  /** A checkpoint exists and the run can continue where it stopped. */
  resumable: boolean;
  /** Why the run is in its state (e.g. what interrupted it, the error). */
  note?: string;
  /** Progress recorded in the manifest (epochs). */
  epochsDone?: number;
  epochs?: number;
  /** Units of the tasks, aligned with `tasks` (when recorded). */
  units?: string[];
  /** Test-split MAE per task, aligned with `tasks`, once the run is done (null: no labelled test crystal). */
  testMae?: (number | null)[];
  /** Ensemble members of the run's model. */
  members?: number;
}

export interface ProjectScreening {
  id: string;
  name: string;
  state: RunState;
  model: string;
  /** Where the model comes from: a training run of the project, the app's shipped models or the user's models. */
  modelSource: ScreeningModelSource;
  folder: string;
  rows?: number;
  createdAtIso: string;
  note?: string;
}

export interface ProjectReport {
  /** Path relative to the project folder. */
  file: string;
  title: string;
  kind: 'run' | 'screening';
  createdAtIso: string;
}

export interface ProjectInfo {
  dir: string;
  name: string;
  createdAtIso: string;
  updatedAtIso: string;
  datasets: ProjectDataset[];
  runs: ProjectRun[];
  screenings: ProjectScreening[];
  reports: ProjectReport[];
  /** Things the user should know after opening (e.g. runs found interrupted). */
  notices: string[];
}

export interface CreateProjectRequest {
  name: string;
  /** Folder that will contain the project folder (default: the projects folder under MTCGCNN_HOME). */
  parentDir?: string;
}

export interface ChooseFolderRequest {
  title: string;
  defaultPath?: string;
}

export interface ChooseFileRequest {
  title: string;
  defaultPath?: string;
  /** File name extensions without the dot, e.g. ['csv']. */
  extensions: string[];
}

// ---------- dataset import ----------

export interface DatasetSource {
  /** Folder with one structure file per crystal (<id>.cif, CGCNN layout). */
  structuresDir: string;
  /** The label CSV (id, then one column per property); default <structuresDir>/id_prop.csv. */
  csvFile: string;
}

export interface CsvColumnInfo {
  column: string;
  /** Values present (numbers) and missing (empty, nan, ...) among the valid rows. */
  values: number;
  missing: number;
  /** Defaults proposed for the mapping. */
  suggestedName: string;
  suggestedUnit: string;
}

/** A quick look at a folder + CSV pair: no structure is parsed. */
export interface DatasetInspection extends DatasetSource {
  hasHeader: boolean;
  idColumn: string | null;
  columns: CsvColumnInfo[];
  csvRows: number;
  validRows: number;
  structureFiles: number;
  matched: number;
  missingFiles: number;
  orphanFiles: number;
  csvIssues: number;
  duplicateIds: number;
  /** Name proposed for the dataset (the folder name). */
  suggestedName: string;
}

export interface ValidateDatasetRequest extends DatasetSource {
  tasks: TaskMapping[];
  partialOccupancy: PartialOccupancyPolicy;
}

/** Label histogram and statistics of one task: the core's types (src-main/core/dataset/validation-types.ts). */
export type HistogramData = Histogram;
export type LabelStatsData = LabelStats;

/** The core's validation findings (lists cut to their first 1,000 entries; `counts` has the totals) with the request. */
export interface DatasetValidationReport extends ValidateDatasetRequest, ValidationFindings {
  validatedAtIso: string;
  seconds: number;
}

export interface ImportDatasetRequest {
  /** The finished validation job whose report the user accepted. */
  validationJobId: string;
  name: string;
  storage: DatasetStorage;
}

// ---------- structures ----------

/** The crystals of a project dataset, column-wise (compact for 100k rows). */
export interface StructureTable {
  dataset: string;
  tasks: TaskMapping[];
  ids: string[];
  formulas: string[];
  atoms: number[];
  /** labels[t][i]: value of task t for crystal i, null when missing. */
  labels: (number | null)[][];
  /** Structures that could not be used, with the reason (not in the arrays above). */
  unusable: { id: string; reason: string }[];
}

export type StructureRef = { kind: 'dataset'; dataset: string; id: string } | { kind: 'file'; path: string };

export interface StructureViewRequest {
  ref: StructureRef;
  /** Repetitions along a, b and c (1 or 2). */
  supercell: 1 | 2;
}

export interface NeighborEntry {
  /** Index of the neighbour in the unit cell. */
  j: number;
  /** Lattice translation of the neighbour's image. */
  image: [number, number, number];
  /** Distance, Angstrom. */
  distance: number;
  /** Cartesian position of the neighbour image, Angstrom. */
  position: [number, number, number];
}

/**
 * A crystal as the model sees it: lattice rows (Angstrom), all sites in P1 (Cartesian, Angstrom), and the CGCNN
 * graph neighbours of every unit-cell site (the `maxNeighbors` nearest within `radiusAngstrom`).
 */
export interface StructureView {
  id: string;
  source: string;
  formula: string;
  reducedFormula: string;
  /** Unit cell. */
  lattice: number[][];
  lengthsAngstrom: [number, number, number];
  anglesDegrees: [number, number, number];
  volumeAngstrom3: number;
  densityGramsPerCm3: number;
  /** Unit-cell sites. */
  numSites: number;
  /** Displayed cell (the supercell when supercell = 2): lattice rows and sites. */
  supercell: 1 | 2;
  displayLattice: number[][];
  species: string[];
  z: number[];
  /** Cartesian coordinates, Angstrom, 3 per site, displayed cell. */
  cart: number[];
  /** Index of each displayed site in the unit cell. */
  unitIndex: number[];
  /** Fractional coordinates of the unit-cell sites. */
  frac: number[][];
  radiusAngstrom: number;
  maxNeighbors: number;
  /** Per unit-cell site: its graph neighbours, nearest first. */
  neighbors: NeighborEntry[][];
  /** Sites with fewer than maxNeighbors neighbours within the radius (CGCNN pads them). */
  paddedSites: number;
  warnings: string[];
  /** Labels of the crystal when it comes from a dataset (task name -> value or null). */
  labels?: Record<string, number | null>;
}

// ---------- training ----------

/**
 * Everything that defines a training run (stored in run.json; resume reuses it unchanged): the training settings
 * (core/train/settings.ts, with their defaults and ranges) plus what the run is trained on.
 */
export interface TrainSettings extends TrainingConfig {
  dataset: string;
  name: string;
  /** Task names of the dataset to learn: one = single-task CGCNN, several = MT-CGCNN. */
  tasks: string[];
  /** Fixed loss weights, one per task (used when weighting is 'fixed'). */
  weights: number[];
}

type NumericSetting = NumericTrainingSetting;

/** One finished epoch of one ensemble member (the trainer's record, src-main/core/train/epoch-record.ts). */
export type EpochPoint = EpochRecord;

/** Step-level progress of a running training (in job:progress metrics and here). */
export interface TrainLive {
  member: number;
  members: number;
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Running per-task training loss of the current epoch. */
  trainLoss: number[];
  weights: number[];
  learningRate: number;
  crystalsPerSecond: number;
  etaSeconds: number;
  phase: 'featurize' | 'train';
}

export interface TaskMetrics {
  n: number;
  mae: number | null;
  rmse: number | null;
  r2: number | null;
  spearman: number | null;
  /** Band-gap tasks: metal / non-metal classification from the predicted gap. */
  rocAuc?: number | null;
  thresholdEv?: number;
  confusion?: { tp: number; fp: number; tn: number; fn: number };
}

export interface RunDetail {
  run: ProjectRun;
  settings: TrainSettings;
  /** Units of the run's tasks, aligned with settings.tasks. */
  units: string[];
  history: EpochPoint[];
  /** The live job of this run in this session, if any. */
  jobId: string | null;
  /** Compute backend that ran (or runs) it. */
  backend: string | null;
  featurized?: { crystals: number; failed: number; seconds: number };
  /** Test metrics once done, per task name. */
  testMetrics: Record<string, TaskMetrics> | null;
  averageMae: number | null;
  durationSeconds: number | null;
  /** Model bundle folder once done. */
  modelDir: string | null;
}

export interface RunResults {
  runId: string;
  name: string;
  dataset: string;
  tasks: { name: string; unit: string }[];
  metrics: Record<string, TaskMetrics>;
  averageMae: number | null;
  split: { seed: number | null; train: number; val: number; test: number };
  /** Test split: crystal ids, true labels (null = missing) and predictions per task. */
  test: { ids: string[]; true: (number | null)[][]; pred: number[][] };
  /** ROC curve of each band-gap task (non-metal = positive class), by task name. */
  roc: Record<string, { fpr: number[]; tpr: number[]; auc: number | null; thresholdEv: number }>;
  backend: string;
  durationSeconds: number;
  epochsRun: number;
  bestEpoch: number | null;
  settings: TrainSettings;
}

// ---------- model catalogue ----------

/** Where a catalogue model is installed: shipped with the app (resources/models) or the user's own models. */
export type CatalogueModelSource = 'shipped' | 'user';

export interface CatalogueModelTask {
  name: string;
  /** Readable name, e.g. "Band gap". */
  label: string;
  unit: string;
  /** Mean absolute error on the model's held-back test split, in `unit`; null when not recorded. */
  testMae: number | null;
  /** Test crystals behind testMae. */
  testCount: number | null;
}

/** One installed model bundle and its card (read from model.json and card.json; the weights are never read). */
export interface CatalogueModel {
  /** Folder name; what `mtcgcnn screen --model NAME` and `screen:start` accept. */
  name: string;
  source: CatalogueModelSource;
  /** Absolute bundle folder (shown to the user; the renderer never reads it). */
  dir: string;
  /** The shipped default model (used when no model is chosen). */
  isDefault: boolean;
  /** Why the folder cannot be used (unreadable model.json); the other fields are empty then. */
  error: string | null;
  /** 'CGCNN' (one property) or 'MT-CGCNN' (several). */
  kind: 'CGCNN' | 'MT-CGCNN';
  description: string | null;
  tasks: CatalogueModelTask[];
  /** Ensemble members (K); ± values are their standard deviation when K > 1. */
  ensembleSize: number;
  /** Bytes of every file in the folder. */
  sizeBytes: number;
  dataset: {
    name: string | null;
    /** Longer description (shipped models), e.g. "mp-cgcnn-25k (25,710 Materials Project crystals, GGA/GGA+U)". */
    description: string | null;
    crystals: number | null;
    license: string | null;
    citations: string[];
  };
  /** When training finished (ISO 8601), if recorded. */
  trainedIso: string | null;
  /** Compute backend it was trained on. */
  backend: string | null;
  epochs: number | null;
  /** How it was made (shipped models). */
  recipe: string | null;
}

export interface ModelCatalogueInfo {
  /** Shipped models first (the default at the top), then the user's models. */
  models: CatalogueModel[];
  /** Name of the shipped default model, or null when none is installed. */
  defaultName: string | null;
  /** <resources>/models, or null when it cannot be found. */
  shippedDir: string | null;
  /** Folders searched for the user's models, in order. */
  userDirs: string[];
  /** Problems that did not stop the listing (e.g. the default named by default.json is missing). */
  warnings: string[];
}

// ---------- screening ----------

/** A model of the catalogue, named by where it is installed and its folder name. */
export interface CatalogueModelRef {
  source: CatalogueModelSource;
  name: string;
}

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

export interface ChooseSaveFileRequest {
  title: string;
  defaultPath?: string;
  extensions: string[];
}

// ---------- first-run demo ----------

/** One textbook prototype of resources/demo (from demo.json). */
export interface DemoStructure {
  /** File stem, e.g. "NaCl-rocksalt". */
  id: string;
  /** Compound name, e.g. "sodium chloride (halite)". */
  name: string;
  formula: string;
  /** Structure type, e.g. "rock salt". */
  prototype: string;
  strukturbericht: string;
  spaceGroup: string;
  spaceGroupNumber: number;
  /** Sites in the conventional cell. */
  atoms: number;
  /** Absolute path of the CIF (for structures:view). */
  file: string;
  /** Conventional cell: lengths in Angstrom, angles in degrees. */
  cell: { a: number; b: number; c: number; alpha: number; beta: number; gamma: number };
  /** Where the lattice constants come from. */
  references: { what: string; source: string }[];
}

/** A property of the shipped model with its held-back test error (from the model card). */
export interface DemoModelTask {
  name: string;
  /** Readable name, e.g. "Band gap". */
  label: string;
  unit: string;
  /** Mean absolute error on the held-back test split, in `unit`; null when not recorded. */
  testMae: number | null;
  /** Test crystals behind testMae. */
  testCount: number | null;
}

/** The shipped default model, as the demo describes it. */
export interface DemoModel {
  name: string;
  description: string | null;
  /** Training data, e.g. "mp-cgcnn-25k (25,710 Materials Project crystals, GGA/GGA+U)". */
  dataset: string | null;
  /** Ensemble members (K); ± values are their standard deviation when K > 1. */
  ensembleSize: number;
  tasks: DemoModelTask[];
  trainedIso: string | null;
}

/** The demo screening kept under the studio home (<MTCGCNN_HOME>/demo). */
export interface DemoScreeningState {
  state: RunState;
  /** The live job of this session, if any. */
  jobId: string | null;
  /** Model that screened (or screens) the demo. */
  modelName: string;
  updatedAtIso: string;
  /** Files screened and failed, once done. */
  files: number | null;
  failed: number | null;
  elapsedSeconds: number | null;
  note?: string;
}

export interface DemoInfo {
  /** What the demo structures are (from demo.json). */
  description: string;
  structures: DemoStructure[];
  /** The shipped default model; null when none is installed (`modelError` says why). */
  model: DemoModel | null;
  modelError: string | null;
  /** The last demo screening; null before the first one. */
  screening: DemoScreeningState | null;
  /** Where the demo screening, its results and report are written. */
  outDir: string;
}

/** One demo structure with the shipped model's predictions. */
export interface DemoResultRow {
  id: string;
  name: string;
  formula: string;
  prototype: string;
  atoms: number | null;
  /** Absolute path of the CIF. */
  file: string;
  /** Ensemble mean per model task (null when the file failed). */
  values: (number | null)[];
  /** Ensemble standard deviation per task (null for a single model or a failed file). */
  std: (number | null)[];
  /** 'metal' / 'non-metal' from the predicted band gap; null without a band-gap task. */
  metal: 'metal' | 'non-metal' | null;
  outOfDomain: boolean;
  /** Why the crystal is outside the training domain (empty when inside). */
  domainReasons: string[];
  /** Empty for a predicted row; else why the file could not be screened. */
  error: string;
}

export interface DemoResults {
  model: DemoModel;
  rows: DemoResultRow[];
  /** Band gaps below this (in the band-gap task's unit) are called metals. */
  metalThreshold: number | null;
  screenedAtIso: string;
  elapsedSeconds: number | null;
  /** The results CSV under the studio home. */
  csvFile: string;
  /** Set when the shipped default model changed since this screening ran. */
  staleNote?: string;
}

/** The demo screening rendered as a screening report (a self-contained HTML file under the studio home). */
export interface DemoReport {
  title: string;
  html: string;
  /** Absolute path of the HTML file. */
  file: string;
  createdAtIso: string;
}

// ---------- reports ----------

export type ReportRequest = { kind: 'run'; runId: string } | { kind: 'screening'; screeningId: string };

// ---------- error envelope ----------

export type IpcErrorCode = 'invalid-argument' | 'unknown-channel' | 'not-found' | 'failed' | 'cancelled' | 'internal';

export interface IpcError {
  code: IpcErrorCode;
  message: string;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** Thrown by guards; the main side turns it into an `invalid-argument` IpcError. */
export class IpcArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpcArgumentError';
  }
}

// ---------- guards ----------

type Guard<T> = (value: unknown) => T;

const noArgs: Guard<void> = (v) => {
  if (v !== undefined && v !== null) throw new IpcArgumentError('this call takes no argument');
};

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new IpcArgumentError(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new IpcArgumentError(`${what}: unexpected field "${k}"`);
}

export function str(v: unknown, what: string, opts: { maxLength?: number; allowEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') throw new IpcArgumentError(`${what} must be a string`);
  if (!opts.allowEmpty && v.length === 0) throw new IpcArgumentError(`${what} must not be empty`);
  if (v.length > (opts.maxLength ?? 4096)) throw new IpcArgumentError(`${what} is too long`);
  if (v.includes('\0')) throw new IpcArgumentError(`${what} contains a NUL character`);
  return v;
}

export function num(v: unknown, what: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new IpcArgumentError(`${what} must be a finite number`);
  if (opts.integer && !Number.isInteger(v)) throw new IpcArgumentError(`${what} must be an integer`);
  if (opts.min !== undefined && v < opts.min) throw new IpcArgumentError(`${what} must be >= ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new IpcArgumentError(`${what} must be <= ${opts.max}`);
  return v;
}

function oneOf<T extends string | number>(v: unknown, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly unknown[]).includes(v)) throw new IpcArgumentError(`${what} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  return v as T;
}

function list<T>(v: unknown, what: string, item: (x: unknown, what: string) => T, opts: { min?: number; max: number }): T[] {
  if (!Array.isArray(v)) throw new IpcArgumentError(`${what} must be a list`);
  if (v.length < (opts.min ?? 0)) throw new IpcArgumentError(`${what} needs at least ${opts.min} entr${opts.min === 1 ? 'y' : 'ies'}`);
  if (v.length > opts.max) throw new IpcArgumentError(`${what} has more than ${opts.max} entries`);
  return v.map((x, i) => item(x, `${what}[${i}]`));
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** An absolute path (POSIX, Windows drive or UNC), or one starting with ~ for the home folder. */
export function absPath(v: unknown, what: string): string {
  const p = str(v, what, { maxLength: 4096 }).trim();
  if (CONTROL_CHARS.test(p)) throw new IpcArgumentError(`${what} contains control characters`);
  if (!/^(~(?=$|[\\/])|\/|[A-Za-z]:[\\/]|\\\\)/.test(p)) throw new IpcArgumentError(`${what} must be an absolute path (e.g. /home/me/data or C:\\data)`);
  return p;
}

/** A display name: 1-80 characters, no control characters, not only spaces. */
export function displayName(v: unknown, what: string): string {
  const s = str(v, what, { maxLength: 80 }).trim();
  if (s === '') throw new IpcArgumentError(`${what} must not be blank`);
  if (CONTROL_CHARS.test(s)) throw new IpcArgumentError(`${what} contains control characters`);
  return s;
}

/** A name that is also a folder name: letters, digits, space, '.', '_' and '-', not starting with '.' or '-'. */
export function folderName(v: unknown, what: string): string {
  const s = str(v, what, { maxLength: 64 }).trim();
  if (!/^[A-Za-z0-9_][A-Za-z0-9 ._-]*$/.test(s)) throw new IpcArgumentError(`${what} may use letters, digits, spaces, '.', '_' and '-' (and must start with a letter or digit)`);
  return s;
}

/** Ids the app generates (jobs, runs, screenings): letters, digits, '_' and '-'. */
export function idString(v: unknown, what: string): string {
  const s = str(v, what, { maxLength: 64 });
  if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new IpcArgumentError(`${what} has invalid characters`);
  return s;
}

function taskMapping(v: unknown, what: string): TaskMapping {
  const o = record(v, what);
  onlyKeys(o, ['column', 'name', 'unit'], what);
  const column = str(o.column, `${what}.column`, { maxLength: 200 });
  const name = str(o.name, `${what}.name`, { maxLength: 64 }).trim();
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)) throw new IpcArgumentError(`${what}.name must start with a letter and use only letters, digits, '_', '.' and '-'`);
  const unit = str(o.unit, `${what}.unit`, { maxLength: 24, allowEmpty: true }).trim();
  if (CONTROL_CHARS.test(unit) || /[,"]/.test(unit)) throw new IpcArgumentError(`${what}.unit must not contain commas, quotes or control characters`);
  return { column, name, unit };
}

function datasetSource(o: Record<string, unknown>): DatasetSource {
  return { structuresDir: absPath(o.structuresDir, 'structuresDir'), csvFile: absPath(o.csvFile, 'csvFile') };
}

/** A guard for an argument with exactly one key, checked by `check` (e.g. { dir } with absPath). */
function singleKey<K extends string, T>(key: K, check: (v: unknown, what: string) => T): Guard<{ [P in K]: T }> {
  return (v) => {
    const o = record(v, 'argument');
    onlyKeys(o, [key], 'argument');
    return { [key]: check(o[key], key) } as { [P in K]: T };
  };
}

const chooseFolderGuard: Guard<ChooseFolderRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['title', 'defaultPath'], 'argument');
  return { title: displayName(o.title, 'title'), ...(o.defaultPath !== undefined ? { defaultPath: absPath(o.defaultPath, 'defaultPath') } : {}) };
};

/** File-name extensions of a file dialog's filter: 1 to 10, letters and digits, no dot. */
function extensionList(v: unknown): string[] {
  return list(v, 'extensions', (x, w) => {
    const e = str(x, w, { maxLength: 10 });
    if (!/^[A-Za-z0-9]+$/.test(e)) throw new IpcArgumentError(`${w} must be letters and digits (no dot)`);
    return e;
  }, { min: 1, max: 10 });
}

const chooseFileGuard: Guard<ChooseFileRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['title', 'defaultPath', 'extensions'], 'argument');
  const extensions = extensionList(o.extensions);
  return {
    title: displayName(o.title, 'title'),
    ...(o.defaultPath !== undefined ? { defaultPath: absPath(o.defaultPath, 'defaultPath') } : {}),
    extensions,
  };
};

const createProjectGuard: Guard<CreateProjectRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['name', 'parentDir'], 'argument');
  return { name: displayName(o.name, 'name'), ...(o.parentDir !== undefined ? { parentDir: absPath(o.parentDir, 'parentDir') } : {}) };
};

const dirGuard = singleKey('dir', absPath);

const renameGuard = singleKey('name', displayName);

const datasetNameGuard = singleKey('name', folderName);

const inspectGuard: Guard<DatasetSource> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['structuresDir', 'csvFile'], 'argument');
  return datasetSource(o);
};

const validateGuard: Guard<ValidateDatasetRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['structuresDir', 'csvFile', 'tasks', 'partialOccupancy'], 'argument');
  const tasks = list(o.tasks, 'tasks', taskMapping, { min: 1, max: 64 });
  const names = new Set<string>();
  const columns = new Set<string>();
  for (const t of tasks) {
    if (names.has(t.name)) throw new IpcArgumentError(`task name "${t.name}" is used twice`);
    if (columns.has(t.column)) throw new IpcArgumentError(`column "${t.column}" is mapped twice`);
    names.add(t.name);
    columns.add(t.column);
  }
  return { ...datasetSource(o), tasks, partialOccupancy: oneOf(o.partialOccupancy, ['refuse', 'majority'] as const, 'partialOccupancy') };
};

const importGuard: Guard<ImportDatasetRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['validationJobId', 'name', 'storage'], 'argument');
  return {
    validationJobId: idString(o.validationJobId, 'validationJobId'),
    name: folderName(o.name, 'name'),
    storage: oneOf(o.storage, ['reference', 'copy'] as const, 'storage'),
  };
};

const structureListGuard = singleKey('dataset', folderName);

function structureRef(v: unknown, what: string): StructureRef {
  const o = record(v, what);
  const kind = oneOf(o.kind, ['dataset', 'file'] as const, `${what}.kind`);
  if (kind === 'dataset') {
    onlyKeys(o, ['kind', 'dataset', 'id'], what);
    const id = str(o.id, `${what}.id`, { maxLength: 255 });
    if (/[/\\]/.test(id) || CONTROL_CHARS.test(id)) throw new IpcArgumentError(`${what}.id must be a crystal id, not a path`);
    return { kind, dataset: folderName(o.dataset, `${what}.dataset`), id };
  }
  onlyKeys(o, ['kind', 'path'], what);
  return { kind, path: absPath(o.path, `${what}.path`) };
}

const structureViewGuard: Guard<StructureViewRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['ref', 'supercell'], 'argument');
  return { ref: structureRef(o.ref, 'ref'), supercell: oneOf(o.supercell, [1, 2] as const, 'supercell') };
};

function numberSetting(o: Record<string, unknown>, key: NumericSetting): number {
  const lim = TRAIN_LIMITS[key];
  return num(o[key], key, { min: lim.min, max: lim.max, integer: lim.integer });
}

const trainSettingsGuard: Guard<TrainSettings> = (v) => {
  const o = record(v, 'argument');
  const keys = ['dataset', 'name', 'tasks', 'sharing', 'weighting', 'weights', 'patience', ...Object.keys(TRAIN_LIMITS)];
  onlyKeys(o, keys, 'argument');
  for (const k of keys) if (!(k in o)) throw new IpcArgumentError(`argument: missing field "${k}"`);
  const tasks = list(o.tasks, 'tasks', (x, w) => {
    const t = str(x, w, { maxLength: 64 });
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(t)) throw new IpcArgumentError(`${w} is not a task name`);
    return t;
  }, { min: 1, max: 64 });
  if (new Set(tasks).size !== tasks.length) throw new IpcArgumentError('tasks: a task is listed twice');
  const weights = list(o.weights, 'weights', (x, w) => num(x, w, { min: 0, max: 1000 }), { min: tasks.length, max: tasks.length });
  const weighting = oneOf(o.weighting, WEIGHTING_MODES, 'weighting');
  if (weighting === 'fixed' && !weights.some((w) => w > 0)) throw new IpcArgumentError('weights: at least one task needs a weight above 0');
  const numbers = Object.fromEntries((Object.keys(TRAIN_LIMITS) as NumericSetting[]).map((k) => [k, numberSetting(o, k)])) as Pick<TrainSettings, NumericSetting>;
  const sum = numbers.trainRatio + numbers.valRatio + numbers.testRatio;
  if (Math.abs(sum - 1) > 1e-6) throw new IpcArgumentError(`the train, validation and test shares must add up to 1 (they add up to ${sum.toFixed(3)})`);
  return {
    dataset: folderName(o.dataset, 'dataset'),
    name: displayName(o.name, 'name'),
    tasks,
    sharing: oneOf(o.sharing, SHARING_MODES, 'sharing'),
    weighting,
    weights,
    patience: o.patience === null ? null : num(o.patience, 'patience', PATIENCE_LIMITS),
    ...numbers,
  };
};

const runIdGuard = singleKey('runId', idString);

/** A catalogue model's folder name: no path separators, no control characters, not '.' or '..' or hidden. */
export function modelName(v: unknown, what: string): string {
  const s = str(v, what, { maxLength: 255 });
  if (CONTROL_CHARS.test(s) || /[/\\]/.test(s)) throw new IpcArgumentError(`${what} must be a model name (a folder name), not a path`);
  if (s.trim() !== s || s.startsWith('.')) throw new IpcArgumentError(`${what} must not start with '.' or a space`);
  return s;
}

function catalogueModelRef(v: unknown, what: string): CatalogueModelRef {
  const o = record(v, what);
  onlyKeys(o, ['source', 'name'], what);
  return { source: oneOf(o.source, ['shipped', 'user'] as const, `${what}.source`), name: modelName(o.name, `${what}.name`) };
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

const chooseSaveFileGuard: Guard<ChooseSaveFileRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['title', 'defaultPath', 'extensions'], 'argument');
  const extensions = extensionList(o.extensions);
  return { title: displayName(o.title, 'title'), ...(o.defaultPath !== undefined ? { defaultPath: absPath(o.defaultPath, 'defaultPath') } : {}), extensions };
};

const reportGuard: Guard<ReportRequest> = (v) => {
  const o = record(v, 'argument');
  const kind = oneOf(o.kind, ['run', 'screening'] as const, 'kind');
  if (kind === 'run') {
    onlyKeys(o, ['kind', 'runId'], 'argument');
    return { kind, runId: idString(o.runId, 'runId') };
  }
  onlyKeys(o, ['kind', 'screeningId'], 'argument');
  return { kind, screeningId: idString(o.screeningId, 'screeningId') };
};

const reportFileGuard: Guard<{ file: string }> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['file'], 'argument');
  const file = str(o.file, 'file', { maxLength: 300 });
  if (!/^reports\/[A-Za-z0-9_.-]+\.html$/.test(file)) throw new IpcArgumentError('file must be a report of the project (reports/<name>.html)');
  return { file };
};

const reportPdfGuard: Guard<{ file: string; path: string }> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['file', 'path'], 'argument');
  const { file } = reportFileGuard({ file: o.file });
  const out = absPath(o.path, 'path');
  if (!/\.pdf$/i.test(out)) throw new IpcArgumentError('path must end in .pdf');
  return { file, path: out };
};

const demoReportPdfGuard: Guard<{ path: string }> = singleKey('path', (v, what) => {
  const out = absPath(v, what);
  if (!/\.pdf$/i.test(out)) throw new IpcArgumentError('path must end in .pdf');
  return out;
});

const echoGuard = singleKey('text', (v, what) => str(v, what, { allowEmpty: true, maxLength: 10_000 }));

const datasetSummaryGuard: Guard<DatasetSummaryRequest> = singleKey('dir', str);

const jobIdGuard = singleKey('jobId', idString);

const urlGuard: Guard<{ url: string }> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['url'], 'argument');
  const url = str(o.url, 'url', { maxLength: 2048 });
  if (!/^https:\/\//.test(url)) throw new IpcArgumentError('only https:// links can be opened');
  return { url };
};

// ---------- the contract ----------

/** One request/response call: a guard for the argument and a phantom for the result type. */
export interface InvokeSpec<Req, Res> {
  readonly parse: Guard<Req>;
  readonly _result?: Res;
}

function call<Req, Res>(parse: Guard<Req>): InvokeSpec<Req, Res> {
  return { parse };
}

export interface DatasetSummary {
  dir: string;
  tasks: { name: string; unit: string }[];
  rows: number;
  structureFiles: number;
  missingFiles: number;
  labelledPerTask: Record<string, number>;
}

export const invokeContract = {
  /** App, runtime and compute backend facts. */
  'app:info': call<void, AppInfo>(noArgs),
  /** Round-trip check used by the shell (returns the text and when main saw it). */
  'app:echo': call<{ text: string }, { text: string; receivedAtIso: string }>(echoGuard),
  /** Open an https link in the system browser. */
  'app:open-external': call<{ url: string }, void>(urlGuard),
  /** Scan a CGCNN-layout dataset folder. */
  'dataset:summary': call<DatasetSummaryRequest, DatasetSummary>(datasetSummaryGuard),
  /** Native folder dialog (the harness answers it in tests); null when the user cancelled. */
  'app:choose-folder': call<ChooseFolderRequest, { path: string | null }>(chooseFolderGuard),
  /** Native file dialog limited to the given extensions; null when the user cancelled. */
  'app:choose-file': call<ChooseFileRequest, { path: string | null }>(chooseFileGuard),

  /** Recently opened projects, newest first. */
  'project:recent': call<void, RecentProject[]>(noArgs),
  /** Create a project folder (parentDir/<name>) and open it. */
  'project:create': call<CreateProjectRequest, ProjectInfo>(createProjectGuard),
  /** Open an existing project folder (marks runs whose process is gone as interrupted). */
  'project:open': call<{ dir: string }, ProjectInfo>(dirGuard),
  /** The open project, re-read from disk; null when none is open. */
  'project:current': call<void, ProjectInfo | null>(noArgs),
  /** Change the open project's display name (the folder keeps its name). */
  'project:rename': call<{ name: string }, ProjectInfo>(renameGuard),
  /** Close the open project. */
  'project:close': call<void, void>(noArgs),
  /** Remove a folder from the recent list (nothing on disk is touched). */
  'project:forget': call<{ dir: string }, RecentProject[]>(dirGuard),

  /** Match a label CSV against a structure folder and propose task names and units (no structure is parsed). */
  'dataset:inspect': call<DatasetSource, DatasetInspection>(inspectGuard),
  /** Parse every structure and compute label statistics, as a job (job:progress); returns its id. */
  'dataset:validate': call<ValidateDatasetRequest, { jobId: string }>(validateGuard),
  /** The report of a finished validation job. */
  'dataset:validation': call<{ jobId: string }, DatasetValidationReport>(jobIdGuard),
  /** Add a validated dataset to the open project (copying the files when asked), as a job; returns its id. */
  'dataset:import': call<ImportDatasetRequest, { jobId: string }>(importGuard),
  /** The stored validation report of a project dataset. */
  'dataset:report': call<{ name: string }, DatasetValidationReport>(datasetNameGuard),
  /** Remove a dataset from the open project (copied files are deleted; referenced folders are never touched). */
  'dataset:remove': call<{ name: string }, ProjectInfo>(datasetNameGuard),

  /** Every crystal of a project dataset: id, formula, atoms and labels. */
  'structures:list': call<{ dataset: string }, StructureTable>(structureListGuard),
  /** One crystal as the model sees it, with its graph neighbours, for the 3D viewer. */
  'structures:view': call<StructureViewRequest, StructureView>(structureViewGuard),

  /** Start a training run on a project dataset (featurize, then train, as a job); the run is saved in runs/<id>. */
  'train:start': call<TrainSettings, { runId: string; jobId: string }>(trainSettingsGuard),
  /** Continue an interrupted, cancelled or failed run from its last checkpoint, with its settings. */
  'train:resume': call<{ runId: string }, { jobId: string }>(runIdGuard),
  /** A run's settings, state and per-epoch history (for the live curves). */
  'train:run': call<{ runId: string }, RunDetail>(runIdGuard),
  /** Test-split metrics and predictions of a finished run. */
  'results:run': call<{ runId: string }, RunResults>(runIdGuard),

  /** Native save dialog limited to the given extensions; null when the user cancelled. */
  'app:choose-save-file': call<ChooseSaveFileRequest, { path: string | null }>(chooseSaveFileGuard),

  /** The model catalogue: shipped and user model bundles with their cards (tasks, test MAE, K, size, data, licence). */
  'models:list': call<void, ModelCatalogueInfo>(noArgs),

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

  /** Render the report of a finished run or screening into the project's reports/ folder. */
  'report:create': call<ReportRequest, ProjectReport>(reportGuard),
  /** The HTML of a project report (shown in a sandboxed frame). */
  'report:html': call<{ file: string }, { html: string }>(reportFileGuard),
  /** Print a project report to a PDF file. */
  'report:pdf': call<{ file: string; path: string }, { path: string; bytes: number }>(reportPdfGuard),

  /** The first-run demo: its textbook prototypes, the shipped model with its test errors, the last demo screening. */
  'demo:info': call<void, DemoInfo>(noArgs),
  /** Screen the demo structures with the shipped default model, as a job (results under <MTCGCNN_HOME>/demo); returns its id. */
  'demo:screen': call<void, { jobId: string }>(noArgs),
  /** The finished demo screening: every structure with mean ± std per property, metal call and domain verdict. */
  'demo:results': call<void, DemoResults>(noArgs),
  /** Render the finished demo screening as a screening report and return it. */
  'demo:report': call<void, DemoReport>(noArgs),
  /** Print the demo's screening report to a PDF file. */
  'demo:report-pdf': call<{ path: string }, { path: string; bytes: number }>(demoReportPdfGuard),

  /** Cancel a running job. */
  'job:cancel': call<{ jobId: string }, { cancelled: boolean }>(jobIdGuard),
  /** Jobs known to this session (including interrupted ones). */
  'job:list': call<void, JobProgress[]>(noArgs),
} as const;

export type InvokeContract = typeof invokeContract;
export type InvokeChannel = keyof InvokeContract;
export type RequestOf<C extends InvokeChannel> = InvokeContract[C] extends InvokeSpec<infer Req, unknown> ? Req : never;
export type ResponseOf<C extends InvokeChannel> = InvokeContract[C] extends InvokeSpec<unknown, infer Res> ? Res : never;

/** main -> renderer streams and their payloads. */
export interface EventContract {
  'job:progress': JobProgress;
  /** The open project changed on disk (dataset imported, run state changed, renamed, closed). */
  'project:changed': { dir: string | null };
  'app:log': { level: 'info' | 'warn' | 'error'; message: string; timeIso: string };
}
export type EventChannel = keyof EventContract;

export const INVOKE_CHANNELS = Object.freeze(Object.keys(invokeContract)) as readonly InvokeChannel[];
export const EVENT_CHANNELS: readonly EventChannel[] = Object.freeze(['job:progress', 'project:changed', 'app:log'] as const);

/** Electron channel names are namespaced so nothing else on ipcMain collides. */
export const ipcChannelName = (channel: string): string => `mtcgcnn:${channel}`;

/** The API the preload exposes as `window.mtcgcnn` (and the e2e harness injects). */
export interface BridgeApi {
  invoke<C extends InvokeChannel>(channel: C, ...arg: RequestOf<C> extends void ? [] : [RequestOf<C>]): Promise<IpcResult<ResponseOf<C>>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventContract[E]) => void): () => void;
}

export function isInvokeChannel(v: unknown): v is InvokeChannel {
  return typeof v === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(v);
}

export function isEventChannel(v: unknown): v is EventChannel {
  return typeof v === 'string' && (EVENT_CHANNELS as readonly string[]).includes(v);
}
