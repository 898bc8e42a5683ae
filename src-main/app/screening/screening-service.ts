/**
 * Screening runs of the open project, as jobs: a model predicts every structure file of a folder (core
 * screenFolder: featurization in worker threads, resumable CSV output). The model is a finished training run of the
 * project or a catalogue model (shipped with the app or one of the user's models, src-main/core/catalogue). Results
 * live in screenings/<id>/results.csv next to screening.json, which records the model (name, source, folder); the
 * table and CSV export read that file.
 */
import path from 'node:path';
import { iterateCsvRecords } from '../../core/screen/csv-reader';
import { csvLine } from '../../core/screen/csv-writer';
import { columnName, readableHeader } from '../../core/screen/columns';
import { describeSkipped, screenFolder, ScreenError } from '../../core/screen';
import type { CatalogueOptions } from '../../core/catalogue';
import type { ScreeningDetail, ScreeningTable, StartScreeningRequest } from '../../../src-shared/contract';
import { UserFacingError } from '../../ipc/dispatcher';
import { expandPath, isDirectory, isFile, JsonFileError, readJson, timestampId } from '../fs-util';
import { writeFileAtomic, writeJsonAtomic } from '../../core/fs/atomic-write';
import type { JobManager } from '../jobs';
import { findCatalogueModel } from '../models/model-catalogue';
import { loadScreeningModel } from '../../services/screening-model';
import { screenJobUpdate } from './screen-job-progress';
import { currentOwner } from '../session';
import { MANIFEST_VERSION, parseScreeningManifest, projectPaths, SCREENING_FORMAT, type ScreeningManifestBase } from '../projects/manifests';
import type { ProjectSession } from '../projects/project-session';
import type { TrainingService } from '../training/training-service';

export const RESULTS_FILE = 'results.csv';
/** Path of the featurization worker script when it is not next to the bundle (tests, custom builds). */
export const FEATURIZE_WORKER_ENV = 'MTCGCNN_FEATURIZE_WORKER';

interface ScreeningManifest extends ScreeningManifestBase {
  /** The project run whose model screens (modelSource 'run'). */
  runId?: string;
  /** The model bundle folder (absolute): where a catalogue model is loaded from; for a run, where it was at the start. */
  modelDir?: string;
  /** Ensemble members of the model. */
  ensembleSize?: number;
  recursive: boolean;
  /** label: the task's display name ("Band gap"), recorded for catalogue models; absent: the default for its name. */
  tasks: { name: string; unit: string; label?: string }[];
  ensemble: boolean;
  files?: number;
  failed?: number;
  total?: number | null;
  elapsedSeconds?: number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ScreeningService {
  private readonly live = new Map<string, string>();
  private readonly owned = new Set<string>();
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly jobs: JobManager,
    private readonly projects: ProjectSession,
    private readonly training: TrainingService,
    private readonly backend: () => Promise<unknown>,
    /** Where catalogue models are looked up (tests point it at temp folders; default: the app's). */
    private readonly catalogue: CatalogueOptions = {},
  ) {}

  isLive(id: string): boolean {
    return this.live.has(id) || this.owned.has(id);
  }

  private paths(id: string) {
    const projectDir = this.projects.requireDir();
    const p = projectPaths(projectDir);
    return { projectDir, dir: p.screening(id), manifest: p.screeningManifest(id), csv: path.join(p.screening(id), RESULTS_FILE) };
  }

  async read(id: string): Promise<ScreeningManifest> {
    const file = this.paths(id).manifest;
    try {
      return parseScreeningManifest(await readJson(file), file) as unknown as ScreeningManifest;
    } catch (err) {
      if (err instanceof JsonFileError && err.kind === 'missing') throw new UserFacingError(`The project has no screening "${id}".`, 'not-found');
      throw new UserFacingError(`${message(err)}. The screening's record is damaged; screen the folder again.`, 'failed');
    }
  }

  private update(id: string, patch: (m: ScreeningManifest) => Partial<ScreeningManifest>): Promise<void> {
    const file = this.paths(id).manifest;
    const next = (this.chains.get(id) ?? Promise.resolve()).then(async () => {
      const m = parseScreeningManifest(await readJson(file), file) as unknown as ScreeningManifest;
      await writeJsonAtomic(file, { ...m, ...patch(m), updatedAt: new Date().toISOString() });
    });
    this.chains.set(id, next.catch(() => undefined));
    return next;
  }

  async start(request: StartScreeningRequest): Promise<{ screeningId: string; jobId: string }> {
    const projectDir = this.projects.requireDir();
    const folder = expandPath(request.folder);
    if (!(await isDirectory(folder))) throw new UserFacingError(`The folder ${folder} does not exist. Choose the folder with the structure files to screen.`, 'not-found');
    const model = await this.modelOf(request);
    const id = timestampId();
    const now = new Date().toISOString();
    const manifest: ScreeningManifest = {
      format: SCREENING_FORMAT,
      version: MANIFEST_VERSION,
      id,
      name: request.name,
      state: 'queued',
      ...model,
      folder,
      recursive: request.recursive,
      createdAt: now,
      updatedAt: now,
      owner: currentOwner(),
    };
    await writeJsonAtomic(projectPaths(projectDir).screeningManifest(id), manifest);
    const jobId = this.launch(id, false);
    this.projects.changed();
    return { screeningId: id, jobId };
  }

