/**
 * The main process's IPC handlers, free of Electron so that tests and the e2e harness run exactly this code.
 * Electron-only capabilities (native dialogs, opening links in the system browser) come in through `AppContext`.
 */
import os from 'node:os';
import path from 'node:path';
import type { AppInfo, BackendSummary, ChooseFileRequest, ChooseFolderRequest, ChooseSaveFileRequest } from '../../src-shared/contract';
import type { EventSink, Handlers } from '../ipc/dispatcher';
import { UserFacingError } from '../ipc/dispatcher';
import { APP_VERSION } from '../services/version';
import { projectsDir } from '../services/paths';
import { JobManager } from './jobs';
import { ProjectSession } from './projects/project-session';
import { resolveDatasetPaths } from './projects/manifests';
import { DatasetService } from './datasets/dataset-service';
import { buildStructureView, loadStructure } from './structures/structure-view';
import { expandPath } from './fs-util';
import { TrainingService } from './training/training-service';
import { ScreeningService } from './screening/screening-service';
import { ReportService } from './reports/report-service';
import { DemoService } from './demo/demo-service';
import { modelCatalogue } from './models/model-catalogue';
import { listFolder, places } from './files/file-browser';
import { checkSaveTarget, SavePaths } from './files/save-paths';
import { defaultTrainingWorkers } from '../core/train/data-parallel';

export interface AppContext {
  /** Resolves the compute backend once (lazily) and describes it. */
  backend(): Promise<BackendSummary & { versions: Record<string, string> }>;
  events: EventSink;
  openExternal(url: string): Promise<void>;
  /** Native folder picker (Electron's dialog; the e2e harness answers with test paths). Null when cancelled. */
  chooseFolder(request: ChooseFolderRequest): Promise<string | null>;
  /** Native file picker limited to `extensions`. Null when cancelled. */
  chooseFile(request: ChooseFileRequest): Promise<string | null>;
  /** Native save dialog. Null when cancelled. */
  chooseSaveFile(request: ChooseSaveFileRequest): Promise<string | null>;
  /** Prints a self-contained HTML document to an A4 PDF (Electron: printToPDF of a hidden window). */
  printToPdf(html: string, outFile: string): Promise<{ bytes: number }>;
  /**
   * True in the browser shell, whose pages choose save paths with the in-app dialog and confirm them with
   * `fs:confirm-save`. Electron leaves it unset: there only its native save dialog names files to write.
   */
  savesInPage?: boolean;
}

/** Supercells are refused above this many displayed sites (the viewer would crawl). */
const MAX_DISPLAY_SITES = 20_000;

export interface AppServices {
  jobs: JobManager;
  projects: ProjectSession;
  datasets: DatasetService;
  training: TrainingService;
  screening: ScreeningService;
  reports: ReportService;
  demo: DemoService;
}

export function createServices(ctx: AppContext, jobs = new JobManager(ctx.events)): AppServices {
  // Runs and screenings are 'live' while a job of this session works on them (see ProjectSession).
  const live = { run: (_id: string) => false, screening: (_id: string) => false };
  const projects = new ProjectSession(ctx.events, (kind, id) => (kind === 'run' ? live.run(id) : live.screening(id)));
  const datasets = new DatasetService(jobs, projects);
  const training = new TrainingService(jobs, projects, datasets, ctx.backend);
  const screening = new ScreeningService(jobs, projects, training, ctx.backend);
  const reports = new ReportService(projects, datasets, training, screening, (html, out) => ctx.printToPdf(html, out));
  const demo = new DemoService(jobs, ctx.backend, (html, out) => ctx.printToPdf(html, out));
  live.run = (id) => training.isLive(id);
  live.screening = (id) => screening.isLive(id);
  return { jobs, projects, datasets, training, screening, reports, demo };
}

