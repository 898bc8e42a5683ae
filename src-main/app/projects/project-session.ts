/**
 * The open project of this main process: create, open, rename, close, and a snapshot of everything in it for the
 * UI. Pure Node (no Electron): the e2e harness and Electron run exactly this code.
 *
 * Runs and screenings whose manifest says 'queued' or 'running' are checked against their owner process each time
 * the project is read: when that process is gone (or it was this process and the job is no longer live), the
 * manifest is rewritten as 'interrupted' (resumable when a checkpoint exists). When the folder cannot be written (a
 * read-only disk or share), the project still opens: the state is shown as interrupted from memory, not written, and
 * a notice says the project is read-only.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventSink } from '../../ipc/dispatcher';
import { UserFacingError } from '../../ipc/dispatcher';
import type { ProjectDataset, ProjectInfo, ProjectReport, ProjectRun, ProjectScreening, RecentProject } from '../../../src-shared/contract';
import { expandPath, isDirectory, isFile, JsonFileError, readJson, slugify } from '../fs-util';
import { processAlive } from '../../core/fs/lock-file';
import { writeJsonAtomic } from '../../core/fs/atomic-write';
import { projectsDir } from '../../services/paths';
import { SESSION_ID, type ProcessOwner } from '../session';
import { APP_VERSION } from '../../services/version';
import {
  MANIFEST_VERSION,
  ManifestError,
  PROJECT_FORMAT,
  PROJECT_SUBDIRS,
  parseDatasetManifest,
  parseProjectManifest,
  parseRunManifest,
  parseScreeningManifest,
  projectPaths,
  resolveDatasetPaths,
  type DatasetManifest,
  type ProjectManifest,
} from './manifests';
import { forgetProject, listRecent, rememberProject, renameRecent } from './recent';

/** Errors of a write to a folder this process cannot change. */
const READ_ONLY_CODES = new Set(['EROFS', 'EACCES', 'EPERM']);

/** Tells whether a job of this process is still working on a run or screening. */
export type LiveCheck = (kind: 'run' | 'screening', id: string) => boolean;

export class ProjectSession {
  private dir: string | null = null;
  private notices: string[] = [];
  /** Manifest file -> the interrupted state shown for it because the manifest could not be rewritten (read-only). */
  private readonly unsaved = new Map<string, { updatedAt: string; patch: { state: 'interrupted'; note: string; interruptedAt: string } }>();

  constructor(
    private readonly events: EventSink,
    private readonly isLive: LiveCheck = () => false,
  ) {}

  /** Folder of the open project, or null. */
  get currentDir(): string | null {
    return this.dir;
  }

  /** Folder of the open project; a user-facing error when none is open. */
  requireDir(): string {
    if (!this.dir) throw new UserFacingError('No project is open. Open or create a project in Projects first.', 'failed');
    return this.dir;
  }

  recent(): Promise<RecentProject[]> {
    return listRecent();
  }

  async forget(dir: string): Promise<RecentProject[]> {
    await forgetProject(expandPath(dir));
    return listRecent();
  }

  async create(name: string, parentDir?: string): Promise<ProjectInfo> {
    const parent = parentDir ? expandPath(parentDir) : projectsDir();
    const dir = path.join(parent, slugify(name, 'project'));
    if (parentDir && !(await isDirectory(parent))) {
      throw new UserFacingError(`The folder ${parent} does not exist. Choose an existing folder to hold the project, or leave the location empty to use ${projectsDir()}.`, 'not-found');
    }
    if (await isFile(path.join(dir, 'project.json'))) {
      throw new UserFacingError(`A project already exists at ${dir}. Open it from "Open project", or choose another name.`, 'failed');
    }
    const existing = await fsp.readdir(dir).catch(() => null);
    if (existing && existing.length > 0) {
      throw new UserFacingError(`The folder ${dir} already exists and is not empty. Choose another name or location.`, 'failed');
    }
    try {
      await fsp.mkdir(dir, { recursive: true });
      for (const sub of PROJECT_SUBDIRS) await fsp.mkdir(path.join(dir, sub), { recursive: true });
      const now = new Date().toISOString();
      const manifest: ProjectManifest = { format: PROJECT_FORMAT, version: MANIFEST_VERSION, name, createdAt: now, updatedAt: now, appVersion: APP_VERSION };
      await writeJsonAtomic(projectPaths(dir).manifest, manifest);
    } catch (err) {
      throw new UserFacingError(`Cannot create the project folder ${dir}: ${(err as Error).message}. Choose a location you can write to.`, 'failed');
    }
    return this.activate(dir, []);
  }

