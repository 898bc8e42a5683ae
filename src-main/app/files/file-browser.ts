/**
 * The in-app file browser's main side (the browser shell has no native dialogs): lists one folder at a time and
 * names the places to start from. Read-only: nothing here writes.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FolderEntry, FolderListing, ListFolderRequest, Place } from '../../../src-shared/contract';
import { UserFacingError } from '../../ipc/dispatcher';
import { expandPath } from '../fs-util';
import { projectsDir } from '../../services/paths';
import { listRecent } from '../projects/recent';

/** A listing returns at most this many folders plus files (a folder of 100k CIFs stays fast to show). */
export const MAX_LISTED_ENTRIES = 5000;

export async function listFolder({ path: requested, showHidden, extensions }: ListFolderRequest): Promise<FolderListing> {
  const dir = path.resolve(expandPath(requested));
  let dirents;
  try {
    dirents = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? String(err)})`;
    throw new UserFacingError(`${dir} ${why}.`, code === 'ENOENT' || code === 'ENOTDIR' ? 'not-found' : 'failed');
  }
  const wanted = extensions?.map((e) => `.${e.toLowerCase()}`);
  const folders: FolderEntry[] = [];
  const files: FolderEntry[] = [];
  const sorted = dirents.filter((d) => showHidden || !d.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
  for (const d of sorted) {
    if (folders.length + files.length >= MAX_LISTED_ENTRIES) break;
    const full = path.join(dir, d.name);
    // Symlinks are shown as what they point to; broken ones are left out.
    const stat = d.isSymbolicLink() ? await fsp.stat(full).catch(() => null) : null;
    const isDir = stat ? stat.isDirectory() : d.isDirectory();
    const isFile = stat ? stat.isFile() : d.isFile();
    if (isDir) folders.push({ name: d.name });
    else if (isFile && (!wanted || wanted.includes(path.extname(d.name).toLowerCase()))) {
      const size = stat?.size ?? (await fsp.stat(full).then((s) => s.size).catch(() => undefined));
      files.push({ name: d.name, ...(size !== undefined ? { sizeBytes: size } : {}) });
    }
  }
  const parent = path.dirname(dir);
  return { path: dir, parent: parent === dir ? null : parent, folders, files, truncated: folders.length + files.length >= MAX_LISTED_ENTRIES && sorted.length > MAX_LISTED_ENTRIES };
}

/** Home, the projects folder, the recent projects that still exist, and the file system root. */
export async function places(): Promise<Place[]> {
  const out: Place[] = [{ label: 'Home', path: os.homedir() }, { label: 'Projects', path: projectsDir() }];
  for (const r of await listRecent().catch(() => [])) if (r.exists) out.push({ label: r.name, path: r.dir });
  out.push({ label: 'File system', path: path.parse(os.homedir()).root });
  return out;
}
