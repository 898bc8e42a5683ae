/** The recent-projects list, kept in <MTCGCNN_HOME>/recent-projects.json (newest first, at most 12). */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { RecentProject } from '../../../src-shared/contract';
import { readJson } from '../fs-util';
import { writeJsonAtomic } from '../../core/fs/atomic-write';
import { studioHome } from '../../core/studio-home';
import { PROJECT_FILE } from './manifests';

export const RECENT_FILE = 'recent-projects.json';
export const RECENT_MAX = 12;

interface RecentEntry {
  dir: string;
  name: string;
  openedAt: string;
}

function recentFile(): string {
  return path.join(studioHome(), RECENT_FILE);
}

async function readEntries(): Promise<RecentEntry[]> {
  try {
    const v = (await readJson(recentFile())) as { projects?: unknown };
    if (!Array.isArray(v?.projects)) return [];
    return v.projects.filter(
      (e): e is RecentEntry => typeof e === 'object' && e !== null && typeof e.dir === 'string' && typeof e.name === 'string' && typeof e.openedAt === 'string',
    );
  } catch {
    // Missing or damaged: start a new list (it is only a convenience).
    return [];
  }
}

async function writeEntries(entries: RecentEntry[]): Promise<void> {
  await writeJsonAtomic(recentFile(), { format: 'crystal-property-studio/recent-projects', version: 1, projects: entries.slice(0, RECENT_MAX) });
}

const samePath = (a: string, b: string) => (process.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b);

/** Serializes read-modify-write cycles of the list within this process. */
let chain: Promise<unknown> = Promise.resolve();
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.then(fn, fn);
  chain = next.catch(() => undefined);
  return next;
}

export function rememberProject(dir: string, name: string): Promise<void> {
  return serialized(async () => {
    const entries = (await readEntries()).filter((e) => !samePath(e.dir, dir));
    entries.unshift({ dir, name, openedAt: new Date().toISOString() });
    await writeEntries(entries);
  });
}

export function forgetProject(dir: string): Promise<void> {
  return serialized(async () => {
    const entries = await readEntries();
    const kept = entries.filter((e) => !samePath(e.dir, dir));
    if (kept.length !== entries.length) await writeEntries(kept);
  });
}

/** Updates the remembered name of a project (after a rename), keeping its place in the list. */
export function renameRecent(dir: string, name: string): Promise<void> {
  return serialized(async () => {
    const entries = await readEntries();
    const e = entries.find((x) => samePath(x.dir, dir));
    if (e && e.name !== name) {
      e.name = name;
      await writeEntries(entries);
    }
  });
}

export async function listRecent(): Promise<RecentProject[]> {
  const entries = await readEntries();
  return Promise.all(
    entries.map(async (e) => ({
      dir: e.dir,
      name: e.name,
      openedAtIso: e.openedAt,
      exists: await fsp
        .stat(path.join(e.dir, PROJECT_FILE))
        .then((s) => s.isFile())
        .catch(() => false),
    })),
  );
}