  async open(dirArg: string): Promise<ProjectInfo> {
    const dir = expandPath(dirArg);
    if (!(await isDirectory(dir))) {
      throw new UserFacingError(`The folder ${dir} does not exist. Check the path, or remove it from the recent list if the project was moved.`, 'not-found');
    }
    await this.readManifest(dir);
    const interrupted = await this.reconcileStates(dir);
    const notices: string[] = [];
    if (interrupted.readOnly) {
      notices.push(`The project folder ${dir} cannot be written (read-only), so it is open for viewing only: interrupted runs and screenings are shown as interrupted but cannot be resumed here. Copy the project to a writable folder to continue it.`);
    }
    if (interrupted.runs.length > 0) {
      notices.push(
        `${interrupted.runs.length} training run${interrupted.runs.length === 1 ? ' was' : 's were'} interrupted (the app stopped while ${interrupted.runs.length === 1 ? 'it was' : 'they were'} running): ${interrupted.runs.join(', ')}. Resume from Train.`,
      );
    }
    if (interrupted.screenings.length > 0) {
      notices.push(`${interrupted.screenings.length} screening${interrupted.screenings.length === 1 ? ' was' : 's were'} interrupted: ${interrupted.screenings.join(', ')}.`);
    }
    return this.activate(dir, notices);
  }

  async close(): Promise<void> {
    if (!this.dir) return;
    this.dir = null;
    this.notices = [];
    this.events.emit('project:changed', { dir: null });
  }

  async rename(name: string): Promise<ProjectInfo> {
    const dir = this.requireDir();
    const manifest = await this.readManifest(dir);
    await writeJsonAtomic(projectPaths(dir).manifest, { ...manifest, name, updatedAt: new Date().toISOString(), appVersion: APP_VERSION });
    await renameRecent(dir, name);
    this.changed();
    return this.snapshot();
  }

  /** Marks the project as modified (updatedAt) and tells the renderer to re-read it. */
  async touch(): Promise<void> {
    const dir = this.dir;
    if (!dir) return;
    try {
      const manifest = await this.readManifest(dir);
      await writeJsonAtomic(projectPaths(dir).manifest, { ...manifest, updatedAt: new Date().toISOString(), appVersion: APP_VERSION });
    } catch {
      // The project folder went away; the next snapshot says so.
    }
    this.changed();
  }

  /** Tells the renderer that the open project changed on disk. */
  changed(): void {
    this.events.emit('project:changed', { dir: this.dir });
  }

  /** Everything in the open project, re-read from disk (null when none is open). */
  async current(): Promise<ProjectInfo | null> {
    if (!this.dir) return null;
    return this.snapshot();
  }

  async snapshot(): Promise<ProjectInfo> {
    const dir = this.requireDir();
    const manifest = await this.readManifest(dir);
    await this.reconcileStates(dir);
    const [datasets, runs, screenings, reports] = await Promise.all([this.datasets(dir), this.runs(dir), this.screenings(dir), this.reports(dir)]);
    return {
      dir,
      name: manifest.name,
      createdAtIso: manifest.createdAt,
      updatedAtIso: manifest.updatedAt,
      datasets,
      runs,
      screenings,
      reports,
      notices: [...this.notices],
    };
  }

  /** The manifest of one dataset of the open project. */
  async datasetManifest(name: string): Promise<DatasetManifest> {
    const dir = this.requireDir();
    const file = projectPaths(dir).datasetManifest(name);
    try {
      return parseDatasetManifest(await readJson(file), file);
    } catch (err) {
      if (err instanceof JsonFileError && err.kind === 'missing') {
        throw new UserFacingError(`The project has no dataset named "${name}". Import it in Datasets first.`, 'not-found');
      }
      throw new UserFacingError(`${(err as Error).message}. Re-import the dataset to repair it.`, 'failed');
    }
  }

  // ------------------------------------------------------------------ internals

  private async activate(dir: string, notices: string[]): Promise<ProjectInfo> {
    this.dir = dir;
    this.notices = notices;
    const info = await this.snapshot();
    await rememberProject(dir, info.name);
    this.changed();
    return info;
  }

