/**
 * Reports of the open project: a finished training run or screening rendered by the core report layer into a
 * self-contained HTML file under reports/ (with a small JSON sidecar the project overview lists), shown in the app
 * and printed to PDF through AppContext (Electron's printToPDF, or Chromium in tests and the CLI).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { DEFAULT_GRAPH_SETTINGS } from '../../core/graph';
import { renderRunReportHtml, renderScreeningReportHtml, type HistoryEntry, type RunReport, type ScreeningReport } from '../../core/report';
import { readModelCard } from '../../core/catalogue';
import type { ProjectReport, ReportRequest, ScreeningDetail, TaskMetrics } from '../../../src-shared/contract';
import { UserFacingError } from '../../ipc/dispatcher';
import { expandPath, isDirectory, isFile } from '../fs-util';
import { writeFileAtomic, writeJsonAtomic } from '../../core/fs/atomic-write';
import { projectPaths } from '../projects/manifests';
import type { ProjectSession } from '../projects/project-session';
import type { DatasetService } from '../datasets/dataset-service';
import type { ScreeningService } from '../screening/screening-service';
import type { TrainingService } from '../training/training-service';
import { APP_VERSION } from '../../services/version';
import { demoModelOf, modelErrorNote } from '../demo/demo-model';
import { buildScreeningReport } from '../../services/screening-report';

export type PrintToPdf = (html: string, outFile: string) => Promise<{ bytes: number }>;

function reportMetrics(m: TaskMetrics, unit: string) {
  return {
    n: m.n,
    mae: m.mae,
    rmse: m.rmse,
    r2: m.r2,
    spearman: m.spearman,
    unit,
    ...(m.rocAuc !== undefined ? { roc_auc: m.rocAuc } : {}),
    ...(m.thresholdEv !== undefined ? { threshold: m.thresholdEv } : {}),
    ...(m.confusion ? { confusion: m.confusion } : {}),
  };
}

function histogram(values: number[], bins = 20): { edges: number[]; counts: number[] } {
  if (values.length === 0) return { edges: [0, 1], counts: [0] };
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const w = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * w);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)))]++;
  return { edges, counts };
}

export class ReportService {
  constructor(
    private readonly projects: ProjectSession,
    private readonly datasets: DatasetService,
    private readonly training: TrainingService,
    private readonly screening: ScreeningService,
    private readonly printToPdf: PrintToPdf,
  ) {}

  async create(request: ReportRequest): Promise<ProjectReport> {
    const projectDir = this.projects.requireDir();
    const { html, title, kind, base } = request.kind === 'run' ? await this.runReport(request.runId) : await this.screeningReport(request.screeningId);
    const reports = projectPaths(projectDir).reports;
    const file = `reports/${base}.html`;
    const createdAt = new Date().toISOString();
    await writeFileAtomic(path.join(projectDir, file), html);
    await writeJsonAtomic(path.join(reports, `${base}.json`), { format: 'crystal-property-studio/report', version: 1, title, kind, file, createdAt });
    await this.projects.touch();
    return { file, title, kind, createdAtIso: createdAt };
  }

  private async runReport(runId: string): Promise<{ html: string; title: string; kind: 'run'; base: string }> {
    const detail = await this.training.detail(runId);
    const results = await this.training.results(runId);
    const { manifest, index } = await this.datasets.index(results.dataset);
    const s = results.settings;
    const formulaOf = new Map(index.rows.map((r) => [r.id, r.formula ?? '']));
    const last = detail.history.filter((h) => h.member === 0).at(-1);
    const history: HistoryEntry[] = detail.history
      .filter((h) => h.member === 0)
      .map((h) => ({
        epoch: h.epoch,
        trainLoss: Object.fromEntries(s.tasks.map((t, k) => [t, h.trainLoss[k] ?? NaN])),
        valMae: Object.fromEntries(s.tasks.flatMap((t, k) => (h.valMae[k] === null || h.valMae[k] === undefined ? [] : [[t, h.valMae[k]!]]))),
        lr: h.lr,
        taskWeights: Object.fromEntries(s.tasks.map((t, k) => [t, h.weights[k] ?? NaN])),
      }));
    const report: RunReport = {
      title: `${detail.run.name}`,
      createdIso: new Date().toISOString(),
      appVersion: APP_VERSION,
      dataset: {
        name: manifest.name,
        dir: manifest.storage === 'reference' ? manifest.structuresDir : `${manifest.name} (copied into the project)`,
        contentHash: 'not recorded',
        crystals: results.split.train + results.split.val + results.split.test,
        split: { train: results.split.train, val: results.split.val, test: results.split.test },
        seed: results.split.seed ?? s.seed,
        labelsPerTask: Object.fromEntries(s.tasks.map((t) => [t, manifest.counts.labelledPerTask[t] ?? 0])),
      },
      model: {
        kind: s.tasks.length > 1 ? 'MT-CGCNN' : 'CGCNN',
        tasks: results.tasks.map((t) => ({ name: t.name, unit: t.unit })),
        sharing: s.sharing,
        weighting: { mode: s.weighting, ...(last ? { weights: Object.fromEntries(s.tasks.map((t, k) => [t, last.weights[k] ?? NaN])) } : {}) },
        architecture: { atomFeatures: s.convDim, convLayers: s.numConv, hidden: s.hiddenDim, headLayers: s.headHidden },
        graph: { radiusAngstrom: DEFAULT_GRAPH_SETTINGS.radiusAngstrom, maxNeighbors: DEFAULT_GRAPH_SETTINGS.maxNeighbors },
        backend: results.backend,
        trainingSeconds: results.durationSeconds,
        epochs: results.epochsRun,
        ensembleSize: s.members,
      },
      metrics: {
        tasks: Object.fromEntries(results.tasks.map((t) => [t.name, reportMetrics(results.metrics[t.name]!, t.unit)])),
        average_mae: results.averageMae,
      },
      predictions: {
        ids: results.test.ids,
        formulas: results.test.ids.map((id) => formulaOf.get(id) ?? ''),
        perTask: Object.fromEntries(results.tasks.map((t, k) => [t.name, { true: results.test.true[k] ?? [], pred: results.test.pred[k] ?? [] }])),
      },
      roc: Object.fromEntries(Object.entries(results.roc).map(([k, v]) => [k, { fpr: v.fpr, tpr: v.tpr }])),
      history,
    };
    return { html: renderRunReportHtml(report), title: `Training run: ${detail.run.name}`, kind: 'run', base: `run-${runId}` };
  }

  private async screeningReport(id: string): Promise<{ html: string; title: string; kind: 'screening'; base: string }> {
    const detail = await this.screening.detail(id);
    if (detail.screening.state !== 'done') throw new UserFacingError('The screening has not finished; its report needs all results. Resume it first.', 'failed');
    if (detail.runId === null) return this.catalogueScreeningReport(id, detail);
    const table = await this.screening.table(id);
    const run = await this.training.detail(detail.runId);
    const results = await this.training.results(detail.runId);
    const s = run.settings;
    const ok = table.errors.map((e) => e === '');
    const candidates: Record<string, ScreeningReport['candidates'][string]> = {};
    const histograms: Record<string, ScreeningReport['histograms'][string]> = {};
    table.tasks.forEach((t, k) => {
      const rows: number[] = [];
      table.values[k]!.forEach((v, i) => ok[i] && v !== null && rows.push(i));
      const rankBy = /gap/i.test(t.name) ? 'max' : 'min';
      rows.sort((a, b) => (rankBy === 'min' ? table.values[k]![a]! - table.values[k]![b]! : table.values[k]![b]! - table.values[k]![a]!));
      candidates[t.name] = {
        rankBy,
        items: rows.slice(0, 10).map((i) => ({
          id: table.ids[i]!,
          formula: table.formulas[i]!,
          value: table.values[k]![i]!,
          ...(table.std?.[k]?.[i] !== null && table.std?.[k]?.[i] !== undefined ? { std: table.std[k]![i]! } : {}),
          ood: table.outOfDomain[i]!,
        })),
      };
      histograms[t.name] = histogram(rows.map((i) => table.values[k]![i]!));
    });
    const failures = table.ids.flatMap((rid, i) => (table.errors[i] ? [{ id: rid, reason: table.errors[i]! }] : [])).slice(0, 20);
    const report: ScreeningReport = {
      title: detail.screening.name,
      createdIso: new Date().toISOString(),
      appVersion: APP_VERSION,
      model: {
        kind: s.tasks.length > 1 ? 'MT-CGCNN' : 'CGCNN',
        tasks: table.tasks,
        sharing: s.sharing,
        weighting: { mode: s.weighting },
        architecture: { atomFeatures: s.convDim, convLayers: s.numConv, hidden: s.hiddenDim, headLayers: s.headHidden },
        graph: { radiusAngstrom: DEFAULT_GRAPH_SETTINGS.radiusAngstrom, maxNeighbors: DEFAULT_GRAPH_SETTINGS.maxNeighbors },
        backend: results.backend,
        trainingSeconds: results.durationSeconds,
        epochs: results.epochsRun,
        ensembleSize: s.members,
      },
      source: { name: path.basename(detail.screening.folder), dir: detail.screening.folder },
      counts: { screened: table.ids.length, failed: ok.filter((x) => !x).length, outOfDomain: table.outOfDomain.filter(Boolean).length },
      oodCriterion: 'elements not in the training split, or more or fewer atoms per cell than any training crystal',
      candidates,
      histograms,
      failures,
    };
    return { html: renderScreeningReportHtml(report), title: `Screening: ${detail.screening.name}`, kind: 'screening', base: `screening-${id}` };
  }

  /**
   * A screening with a catalogue model (shipped or the user's): the screening report of the results CSV and the
   * model bundle that wrote it, with the model's held-back test error and what ± means under the title.
   */
  private async catalogueScreeningReport(id: string, detail: ScreeningDetail): Promise<{ html: string; title: string; kind: 'screening'; base: string }> {
    const modelDir = await this.screening.modelDir(await this.screening.read(id));
    const where = detail.model.source === 'shipped' ? 'shipped with Crystal Property Studio' : `one of your models (${modelDir})`;
    const notes: string[] = [];
    try {
      const card = readModelCard(modelDir);
      const about = demoModelOf(detail.model.name, card);
      notes.push(`Model ${detail.model.name}, ${where}${about.dataset ? `, trained on ${about.dataset}` : ''}.`, modelErrorNote(about));
      if (card.dataset.license) notes.push(`Training data: ${card.dataset.license}.`);
    } catch {
      notes.push(`Model ${detail.model.name}, ${where}.`);
    }
    let html: string;
    try {
      const doc = await buildScreeningReport(detail.csvFile, modelDir, {
        title: detail.screening.name,
        sourceDir: detail.screening.folder,
        sourceName: path.basename(detail.screening.folder),
        notes: notes.join('\n'),
      });
      html = renderScreeningReportHtml(doc.report);
    } catch (err) {
      throw new UserFacingError(`The screening report could not be made: ${err instanceof Error ? err.message : String(err)}. Screen the folder again.`, 'failed');
    }
    return { html, title: `Screening: ${detail.screening.name}`, kind: 'screening', base: `screening-${id}` };
  }

  private file(rel: string): string {
    const projectDir = this.projects.requireDir();
    const abs = path.resolve(projectDir, rel);
    if (!abs.startsWith(projectPaths(projectDir).reports + path.sep)) throw new UserFacingError('That file is not a report of this project.', 'failed');
    return abs;
  }

  async html(rel: string): Promise<{ html: string }> {
    const file = this.file(rel);
    if (!(await isFile(file))) throw new UserFacingError(`The report ${rel} is gone. Create it again from its run or screening.`, 'not-found');
    return { html: await fsp.readFile(file, 'utf8') };
  }

  async pdf(rel: string, out: string): Promise<{ path: string; bytes: number }> {
    const { html } = await this.html(rel);
    const target = expandPath(out);
    if (!(await isDirectory(path.dirname(target)))) throw new UserFacingError(`The folder ${path.dirname(target)} does not exist. Choose where to save the PDF.`, 'not-found');
    try {
      const { bytes } = await this.printToPdf(html, target);
      return { path: target, bytes };
    } catch (err) {
      throw new UserFacingError(`${err instanceof Error ? err.message : String(err)}`, 'failed');
    }
  }
}
