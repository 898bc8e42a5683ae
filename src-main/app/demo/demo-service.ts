/**
 * The first-run demo: the textbook prototypes of resources/demo screened with the shipped default model in one
 * click. The screening is a job like any other (core screenFolder, job:progress, job:cancel); it needs no project
 * and writes under the studio home, never into resources/:
 *
 *   <MTCGCNN_HOME>/demo/screening.json   state, model (name + folder), counts
 *   <MTCGCNN_HOME>/demo/results.csv      the core screening CSV (mean and ensemble std per property, metal, domain)
 *   <MTCGCNN_HOME>/demo/report.html      the screening report (core report layer), printed to PDF on request
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readStructureFileSync } from '../../core/io';
import { bundleDecisionThresholds, type ModelDomain, type ModelJson } from '../../core/model/bundle';
import { readModelCard, type CatalogueOptions, type ResolvedModel } from '../../core/catalogue';
import { renderScreeningReportHtml } from '../../core/report';
import { outputLayout, screenFolder, DomainChecker, iterateCsvRecords } from '../../core/screen';
import type { DemoInfo, DemoModel, DemoReport, DemoResults, DemoScreeningState, RunState } from '../../../src-shared/contract';
import { UserFacingError } from '../../ipc/dispatcher';
import { expandPath, isDirectory, isFile, JsonFileError, readJson } from '../fs-util';
import { writeFileAtomic, writeJsonAtomic } from '../../core/fs/atomic-write';
import type { JobManager } from '../jobs';
import { demoDir } from '../../services/paths';
import type { PrintToPdf } from '../reports/report-service';
import { loadScreeningModel } from '../../services/screening-model';
import { buildScreeningReport } from '../../services/screening-report';
import { FEATURIZE_WORKER_ENV } from '../screening/screening-service';
import { screenJobUpdate } from '../screening/screen-job-progress';
import { demoResourcesDir, readDemoIndex, type DemoIndex } from './demo-index';
import { demoModelOf, modelErrorNote, shippedDemoModel } from './demo-model';
import { demoResultRows } from './demo-results';

export const DEMO_MANIFEST = 'screening.json';
export const DEMO_RESULTS = 'results.csv';
export const DEMO_REPORT = 'report.html';
export const DEMO_SCREENING_FORMAT = 'crystal-property-studio/demo-screening';
const DEMO_SCREENING_VERSION = 1;

interface DemoManifest {
  format: string;
  version: number;
  state: RunState;
  model: { name: string; dir: string };
  createdAt: string;
  updatedAt: string;
  files?: number;
  failed?: number;
  elapsedSeconds?: number;
  note?: string;
}

export interface DemoServiceOptions {
  /** Folder with demo.json and the CIFs (default <resources>/demo). */
  demoDir?: string;
  /** Where the demo screening is written (default <MTCGCNN_HOME>/demo, read when used). */
  outDir?: string;
  /** Where the shipped model is looked up (tests point it at temp folders). */
  catalogue?: CatalogueOptions;
  /** Featurization worker threads (default: screenFolder's; 0 = in-process). */
  threads?: number;
}

const STATES: readonly RunState[] = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'];

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function parseManifest(v: unknown): DemoManifest | null {
  const m = v as Partial<DemoManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== DEMO_SCREENING_FORMAT || typeof m.version !== 'number' || m.version > DEMO_SCREENING_VERSION) return null;
  if (!STATES.includes(m.state as RunState) || typeof m.model?.name !== 'string' || typeof m.model?.dir !== 'string') return null;
  return m as DemoManifest;
}

export class DemoService {
  private liveJob: string | null = null;
  private starting: Promise<{ jobId: string }> | null = null;

  constructor(
    private readonly jobs: JobManager,
    private readonly backend: () => Promise<unknown>,
    private readonly printToPdf: PrintToPdf,
    private readonly options: DemoServiceOptions = {},
  ) {}

  private paths() {
    const out = this.options.outDir ?? demoDir();
    return { out, manifest: path.join(out, DEMO_MANIFEST), csv: path.join(out, DEMO_RESULTS), report: path.join(out, DEMO_REPORT) };
  }

  private async index(): Promise<DemoIndex> {
    try {
      return await readDemoIndex(this.options.demoDir ?? demoResourcesDir());
    } catch (err) {
      throw new UserFacingError(`${message(err)}.`, 'not-found');
    }
  }

  private shipped(): { resolved: ResolvedModel; model: DemoModel } {
    try {
      return shippedDemoModel(this.options.catalogue);
    } catch (err) {
      throw new UserFacingError(`The demo needs the shipped model, but ${message(err)}.`, 'not-found');
    }
  }