  private async readManifest(dir: string): Promise<ProjectManifest> {
    const file = projectPaths(dir).manifest;
    try {
      return parseProjectManifest(await readJson(file), file);
    } catch (err) {
      if (err instanceof JsonFileError && err.kind === 'missing') {
        throw new UserFacingError(`${dir} is not a Crystal Property Studio project (it has no project.json). Choose the project folder itself, or create a new project.`, 'not-found');
      }
      if (err instanceof ManifestError || err instanceof JsonFileError) {
        throw new UserFacingError(`The project file is damaged: ${err.message}. Restore project.json from a backup, or create a new project and import the datasets again.`, 'failed');
      }
      throw err;
    }
  }

  private ownerGone(owner: ProcessOwner | null, kind: 'run' | 'screening', id: string): { gone: boolean; why: string } {
    if (!owner) return { gone: true, why: 'no process is recorded for it' };
    if (owner.session === SESSION_ID) {
      return this.isLive(kind, id) ? { gone: false, why: '' } : { gone: true, why: 'its job in this session has ended' };
    }
    if (owner.host !== os.hostname()) return { gone: false, why: '' };
    if (owner.pid === process.pid || !processAlive(owner.pid)) {
      return { gone: true, why: `the app process that ran it (pid ${owner.pid}) is gone` };
    }
    return { gone: false, why: '' };
  }

