import os from 'node:os';
import path from 'node:path';

/**
 * Where user data lives. Projects default to ~/CrystalPropertyStudio/projects; the environment variable
 * MTCGCNN_HOME moves everything (used by tests and by users who keep data elsewhere).
 */
export function studioHome(): string {
  return process.env.MTCGCNN_HOME ? path.resolve(process.env.MTCGCNN_HOME) : path.join(os.homedir(), 'CrystalPropertyStudio');
}

export function projectsDir(): string {
  return path.join(studioHome(), 'projects');
}

export function userModelsDir(): string {
  return path.join(studioHome(), 'models');
}

/** Cached crystal graphs (content-addressed shards; safe to delete). */
export function graphCacheDir(): string {
  return path.join(studioHome(), 'cache', 'graphs');
}

/** The first-run demo's screening, results and report (never inside resources/, which may be read-only). */
export function demoDir(): string {
  return path.join(studioHome(), 'demo');
}