  /** The manifest, or null when there is none (or it is unreadable: the demo is simply screened again). */
  private async manifest(): Promise<DemoManifest | null> {
    try {
      return parseManifest(await readJson(this.paths().manifest));
    } catch (err) {
      if (err instanceof JsonFileError) return null;
      throw err;
    }
  }

  private async writeManifest(patch: Partial<DemoManifest>): Promise<void> {
    const current = await this.manifest();
    const now = new Date().toISOString();
    await writeJsonAtomic(this.paths().manifest, { ...current, ...patch, updatedAt: now });
  }

  /** The manifest's state as this session sees it: 'running' without a live job here means the app stopped mid-way. */
  private stateOf(m: DemoManifest): DemoScreeningState {
    const stale = (m.state === 'running' || m.state === 'queued') && this.liveJob === null;
    return {
      state: stale ? 'interrupted' : m.state,
      jobId: this.liveJob,
      modelName: m.model.name,
      updatedAtIso: m.updatedAt,
      files: m.files ?? null,
      failed: m.failed ?? null,
      elapsedSeconds: m.elapsedSeconds ?? null,
      ...(stale ? { note: 'The app stopped while the demo was being screened. Screen it again.' } : m.note ? { note: m.note } : {}),
    };
  }

  async info(): Promise<DemoInfo> {
    const index = await this.index();
    let model: DemoModel | null = null;
    let modelError: string | null = null;
    try {
      model = this.shipped().model;
    } catch (err) {
      modelError = message(err);
    }
    const m = await this.manifest();
    return { description: index.description, structures: index.structures, model, modelError, screening: m ? this.stateOf(m) : null, outDir: this.paths().out };
  }

