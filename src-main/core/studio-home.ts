/**
 * Where the user's data lives: `~/CrystalPropertyStudio`, or the folder named by MTCGCNN_HOME (used by tests and
 * by users who keep data elsewhere). The ML core needs it for the user's models and the crystal-graph cache; the
 * app adds its projects folder (src-main/services/paths.ts). Plain Node, no app or Electron imports.
 */
import os from 'node:os';
import path from 'node:path';

/** Environment variable that moves everything (projects, models, caches). */
export const STUDIO_HOME_ENV = 'MTCGCNN_HOME';

export function studioHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const home = env[STUDIO_HOME_ENV];
  return home ? path.resolve(home) : path.join(os.homedir(), 'CrystalPropertyStudio');
}

/** The user's trained models (`mtcgcnn models`, `--model NAME`). */
export function userModelsDir(env?: Readonly<Record<string, string | undefined>>): string {
  return path.join(studioHome(env), 'models');
}

/** Cached crystal graphs (content-addressed shards; safe to delete). */
export function graphCacheDir(env?: Readonly<Record<string, string | undefined>>): string {
  return path.join(studioHome(env), 'cache', 'graphs');
}
