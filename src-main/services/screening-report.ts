/**
 * The screening report of a results CSV written by `mtcgcnn screen` and the model bundle that wrote it:
 * counts (screened / failed / out of domain), for every property the top-N candidates at both ends of the
 * ranking (with the ensemble ± std when the CSV has it) and the distribution of the predictions, the failures.
 *
 * The CSV is streamed, so result files of millions of rows need memory only for the predicted values.
 */
import path from 'node:path';
import { loadBundle } from '../core/model/bundle';
import { histogram, type CandidateList, type HistogramBins, type ScreeningCandidate, type ScreeningReport } from '../core/report';
import { formatInt } from '../../src-shared/text-format';
import { iterateCsvRecords } from '../core/screen/csv-reader';
import { outputLayout, type OutputLayout } from '../core/screen/columns';
import type { ScreeningTask } from '../core/screen/model';
import { modelCardOfBundle } from './run-report';
import { APP_VERSION } from './version';

export interface ScreeningReportOptions {
  readonly title?: string;
  /** Candidates listed at each end of the ranking, per property (default 10). */
  readonly top?: number;
  /** Histogram bins (default 30). */
  readonly bins?: number;
  /** Failures listed in the appendix (default 20). */
  readonly maxFailures?: number;
  /** Folder that was screened, printed on the overview (the CSV does not record it). */
  readonly sourceDir?: string;
  /** What the structures are, for the title line (default: the CSV's file name). */
  readonly sourceName?: string;
  readonly createdIso?: string;
  /** Free text under the title (what the structures are, how far to trust the predictions). */
  readonly notes?: string;
}

export interface ScreeningReportDocument {
  /**
   * The report with, per property, the end of the ranking that is usually wanted first (`candidates`) and the
   * other end (`otherEnd`, left out when the first list already holds every predicted structure);
   * `renderScreeningReportHtml` prints both.
   */
  readonly report: ScreeningReport;
  /** Rows with a prediction (no error). */
  readonly predicted: number;
}

/** Which end of a property's ranking comes first: band gaps from the top, everything else (energies) from the bottom. */
export function preferredEnd(task: ScreeningTask): 'min' | 'max' {
  return /band[\s_-]*gap|^(gap|e_?g)$/i.test(task.name.trim()) ? 'max' : 'min';
}

/** Keeps the n best items seen so far, in rank order (ties: first seen first). */
class TopN {
  readonly items: ScreeningCandidate[] = [];
  constructor(
    private readonly n: number,
    private readonly rankBy: 'min' | 'max',
  ) {}

  private better(a: number, b: number): boolean {
    return this.rankBy === 'min' ? a < b : a > b;
  }

  offer(make: () => ScreeningCandidate, value: number): void {
    const items = this.items;
    if (this.n <= 0) return;
    if (items.length === this.n && !this.better(value, items[items.length - 1].value)) return;
    let i = items.length;
    while (i > 0 && this.better(value, items[i - 1].value)) i--;
    items.splice(i, 0, make());
    if (items.length > this.n) items.pop();
  }
}

/** Accumulates the report's numbers from the CSV rows (header excluded), one row at a time. */
export class ScreeningCsvSummary {
  rows = 0;
  failed = 0;
  outOfDomain = 0;
  readonly failures: { id: string; reason: string }[] = [];
  readonly values: number[][];
  private readonly low: TopN[];
  private readonly high: TopN[];
  private readonly valueCol: number[];
  private readonly stdCol: number[];
  private readonly oodCol: number;
  private readonly errorCol: number;

  constructor(
    readonly layout: OutputLayout,
    top: number,
    private readonly maxFailures: number,
  ) {
    const stride = layout.withStd ? 2 : 1;
    this.valueCol = layout.tasks.map((_, t) => 4 + t * stride);
    this.stdCol = layout.tasks.map((_, t) => (layout.withStd ? 5 + t * stride : -1));
    this.oodCol = layout.header.length - 2;
    this.errorCol = layout.header.length - 1;
    this.values = layout.tasks.map(() => []);
    this.low = layout.tasks.map(() => new TopN(top, 'min'));
    this.high = layout.tasks.map(() => new TopN(top, 'max'));
  }