  /** Rewrites 'queued'/'running' manifests whose process is gone as 'interrupted'; returns their names. */
  private async reconcileStates(dir: string): Promise<{ runs: string[]; screenings: string[]; readOnly: boolean }> {
    const p = projectPaths(dir);
    const out = { runs: [] as string[], screenings: [] as string[], readOnly: false };
    for (const [kind, folder, manifestOf, parse] of [
      ['run', p.runs, p.runManifest, parseRunManifest],
      ['screening', p.screenings, p.screeningManifest, parseScreeningManifest],
    ] as const) {
      for (const id of await subfolders(folder)) {
        const file = manifestOf(id);
        let m;
        try {
          m = parse(await readJson(file), file);
        } catch {
          continue;
        }
        if (m.state !== 'running' && m.state !== 'queued') continue;
        if (this.unsaved.get(file)?.updatedAt === m.updatedAt) continue; // already shown as interrupted (read-only)
        const { gone, why } = this.ownerGone(m.owner, kind, m.id);
        if (!gone) continue;
        // Re-read just before writing: the owner may have finished (and written its final state) meanwhile.
        let again;
        try {
          again = parse(await readJson(file), file);
        } catch {
          continue;
        }
        if (again.updatedAt !== m.updatedAt || (again.state !== 'running' && again.state !== 'queued') || !this.ownerGone(again.owner, kind, again.id).gone) continue;
        const now = new Date().toISOString();
        const checkpoint = 'checkpoint' in m && typeof m.checkpoint === 'string' ? await isFile(path.join(path.dirname(file), m.checkpoint)) : false;
        const next =
          kind === 'run'
            ? checkpoint
              ? ' Resume continues from the last finished epoch.'
              : ' No epoch had finished, so it starts again from the beginning.'
            : ' Resume skips the structures already screened.';
        const patch = { state: 'interrupted' as const, interruptedAt: now, note: `Interrupted: ${why}.${next}` };
        try {
          await writeJsonAtomic(file, { ...m, ...patch, updatedAt: now });
        } catch (err) {
          if (!READ_ONLY_CODES.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
          this.unsaved.set(file, { updatedAt: m.updatedAt, patch: { ...patch, note: `${patch.note.replace(/ Resume .*$| No epoch .*$/, '')} The project folder is read-only.` } });
          out.readOnly = true;
        }
        (kind === 'run' ? out.runs : out.screenings).push(m.name);
      }
    }
    return out;
  }

  private async datasets(dir: string): Promise<ProjectDataset[]> {
    const p = projectPaths(dir);
    const out: ProjectDataset[] = [];
    for (const name of await subfolders(p.datasets)) {
      const file = p.datasetManifest(name);
      let m: DatasetManifest;
      try {
        m = parseDatasetManifest(await readJson(file), file);
      } catch {
        continue; // half-written import or foreign folder
      }
      const resolved = resolveDatasetPaths(dir, m);
      const available = (await isDirectory(resolved.structuresDir)) && (await isFile(resolved.csvFile));
      out.push({
        name: m.name,
        storage: m.storage,
        structuresDir: resolved.structuresDir,
        csvFile: resolved.csvFile,
        tasks: m.tasks,
        partialOccupancy: m.readOptions.partialOccupancy,
        crystals: m.counts.usable,
        entries: m.counts.entries,
        badFiles: m.counts.badFiles,
        labelledPerTask: m.counts.labelledPerTask,
        createdAtIso: m.createdAt,
        available,
        problems: available ? m.problems : [`The ${m.storage === 'copy' ? 'copied files are' : 'referenced folder or CSV is'} missing: ${resolved.structuresDir}`, ...m.problems],
      });
    }
    return out.sort((a, b) => a.createdAtIso.localeCompare(b.createdAtIso));
  }

  private async runs(dir: string): Promise<ProjectRun[]> {
    const p = projectPaths(dir);
    const out: ProjectRun[] = [];
    for (const id of await subfolders(p.runs)) {
      const file = p.runManifest(id);
      let m;
      try {
        m = this.shown(parseRunManifest(await readJson(file), file), file);
      } catch {
        continue;
      }
      const checkpoint = m.checkpoint && !this.unsaved.has(file) ? await isFile(path.join(p.run(id), m.checkpoint)) : false;
      out.push({
        id: m.id,
        name: m.name,
        state: m.state,
        dataset: m.dataset,
        tasks: m.tasks,
        createdAtIso: m.createdAt,
        updatedAtIso: m.updatedAt,
        resumable: checkpoint && (m.state === 'interrupted' || m.state === 'cancelled' || m.state === 'failed'),
        ...(m.note ? { note: m.note } : {}),
        ...(m.epochsDone !== undefined ? { epochsDone: m.epochsDone } : {}),
        ...(m.epochs !== undefined ? { epochs: m.epochs } : {}),
        ...runModelFacts(m),
      });
    }
    return out.sort((a, b) => b.createdAtIso.localeCompare(a.createdAtIso));
  }

  private async screenings(dir: string): Promise<ProjectScreening[]> {
    const p = projectPaths(dir);
    const out: ProjectScreening[] = [];
    for (const id of await subfolders(p.screenings)) {
      const file = p.screeningManifest(id);
      let m;
      try {
        m = this.shown(parseScreeningManifest(await readJson(file), file), file);
      } catch {
        continue;
      }
      out.push({
        id: m.id,
        name: m.name,
        state: m.state,
        model: m.model,
        modelSource: m.modelSource,
        folder: m.folder,
        ...(m.rows !== undefined ? { rows: m.rows } : {}),
        createdAtIso: m.createdAt,
        ...(m.note ? { note: m.note } : {}),
      });
    }
    return out.sort((a, b) => b.createdAtIso.localeCompare(a.createdAtIso));
  }

  /** A manifest as the UI shows it: with the interrupted state that could not be written on a read-only disk. */
  private shown<M extends { state: string; updatedAt: string }>(m: M, file: string): M {
    const u = this.unsaved.get(file);
    return u && u.updatedAt === m.updatedAt && (m.state === 'running' || m.state === 'queued') ? { ...m, ...u.patch } : m;
  }

  private async reports(dir: string): Promise<ProjectReport[]> {
    const folder = projectPaths(dir).reports;
    const names = await fsp.readdir(folder).catch(() => [] as string[]);
    const out: ProjectReport[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      try {
        const meta = (await readJson(path.join(folder, name))) as Record<string, unknown>;
        const html = typeof meta.file === 'string' ? meta.file : '';
        if (!html || !(await isFile(path.join(dir, html)))) continue;
        out.push({
          file: html,
          title: typeof meta.title === 'string' ? meta.title : name,
          kind: meta.kind === 'screening' ? 'screening' : 'run',
          createdAtIso: typeof meta.createdAt === 'string' ? meta.createdAt : '',
        });
      } catch {
        continue;
      }
    }
    return out.sort((a, b) => b.createdAtIso.localeCompare(a.createdAtIso));
  }
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Units, test MAE per task and ensemble size of a run, from the extra fields run.json keeps (when recorded). */
function runModelFacts(m: Record<string, unknown> & { tasks: string[]; state: string }): Pick<ProjectRun, 'units' | 'testMae' | 'members'> {
  const out: Pick<ProjectRun, 'units' | 'testMae' | 'members'> = {};
  if (Array.isArray(m.units) && m.units.length === m.tasks.length && m.units.every((u) => typeof u === 'string')) out.units = m.units as string[];
  const settings = m.settings as { members?: unknown } | undefined;
  if (settings && typeof settings.members === 'number') out.members = settings.members;
  const metrics = m.testMetrics as Record<string, { mae?: unknown } | undefined> | null | undefined;
  if (m.state === 'done' && metrics && typeof metrics === 'object') {
    out.testMae = m.tasks.map((t) => {
      const mae = metrics[t]?.mae;
      return typeof mae === 'number' && Number.isFinite(mae) ? mae : null;
    });
  }
  return out;
}