export function createHandlers(ctx: AppContext, jobs = new JobManager(ctx.events), services = createServices(ctx, jobs)): Handlers {
  const { projects, datasets, training, screening, reports, demo } = services;
  // Files the app writes at the user's request must have come out of a save dialog (src-main/app/files/save-paths.ts).
  const savePaths = new SavePaths();
  return {
    'app:info': async (): Promise<AppInfo> => {
      const backend = await ctx.backend();
      const { versions, ...summary } = backend;
      return {
        appVersion: APP_VERSION,
        versions: { node: process.versions.node, ...(process.versions.electron ? { electron: process.versions.electron } : {}), ...versions },
        backend: summary,
        cpuCount: os.cpus().length,
        trainingWorkers: defaultTrainingWorkers(),
        projectsDir: projectsDir(),
      };
    },
    'app:echo': ({ text }) => ({ text, receivedAtIso: new Date().toISOString() }),
    'app:open-external': async ({ url }) => {
      await ctx.openExternal(url);
    },
    'app:choose-folder': async (request) => ({
      path: await ctx.chooseFolder({ ...request, ...(request.defaultPath ? { defaultPath: expandPath(request.defaultPath) } : {}) }),
    }),
    'app:choose-file': async (request) => ({
      path: await ctx.chooseFile({ ...request, ...(request.defaultPath ? { defaultPath: expandPath(request.defaultPath) } : {}) }),
    }),
    'app:choose-save-file': async (request) => {
      const chosen = await ctx.chooseSaveFile({ ...request, ...(request.defaultPath ? { defaultPath: expandPath(request.defaultPath) } : {}) });
      if (chosen !== null) savePaths.allow(chosen);
      return { path: chosen };
    },
    'fs:list': (request) => listFolder(request),
    'fs:places': () => places(),
    'fs:confirm-save': async ({ path: file, extensions }) => {
      if (!ctx.savesInPage) throw new UserFacingError('The desktop app chooses where to save with the system dialog.', 'failed');
      return { path: savePaths.allow(await checkSaveTarget(file, extensions)) };
    },

    'project:recent': () => projects.recent(),
    'project:create': ({ name, parentDir }) => projects.create(name, parentDir),
    'project:open': ({ dir }) => projects.open(dir),
    'project:current': () => projects.current(),
    'project:rename': ({ name }) => projects.rename(name),
    'project:close': () => projects.close(),
    'project:forget': ({ dir }) => projects.forget(dir),

    'dataset:inspect': (source) => datasets.inspect(source),
    'dataset:validate': (request) => ({ jobId: datasets.validate(request) }),
    'dataset:validation': ({ jobId }) => datasets.validation(jobId),
    'dataset:import': async (request) => ({ jobId: await datasets.import(request) }),
    'dataset:report': ({ name }) => datasets.storedReport(name),
    'dataset:remove': async ({ name }) => {
      await datasets.remove(name);
      return projects.snapshot();
    },

    'structures:list': ({ dataset }) => datasets.table(dataset),
    'structures:view': async ({ ref, supercell }) => {
      if (ref.kind === 'dataset') {
        const { manifest, index } = await datasets.index(ref.dataset);
        const row = index.rows.find((r) => r.id === ref.id);
        if (!row) throw new UserFacingError(`Dataset "${ref.dataset}" has no crystal "${ref.id}".`, 'not-found');
        if (!row.ok) throw new UserFacingError(`Crystal "${ref.id}" cannot be used: ${row.reason ?? 'unreadable'}. The model never sees it.`, 'failed');
        const { structuresDir } = resolveDatasetPaths(projects.requireDir(), manifest);
        const loaded = await loadStructure(ref.id, path.join(structuresDir, row.file), manifest.readOptions);
        checkSize(loaded.structure.numSites, supercell);
        const labels = Object.fromEntries(manifest.tasks.map((t, i) => [t.name, row.labels[i] ?? null]));
        return buildStructureView(loaded, supercell, { source: `${ref.dataset} / ${row.file}`, labels });
      }
      const file = expandPath(ref.path);
      const loaded = await loadStructure(path.basename(file).replace(/\.[^.]+$/, ''), file, {});
      checkSize(loaded.structure.numSites, supercell);
      return buildStructureView(loaded, supercell, { source: file });
    },

    'train:start': (settings) => training.start(settings),
    'train:resume': ({ runId }) => training.resume(runId),
    'train:run': ({ runId }) => training.detail(runId),
    'results:run': ({ runId }) => training.results(runId),

    'models:list': () => modelCatalogue(),

    'screen:start': (request) => screening.start(request),
    'screen:resume': ({ screeningId }) => screening.resume(screeningId),
    'screen:detail': ({ screeningId }) => screening.detail(screeningId),
    'screen:table': ({ screeningId }) => screening.table(screeningId),
    'screen:export': ({ screeningId, rows, path: out }) => screening.export(screeningId, rows, savePaths.require(out)),

    'report:create': (request) => reports.create(request),
    'report:html': ({ file }) => reports.html(file),
    'report:pdf': ({ file, path: out }) => reports.pdf(file, savePaths.require(out)),

    'demo:info': () => demo.info(),
    'demo:screen': () => demo.screen(),
    'demo:results': () => demo.results(),
    'demo:report': () => demo.report(),
    'demo:report-pdf': ({ path: out }) => demo.reportPdf(savePaths.require(out)),

    'job:cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'job:list': () => jobs.list(),
  };
}

function checkSize(sites: number, supercell: 1 | 2): void {
  if (sites * supercell ** 3 > MAX_DISPLAY_SITES) {
    throw new UserFacingError(`${sites} sites ${supercell > 1 ? `in a ${supercell}x${supercell}x${supercell} supercell ` : ''}is too many to draw. Show the unit cell (1x1x1) instead.`, 'failed');
  }
}