  add(fields: readonly string[]): void {
    this.rows++;
    const error = fields[this.errorCol] ?? '';
    if (error !== '' || fields.length !== this.layout.header.length) {
      this.failed++;
      if (this.failures.length < this.maxFailures) this.failures.push({ id: fields[0] ?? '', reason: error || `row has ${fields.length} fields, expected ${this.layout.header.length}` });
      return;
    }
    const ood = fields[this.oodCol] === 'true';
    if (ood) this.outOfDomain++;
    this.layout.tasks.forEach((_, t) => {
      const v = Number(fields[this.valueCol[t]]);
      if (fields[this.valueCol[t]] === '' || !Number.isFinite(v)) return;
      this.values[t].push(v);
      const sc = this.stdCol[t] >= 0 ? fields[this.stdCol[t]] : '';
      const std = sc === '' ? NaN : Number(sc);
      const make = (): ScreeningCandidate => ({
        id: fields[0],
        ...(fields[2] ? { formula: fields[2] } : {}),
        value: v,
        ...(Number.isFinite(std) ? { std } : {}),
        ood,
      });
      this.low[t].offer(make, v);
      this.high[t].offer(make, v);
    });
  }

  candidates(t: number, end: 'min' | 'max'): CandidateList {
    return { rankBy: end, items: (end === 'min' ? this.low[t] : this.high[t]).items };
  }
}

function sameHeader(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Reads RESULTS.csv with the layout of the model in MODEL_DIR (refuses a CSV written by another model). */
export async function buildScreeningReport(csvPath: string, modelDir: string, options: ScreeningReportOptions = {}): Promise<ScreeningReportDocument> {
  const bundle = loadBundle(modelDir);
  const model = modelCardOfBundle(bundle);
  const tasks: ScreeningTask[] = model.tasks.map((t) => ({ name: t.name, unit: t.unit }));
  const layout = outputLayout({ tasks, ensembleSize: model.ensembleSize, decisionThresholds: bundle.decisionThresholds });
  const summary = new ScreeningCsvSummary(layout, options.top ?? 10, options.maxFailures ?? 20);
  let header: string[] | undefined;
  const records = iterateCsvRecords(csvPath);
  while (true) {
    const r = await records.next();
    if (r.done) break;
    if (!header) {
      header = r.value.fields;
      if (!sameHeader(header, layout.header)) {
        await records.return(undefined as never);
        throw new Error(
          `${csvPath} was not written by the model ${modelDir}: its columns are "${header.join(',')}" but that model writes "${layout.header.join(',')}" (give the model that screened it with --model)`,
        );
      }
      continue;
    }
    summary.add(r.value.fields);
  }
  if (!header) throw new Error(`${csvPath} is empty (no header row): is it a screening result written by mtcgcnn screen?`);

  const candidates: Record<string, CandidateList> = {};
  const otherEnd: Record<string, CandidateList> = {};
  const histograms: Record<string, HistogramBins> = {};
  const bins = options.bins ?? 30;
  tasks.forEach((t, k) => {
    const first = preferredEnd(t);
    candidates[t.name] = summary.candidates(k, first);
    // When the first list already ranks every predicted structure, the other end would only repeat it reversed.
    if (summary.values[k].length > candidates[t.name].items.length) otherEnd[t.name] = summary.candidates(k, first === 'min' ? 'max' : 'min');
    if (summary.values[k].length) histograms[t.name] = histogram(summary.values[k], bins);
  });
  const domain = bundle.json.domain;
  const oodCriterion = domain
    ? `a structure is out of domain when it contains an element that is not among the ${formatInt(domain.elements.length)} elements of the training crystals, or has fewer than ${formatInt(domain.minAtoms)} or more than ${formatInt(domain.maxAtoms)} atoms per cell (the range of the training crystals)`
    : 'the model records no training domain, so no structure is flagged';
  const dataset = bundle.json.trainingCard?.dataset.name;
  const report: ScreeningReport = {
    title: options.title ?? `Screening of ${path.basename(csvPath)}: ${model.kind}${dataset ? ` trained on ${dataset}` : ''}`,
    createdIso: options.createdIso ?? new Date().toISOString(),
    appVersion: APP_VERSION,
    model,
    source: { name: options.sourceName ?? path.basename(csvPath), ...(options.sourceDir ? { dir: options.sourceDir } : {}) },
    counts: { screened: summary.rows, failed: summary.failed, outOfDomain: summary.outOfDomain },
    oodCriterion,
    candidates,
    otherEnd,
    histograms,
    failures: summary.failures,
    ...(options.notes ? { notes: options.notes } : {}),
  };
  return { report, predicted: summary.rows - summary.failed };
}
