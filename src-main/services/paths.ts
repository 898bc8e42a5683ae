import path from 'node:path';
import { studioHome } from '../core/studio-home';

/**
 * The app's projects folder: <studio home>/projects (studioHome() in core: ~/CrystalPropertyStudio, or
 * MTCGCNN_HOME). The user's models and the graph cache are core's: userModelsDir(), graphCacheDir() in
 * src-main/core/studio-home.ts.
 */
export function projectsDir(): string {
  return path.join(studioHome(), 'projects');
}

/** The first-run demo's screening, results and report (never inside resources/, which may be read-only). */
export function demoDir(): string {
  return path.join(studioHome(), 'demo');
}
