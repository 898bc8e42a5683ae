/** Projects: recent list, create, open, rename, close; the project as the renderer sees it. */
import { absPath, call, displayName, noArgs, onlyKeys, record, singleKey, type Guard } from './guards';
import type { DatasetStorage, PartialOccupancyPolicy, TaskMapping } from './datasets';
import type { ScreeningModelSource } from './screening';



/** A project folder the user opened before (the list lives under MTCGCNN_HOME). */
export interface RecentProject {
  dir: string;
  name: string;
  openedAtIso: string;
  /** False when the folder or its project.json is gone (moved, deleted, unmounted drive). */
  exists: boolean;
}
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

const createProjectGuard: Guard<CreateProjectRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['name', 'parentDir'], 'argument');
  return { name: displayName(o.name, 'name'), ...(o.parentDir !== undefined ? { parentDir: absPath(o.parentDir, 'parentDir') } : {}) };
};

const dirGuard = singleKey('dir', absPath);

const renameGuard = singleKey('name', displayName);

export const projectChannels = {
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
} as const;

/** The open project changed on disk (the `project:changed` event); dir is null once it is closed. */
export interface ProjectChangedEvent {
  dir: string | null;
}
