import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Environment variable that points at the resources directory (the folder that holds `elements/`). */
export const RESOURCES_ENV = 'MTCGCNN_RESOURCES';

/** Sub-folder whose presence identifies the resources directory. */
const MARKER = 'elements';

export interface ResourcesDirOptions {
  /** Environment to read MTCGCNN_RESOURCES from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Directories to walk up from, in order (default: this module's directory, Electron's
   * process.resourcesPath when set, the current working directory). */
  startDirs?: readonly string[];
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Directory of the running module: works in the CJS bundle (out/main/*.js) and under vitest. */
function moduleDir(): string | undefined {
  return typeof __dirname === 'string' && __dirname.length > 0 ? __dirname : undefined;
}

function defaultStartDirs(): string[] {
  const dirs: string[] = [];
  const here = moduleDir();
  if (here) dirs.push(here);
  // Packaged Electron app: electron-builder copies resources/ to <process.resourcesPath>/resources.
  const rp = (process as { resourcesPath?: unknown }).resourcesPath;
  if (typeof rp === 'string' && rp.length > 0) dirs.push(rp);
  dirs.push(process.cwd());
  return dirs;
}

/** Walk up from `start` looking for `<dir>/resources/elements`; returns `<dir>/resources`. */
function findUpwards(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, 'resources');
    if (isDir(join(candidate, MARKER))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The application's resources directory (the one containing `elements/`).
 *
 * Order: $MTCGCNN_RESOURCES (must exist and contain `elements/`, otherwise an error: a wrong explicit
 * setting should not be silently ignored); then walking up from this module's directory (source tree
 * under vitest: src-main/core/element-features -> repo root; CLI bundle: out/main -> repo root; packaged app:
 * app.asar/out/main -> app.asar), from Electron's process.resourcesPath, and from the working directory.
 */
export function resourcesDir(options: ResourcesDirOptions = {}): string {
  const env = options.env ?? process.env;
  const fromEnv = env[RESOURCES_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const dir = resolve(fromEnv.trim());
    if (!isDir(join(dir, MARKER))) {
      throw new Error(`${RESOURCES_ENV}=${fromEnv} does not contain an '${MARKER}' folder`);
    }
    return dir;
  }
  const starts = options.startDirs ?? defaultStartDirs();
  for (const start of starts) {
    const found = findUpwards(start);
    if (found) return found;
  }
  throw new Error(
    `cannot find the resources folder (a 'resources/${MARKER}' directory above ${starts.join(', ')}); set ${RESOURCES_ENV}`,
  );
}

/** Path of a file under the resources directory, e.g. resourcePath('elements', 'x.json'). */
export function resourcePath(...segments: string[]): string {
  const p = join(resourcesDir(), ...segments);
  if (!existsSync(p)) throw new Error(`missing resource file ${p}`);
  return p;
}
