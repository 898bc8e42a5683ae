/**
 * The write-path guard of the IPC calls that write a file the user names (`screen:export`, `report:pdf`,
 * `demo:report-pdf`): they accept only a path that a save dialog returned since the app started — the native one
 * in Electron (`app:choose-save-file`), the in-app one in the browser shell (`fs:confirm-save`). A renderer that
 * is compromised (or a page that got hold of the studio's token) cannot make main overwrite an arbitrary file.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { UserFacingError } from '../../ipc/dispatcher';
import { expandPath } from '../fs-util';

export class SavePaths {
  private readonly chosen = new Set<string>();

  /** Records a path a save dialog returned. */
  allow(file: string): string {
    const resolved = path.resolve(expandPath(file));
    this.chosen.add(resolved);
    return resolved;
  }

  /** The resolved path when a save dialog returned it; otherwise a UserFacingError. */
  require(file: string): string {
    const resolved = path.resolve(expandPath(file));
    if (!this.chosen.has(resolved)) {
      throw new UserFacingError(`${resolved} was not chosen in a save dialog: choose where to save with "Save as" first.`, 'failed');
    }
    return resolved;
  }
}

/**
 * The in-app save dialog's confirmation: the folder must exist and the name must end in one of `extensions`.
 * Returns the resolved path (then recorded by the caller).
 */
export async function checkSaveTarget(file: string, extensions: readonly string[]): Promise<string> {
  const resolved = path.resolve(expandPath(file));
  if (!extensions.some((e) => resolved.toLowerCase().endsWith(`.${e.toLowerCase()}`))) {
    throw new UserFacingError(`The file name must end in ${extensions.map((e) => `.${e}`).join(' or ')}.`, 'failed');
  }
  const dir = path.dirname(resolved);
  const stat = await fsp.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new UserFacingError(`The folder ${dir} does not exist.`, 'not-found');
  const existing = await fsp.stat(resolved).catch(() => null);
  if (existing && !existing.isFile()) throw new UserFacingError(`${resolved} is a folder, not a file.`, 'failed');
  return resolved;
}
