/**
 * The in-app file browser of the browser shell (where no native dialog exists): folder listings, places, and the
 * confirmation of a "Save as" choice, which main records so that only chosen paths can be written (see
 * src-main/app/save-paths.ts).
 */
import { absPath, call, extensionList, IpcArgumentError, noArgs, onlyKeys, record, type Guard } from './guards';

export interface ListFolderRequest {
  /** Folder to list (absolute, or starting with ~). */
  path: string;
  /** Also list names starting with '.'. */
  showHidden: boolean;
  /** Only files with these extensions (no dot); folders are always listed. Omitted: every file. */
  extensions?: string[];
}

export interface FolderEntry {
  name: string;
  /** Bytes (files only). */
  sizeBytes?: number;
}

export interface FolderListing {
  /** The listed folder, absolute and resolved. */
  path: string;
  /** Its parent folder, or null at the root. */
  parent: string | null;
  /** Subfolders, sorted by name. */
  folders: FolderEntry[];
  /** Files that match the extensions, sorted by name. */
  files: FolderEntry[];
  /** True when the folder has more entries than a listing returns (the first ones are shown). */
  truncated: boolean;
}

export interface Place {
  /** What the user sees, e.g. "Home" or a project name. */
  label: string;
  path: string;
}

export interface ConfirmSaveRequest {
  /** The file the user chose (absolute, or starting with ~). */
  path: string;
  /** Extensions the file must end with (no dot). */
  extensions: string[];
}

const listFolderGuard: Guard<ListFolderRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['path', 'showHidden', 'extensions'], 'argument');
  if (typeof o.showHidden !== 'boolean') throw new IpcArgumentError('showHidden must be true or false');
  return { path: absPath(o.path, 'path'), showHidden: o.showHidden, ...(o.extensions !== undefined ? { extensions: extensionList(o.extensions) } : {}) };
};

const confirmSaveGuard: Guard<ConfirmSaveRequest> = (v) => {
  const o = record(v, 'argument');
  onlyKeys(o, ['path', 'extensions'], 'argument');
  return { path: absPath(o.path, 'path'), extensions: extensionList(o.extensions) };
};

export const fileChannels = {
  /** One folder of the in-app file browser: subfolders and the files that match the extensions. */
  'fs:list': call<ListFolderRequest, FolderListing>(listFolderGuard),
  /** Starting points of the in-app file browser: home, the projects folder, recent projects, the file system root. */
  'fs:places': call<void, Place[]>(noArgs),
  /** The in-app "Save as" dialog's choice: main checks the folder and extension and records the path as chosen. */
  'fs:confirm-save': call<ConfirmSaveRequest, { path: string }>(confirmSaveGuard),
} as const;
