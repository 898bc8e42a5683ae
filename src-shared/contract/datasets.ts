/** Dataset folders: inspection, validation as a job and import into the open project. */
import type { Histogram, LabelStats, ValidationFindings } from '../validation-types';
import { absPath, call, folderName, IpcArgumentError, idString, list, oneOf, onlyKeys, record, singleKey, str, CONTROL_CHARS, type Guard } from './guards';
import type { ProjectInfo } from './projects';
import { jobIdGuard } from './jobs';


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
  /** Files of the folder that are not read (not a structure file, the CSV or atom_init.json; hidden). */
  notRead: number;
  /** One line naming them ('not read: 2 entries (...)'); '' when none. */
  notReadSummary: string;
  /** Name proposed for the dataset (the folder name). */
  suggestedName: string;
}

export interface ValidateDatasetRequest extends DatasetSource {
  tasks: TaskMapping[];
  partialOccupancy: PartialOccupancyPolicy;
}

/** Label histogram and statistics of one task: the types of src-shared/validation-types.ts. */
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

export const datasetChannels = {
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
} as const;