  /** What the manifest records about the model: a finished run of the project, or an installed catalogue model. */
  private async modelOf(
    request: StartScreeningRequest,
  ): Promise<Pick<ScreeningManifest, 'model' | 'modelSource' | 'runId' | 'modelDir' | 'ensembleSize' | 'tasks' | 'ensemble'>> {
    if (request.model) {
      const m = findCatalogueModel(request.model, this.catalogue);
      if (m.tasks.length === 0) throw new UserFacingError(`The model "${m.name}" (${m.dir}) predicts no property. Pick another model.`, 'failed');
      return {
        model: m.name,
        modelSource: m.source,
        modelDir: m.dir,
        ensembleSize: m.ensembleSize,
        tasks: m.tasks.map((t) => ({ name: t.name, unit: t.unit, label: t.label })),
        ensemble: m.ensembleSize > 1,
      };
    }
    const run = await this.training.detail(request.runId);
    if (run.run.state !== 'done') throw new UserFacingError(`Run "${run.run.name}" has not finished, so it has no model to screen with. Pick a finished run.`, 'failed');
    return {
      model: run.run.name,
      modelSource: 'run',
      runId: request.runId,
      ...(run.modelDir ? { modelDir: run.modelDir } : {}),
      ensembleSize: run.settings.members,
      tasks: run.settings.tasks.map((name, k) => ({ name, unit: run.units[k] ?? '' })),
      ensemble: run.settings.members > 1,
    };
  }

  /** The bundle folder a screening's model is loaded from (a run's folder is looked up again: projects move). */
  async modelDir(m: ScreeningManifest): Promise<string> {
    if (m.modelSource === 'run') {
      if (!m.runId) throw new UserFacingError(`The screening "${m.name}" does not record its training run. Screen the folder again.`, 'failed');
      return this.training.modelDir(m.runId);
    }
    const dir = m.modelDir;
    if (!dir || !(await isFile(path.join(dir, 'model.json')))) {
      throw new UserFacingError(
        `The model ${m.model} that this screening used (${dir ?? 'folder not recorded'}) is no longer installed. Screen the folder again with another model.`,
        'not-found',
      );
    }
    return dir;
  }

  async resume(id: string): Promise<{ jobId: string }> {
    if (this.live.has(id)) throw new UserFacingError('This screening is already running.', 'failed');
    const m = await this.read(id);
    if (m.state === 'done') throw new UserFacingError('This screening has finished; there is nothing to resume.', 'failed');
    if (m.state === 'running' || m.state === 'queued') throw new UserFacingError('This screening is still marked as running by another app window or computer.', 'failed');
    await this.update(id, () => ({ state: 'queued', owner: currentOwner() }));
    return { jobId: this.launch(id, await isFile(this.paths(id).csv)) };
  }