  /** Starts the demo screening, or joins the one already running (or starting: two quick clicks start one job). */
  screen(): Promise<{ jobId: string }> {
    if (this.liveJob) return Promise.resolve({ jobId: this.liveJob });
    this.starting ??= this.start().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async start(): Promise<{ jobId: string }> {
    const index = await this.index();
    const { resolved } = this.shipped();
    const { out, csv } = this.paths();
    await fsp.mkdir(out, { recursive: true });
    const now = new Date().toISOString();
    await writeJsonAtomic(this.paths().manifest, {
      format: DEMO_SCREENING_FORMAT,
      version: DEMO_SCREENING_VERSION,
      state: 'queued',
      model: { name: resolved.name, dir: resolved.dir },
      createdAt: now,
      updatedAt: now,
    } satisfies DemoManifest);
    await fsp.rm(this.paths().report, { force: true });
    const jobId = this.jobs.start('screen', 'files', async (signal, report, id) => {
      this.liveJob = id;
      try {
        await this.writeManifest({ state: 'running' });
        report({ message: `Loading the shipped model ${resolved.name}…` });
        await this.backend();
        const model = await loadScreeningModel(resolved.dir);
        const workerScript = process.env[FEATURIZE_WORKER_ENV];
        const summary = await screenFolder(
          {
            inputDir: index.dir,
            outPath: csv,
            force: true,
            signal,
            ...(this.options.threads !== undefined ? { threads: this.options.threads } : {}),
            ...(workerScript ? { workerScript } : {}),
          },
          model,
          { onProgress: (p) => report(screenJobUpdate(p)) },
        );
        if (summary.cancelled || signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
        await this.writeManifest({
          state: 'done',
          files: summary.files,
          failed: summary.totalFailed,
          elapsedSeconds: summary.elapsedSeconds,
          note: summary.totalFailed > 0 ? `${summary.totalFailed} demo structure${summary.totalFailed === 1 ? '' : 's'} could not be screened; the table says why.` : undefined,
        });
        return `${summary.files} demo structures screened with ${resolved.name}`;
      } catch (err) {
        const cancelled = signal.aborted;
        await this.writeManifest({
          state: cancelled ? 'cancelled' : 'failed',
          note: cancelled ? 'Cancelled. Screen the demo again to see the predictions.' : `Failed: ${message(err)}.`,
        }).catch(() => {});
        throw err;
      } finally {
        this.liveJob = null;
      }
    });
    return { jobId };
  }

  /** The finished demo screening's manifest, or a user-facing error saying what to do. */
  private async finished(): Promise<DemoManifest> {
    const m = await this.manifest();
    if (!m) throw new UserFacingError('The demo has not been screened yet. Click "Screen the demo with the shipped model" first.', 'not-found');
    const state = this.stateOf(m).state;
    if (state !== 'done') throw new UserFacingError(`The demo screening is ${state}, so it has no results. Screen the demo again.`, 'failed');
    if (!(await isFile(this.paths().csv))) throw new UserFacingError(`The demo results (${this.paths().csv}) are gone. Screen the demo again.`, 'not-found');
    return m;
  }

  /** The model that screened the demo (its card and training domain), read from its folder. */
  private async screeningModel(m: DemoManifest): Promise<{ model: DemoModel; domain: ModelDomain | undefined; decisionThresholds: Record<string, number> }> {
    try {
      const json = (await readJson(path.join(m.model.dir, 'model.json'))) as ModelJson;
      return { model: demoModelOf(m.model.name, readModelCard(m.model.dir)), domain: json.domain, decisionThresholds: bundleDecisionThresholds(json) };
    } catch (err) {
      throw new UserFacingError(`The model that screened the demo (${m.model.dir}) cannot be read: ${message(err)}. Screen the demo again.`, 'failed');
    }
  }

  async results(): Promise<DemoResults> {
    const m = await this.finished();
    const index = await this.index();
    const { model, domain, decisionThresholds } = await this.screeningModel(m);
    const header: string[] = [];
    const rows: string[][] = [];
    for await (const r of iterateCsvRecords(this.paths().csv)) {
      if (header.length === 0) header.push(...r.fields);
      else rows.push(r.fields);
    }
    // The CSV says whether a crystal is out of domain; the reasons come from the structure and the model's domain.
    const checker = domain ? new DomainChecker(domain) : null;
    const reasonsOf = (file: string): string[] => {
      try {
        const first = readStructureFileSync(file)[0];
        return first && checker ? checker.check(first.structure.atomicNumbers()).reasons : [];
      } catch {
        return [];
      }
    };
    const tasks = model.tasks.map((t) => ({ name: t.name, unit: t.unit }));
    let table: DemoResults['rows'];
    try {
      table = demoResultRows({ header, rows }, index.structures, tasks, reasonsOf);
    } catch (err) {
      throw new UserFacingError(`${message(err)}. Screen the demo again.`, 'failed');
    }
    const layout = outputLayout({ tasks, ensembleSize: model.ensembleSize, decisionThresholds });
    return {
      model,
      rows: table,
      metalThreshold: layout.bandGapTask >= 0 ? layout.metalThreshold : null,
      metalRule: layout.bandGapTask >= 0 ? layout.metalRule : null,
      screenedAtIso: m.updatedAt,
      elapsedSeconds: m.elapsedSeconds ?? null,
      csvFile: this.paths().csv,
      ...this.staleNote(m),
    };
  }

  /** A note when the shipped default is no longer the model that screened the demo. */
  private staleNote(m: DemoManifest): { staleNote?: string } {
    try {
      const current = this.shipped().resolved;
      if (path.resolve(current.dir) === path.resolve(m.model.dir)) return {};
      return { staleNote: `These predictions come from ${m.model.name}; the shipped model is now ${current.name}. Screen the demo again to use it.` };
    } catch {
      return { staleNote: `The shipped model is no longer installed; these predictions come from ${m.model.name}.` };
    }
  }

  /** Renders the finished demo screening with the screening report builder: every structure ranked per property. */
  async report(): Promise<DemoReport> {
    const m = await this.finished();
    const index = await this.index();
    const { model } = await this.screeningModel(m);
    const title = `Demo: ${index.structures.length} textbook prototypes screened with ${m.model.name}`;
    const notes = [
      `The ${index.structures.length} structures are textbook prototypes written by Crystal Property Studio: the occupied Wyckoff positions of each prototype in its conventional cell, with an experimental room-temperature lattice constant. They are idealised, not relaxed DFT structures.`,
      modelErrorNote(model),
    ].join('\n');
    let html: string;
    try {
      const doc = await buildScreeningReport(this.paths().csv, m.model.dir, { title, top: index.structures.length, sourceDir: index.dir, sourceName: 'the demo set (resources/demo)', notes });
      html = renderScreeningReportHtml(doc.report);
    } catch (err) {
      throw new UserFacingError(`The demo report could not be made: ${message(err)}. Screen the demo again.`, 'failed');
    }
    const file = this.paths().report;
    await writeFileAtomic(file, html);
    return { title, html, file, createdAtIso: new Date().toISOString() };
  }

  async reportPdf(out: string): Promise<{ path: string; bytes: number }> {
    const target = expandPath(out);
    if (!(await isDirectory(path.dirname(target)))) throw new UserFacingError(`The folder ${path.dirname(target)} does not exist. Choose where to save the PDF.`, 'not-found');
    const { html } = await this.report();
    try {
      const { bytes } = await this.printToPdf(html, target);
      return { path: target, bytes };
    } catch (err) {
      throw new UserFacingError(message(err), 'failed');
    }
  }
}