  private launch(id: string, resume: boolean): string {
    const { csv } = this.paths(id);
    this.owned.add(id);
    return this.jobs.start('screen', 'files', async (signal, report, jobId) => {
      this.live.set(id, jobId);
      try {
        const m = await this.read(id);
        await this.update(id, () => ({ state: 'running', owner: currentOwner(), note: undefined }));
        this.projects.changed();
        report({ message: 'Loading the model…' });
        await this.backend();
        const model = await loadScreeningModel(await this.modelDir(m));
        const workerScript = process.env[FEATURIZE_WORKER_ENV];
        const summary = await screenFolder(
          {
            inputDir: m.folder,
            outPath: csv,
            recursive: m.recursive,
            resume,
            force: !resume,
            signal,
            ...(workerScript ? { workerScript } : {}),
          },
          model,
          { onProgress: (p) => report(screenJobUpdate(p)) },
        );
        if (summary.cancelled || signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
        const files = summary.files + summary.skipped;
        await this.update(id, () => ({
          state: 'done',
          owner: null,
          rows: files,
          files,
          failed: summary.totalFailed,
          total: summary.total ?? files,
          elapsedSeconds: summary.elapsedSeconds,
          note:
            [
              summary.totalFailed > 0 ? `${summary.totalFailed} file${summary.totalFailed === 1 ? '' : 's'} could not be screened; the table says why (tick off "Hide unreadable").` : '',
              describeSkipped(summary.notRead),
            ]
              .filter((x) => x !== '')
              .join(' ') || undefined,
        }));
        const notRead = summary.notRead.total > 0 ? `; ${summary.notRead.total} other entries not read` : '';
        return `${files} structures screened (${summary.totalFailed} unreadable${notRead})`;
      } catch (err) {
        const cancelled = signal.aborted;
        const hint = err instanceof ScreenError && err.code === 'input' ? ' Check the folder and that it holds structure files (.cif, .vasp, POSCAR/CONTCAR, .xyz).' : '';
        await this.update(id, () => ({
          state: cancelled ? 'cancelled' : 'failed',
          owner: null,
          note: cancelled ? 'Cancelled. Resume skips the structures already screened.' : `Failed: ${message(err)}.${hint}`,
        })).catch(() => {});
        throw err;
      } finally {
        this.live.delete(id);
        this.projects.changed();
      }
    });
  }

  async detail(id: string): Promise<ScreeningDetail> {
    const m = await this.read(id);
    const info = (await this.projects.snapshot()).screenings.find((s) => s.id === id);
    if (!info) throw new UserFacingError(`The project has no screening "${id}".`, 'not-found');
    return {
      screening: info,
      runId: m.modelSource === 'run' ? (m.runId ?? null) : null,
      model: {
        name: m.model,
        source: m.modelSource,
        runId: m.modelSource === 'run' ? (m.runId ?? null) : null,
        dir: m.modelDir ?? null,
        ensembleSize: typeof m.ensembleSize === 'number' ? m.ensembleSize : null,
      },
      recursive: m.recursive,
      jobId: this.live.get(id) ?? null,
      counts: { files: m.files ?? 0, failed: m.failed ?? 0, total: m.total ?? null },
      elapsedSeconds: m.elapsedSeconds ?? null,
      csvFile: this.paths(id).csv,
    };
  }

  /** The results CSV's header and records. */
  private async records(id: string): Promise<{ m: ScreeningManifest; header: string[]; rows: string[][] }> {
    const m = await this.read(id);
    const { csv } = this.paths(id);
    if (!(await isFile(csv))) throw new UserFacingError('This screening has no results yet. Start or resume it first.', 'not-found');
    let header: string[] | null = null;
    const rows: string[][] = [];
    for await (const r of iterateCsvRecords(csv)) {
      if (!header) header = r.fields;
      else rows.push(r.fields);
    }
    if (!header) throw new UserFacingError(`${csv} is empty. Screen the folder again.`, 'failed');
    return { m, header, rows };
  }

  async table(id: string): Promise<ScreeningTable> {
    const { m, header, rows } = await this.records(id);
    const col = (name: string) => header.indexOf(name);
    const num = (s: string | undefined): number | null => {
      if (s === undefined || s.trim() === '') return null;
      const v = Number(s);
      return Number.isFinite(v) ? v : null;
    };
    const [iId, iFile, iFormula, iAtoms, iMetal, iOod, iError] = ['id', 'file', 'formula', 'n_atoms', 'metal', 'out_of_domain', 'error'].map(col) as [number, number, number, number, number, number, number];
    const valueCols = m.tasks.map((t) => col(columnName(t.name, t.unit)));
    const stdCols = m.tasks.map((t) => col(columnName(`${t.name}_std`, t.unit)));
    if (iId < 0 || valueCols.some((c) => c < 0)) throw new UserFacingError(`The results CSV does not have the expected columns (${header.join(', ')}). Screen the folder again.`, 'failed');
    return {
      screeningId: id,
      tasks: m.tasks.map((t) => ({ name: t.name, unit: t.unit })),
      ids: rows.map((r) => r[iId] ?? ''),
      files: rows.map((r) => path.resolve(m.folder, r[iFile] ?? '')),
      formulas: rows.map((r) => (iFormula >= 0 ? (r[iFormula] ?? '') : '')),
      atoms: rows.map((r) => (iAtoms >= 0 ? num(r[iAtoms]) : null)),
      values: valueCols.map((c) => rows.map((r) => num(r[c]))),
      std: stdCols.every((c) => c >= 0) ? stdCols.map((c) => rows.map((r) => num(r[c]))) : null,
      metal: iMetal >= 0 ? rows.map((r) => r[iMetal] || null) : null,
      outOfDomain: rows.map((r) => iOod >= 0 && r[iOod] === 'true'),
      errors: rows.map((r) => (iError >= 0 ? (r[iError] ?? '') : '')),
    };
  }

  /** The rows `indices` of a screening, in that order, as a CSV for people: human column names (readableHeader). */
  async export(id: string, indices: number[], out: string): Promise<{ path: string; rows: number }> {
    const { m, header, rows } = await this.records(id);
    const bad = indices.find((i) => i >= rows.length);
    if (bad !== undefined) throw new UserFacingError(`Row ${bad} is not in this screening (it has ${rows.length} rows). Reload the table and export again.`, 'failed');
    const file = expandPath(out);
    if (!(await isDirectory(path.dirname(file)))) throw new UserFacingError(`The folder ${path.dirname(file)} does not exist. Choose where to save the CSV.`, 'not-found');
    const lines = [csvLine(readableHeader(header, m.tasks)), ...indices.map((i) => csvLine(rows[i]!))];
    await writeFileAtomic(file, lines.join(''));
    return { path: file, rows: indices.length };
  }
}
