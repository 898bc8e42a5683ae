/**
 * Dataset validation report: counts, unreadable structures, element coverage and label statistics.
 *
 * Pure given a parse callback: the callback reads one structure file and reports its atom count and
 * formula (or an error); `structure-parse.ts` provides one built on the project's structure readers, and
 * tests pass fakes. A callback that throws is treated as an unreadable file with the error's message.
 * The report is plain JSON (no typed arrays), so it can cross IPC and be saved as is.
 */
import { ELEMENT_SYMBOLS } from '../crystal/elements';
import type { DatasetEntry, DatasetScan, DatasetTask } from './dataset-folder';
import type { BadFile, Histogram, LabelStats, ValidationFindings } from '../../../src-shared/validation-types';
import { describeSkipped } from '../screen/file-walk';

export type StructureParseOutcome =
  | {
      ok: true;
      numAtoms: number;
      /** e.g. reduced formula "Fe2O3". */
      formula: string;
      /** Atomic number of every atom (optional: enables the element-coverage check). */
      atomicNumbers?: ArrayLike<number>;
      /** Repairs/guesses made by the reader. */
      warnings?: readonly string[];
    }
  | { ok?: false; error: string };

export type StructureParseFn = (file: string, entry: DatasetEntry) => StructureParseOutcome;
export type AsyncStructureParseFn = (file: string, entry: DatasetEntry) => StructureParseOutcome | Promise<StructureParseOutcome>;

/** Anything that can say whether an element has features (ElementFeatureTable fits). */
export interface ElementCoverage {
  has(z: number): boolean;
  readonly source?: string;
}

export interface ValidateOptions {
  /** Check that every element of every parsed structure has features in this table. */
  features?: ElementCoverage;
  /** Histogram bins per task (default 20). */
  histogramBins?: number;
  /** Called after each structure with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Async only: stop early (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

export type { BadFile, Histogram, LabelStats, ValidationFindings } from '../../../src-shared/validation-types';

export interface ValidationReport extends ValidationFindings {
  dir: string;
  tasks: DatasetTask[];
}

/** Statistics of the finite values in `values` (NaN = missing). */
export function labelStatistics(task: string, unit: string, values: Float64Array | readonly number[], bins = 20): LabelStats {
  const finite: number[] = [];
  let missing = 0;
  for (const v of values) {
    if (Number.isNaN(v)) missing++;
    else finite.push(v);
  }
  const n = finite.length;
  if (n === 0) return { task, unit, n, missing, min: null, max: null, mean: null, std: null, median: null, histogram: null };
  let min = Infinity;
  let max = -Infinity;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const v = finite[i];
    if (v < min) min = v;
    if (v > max) max = v;
    const d = v - mean;
    mean += d / (i + 1);
    m2 += d * (v - mean);
  }
  const sorted = Float64Array.from(finite).sort();
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  return { task, unit, n, missing, min, max, mean, std, median, histogram: histogram(sorted, min, max, bins) };
}

function histogram(values: ArrayLike<number>, min: number, max: number, bins: number): Histogram {
  const nb = Math.max(1, Math.floor(bins));
  const lo = min === max ? min - 0.5 : min;
  const hi = min === max ? max + 0.5 : max;
  const width = (hi - lo) / nb;
  const edges: number[] = [];
  for (let i = 0; i < nb; i++) edges.push(lo + i * width);
  edges.push(hi);
  const counts = new Array<number>(nb).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor((values[i] - lo) / width);
    counts[Math.min(Math.max(b, 0), nb - 1)]++;
  }
  return { edges, counts };
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Accumulates per-entry outcomes; shared by the sync and async drivers. */
class Collector {
  readonly badFiles: BadFile[] = [];
  readonly usable: DatasetEntry[] = [];
  readonly atomCounts: number[] = [];
  readonly elementCrystals = new Map<number, number>();
  readonly unsupported = new Map<number, number>();
  parsed = 0;
  filesWithWarnings = 0;

  constructor(private readonly features: ElementCoverage | undefined) {}

  add(entry: DatasetEntry, outcome: StructureParseOutcome | undefined, thrown?: unknown): void {
    if (thrown !== undefined) {
      this.badFiles.push({ id: entry.id, file: entry.file, reason: errorMessage(thrown) });
      return;
    }
    if (!outcome || outcome.ok !== true) {
      const reason = outcome && 'error' in outcome && outcome.error ? outcome.error : 'unreadable structure';
      this.badFiles.push({ id: entry.id, file: entry.file, reason });
      return;
    }
    if (!(Number.isInteger(outcome.numAtoms) && outcome.numAtoms >= 1)) {
      this.badFiles.push({ id: entry.id, file: entry.file, reason: `no atoms (numAtoms = ${outcome.numAtoms})` });
      return;
    }
    this.parsed++;
    if (outcome.warnings && outcome.warnings.length > 0) this.filesWithWarnings++;
    const zs = outcome.atomicNumbers ? new Set(Array.from(outcome.atomicNumbers)) : undefined;
    if (zs && this.features) {
      const lacking = [...zs].filter((z) => !this.features!.has(z)).sort((a, b) => a - b);
      if (lacking.length > 0) {
        for (const z of lacking) this.unsupported.set(z, (this.unsupported.get(z) ?? 0) + 1);
        const names = lacking.map((z) => ELEMENT_SYMBOLS[z] || `Z=${z}`).join(', ');
        const table = this.features.source ? ` (${this.features.source})` : '';
        this.badFiles.push({ id: entry.id, file: entry.file, reason: `${outcome.formula}: no element features for ${names}${table}` });
        return;
      }
    }
    if (zs) for (const z of zs) this.elementCrystals.set(z, (this.elementCrystals.get(z) ?? 0) + 1);
    this.usable.push(entry);
    this.atomCounts.push(outcome.numAtoms);
  }

  finish(scan: DatasetScan, bins: number): ValidationReport {
    const tasks = scan.tasks.map((t) => ({ ...t }));
    const labelledPerTask: Record<string, number> = {};
    const missingPerTask: Record<string, number> = {};
    const labelStats = tasks.map((t, ti) => {
      const values = new Float64Array(this.usable.length);
      this.usable.forEach((e, i) => (values[i] = e.labels[ti]));
      const s = labelStatistics(t.name, t.unit, values, bins);
      labelledPerTask[t.name] = s.n;
      missingPerTask[t.name] = s.missing;
      return s;
    });
    let atoms: ValidationReport['atoms'] = null;
    if (this.atomCounts.length > 0) {
      const s = labelStatistics('atoms', '', this.atomCounts, 1);
      atoms = { min: s.min!, max: s.max!, mean: s.mean!, median: s.median! };
    }
    const unsupportedElements = [...this.unsupported]
      .sort((a, b) => a[0] - b[0])
      .map(([z, crystals]) => ({ z, symbol: ELEMENT_SYMBOLS[z] || `Z=${z}`, crystals }));

    const problems: string[] = [];
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    if (scan.csvIssues.length > 0) {
      const malformed = scan.csvIssues.filter((i) => i.kind !== 'duplicate-id').length;
      if (malformed > 0) problems.push(`${plural(malformed, 'malformed row')} in id_prop.csv (first on line ${scan.csvIssues.find((i) => i.kind !== 'duplicate-id')!.line})`);
    }
    if (scan.duplicateIds.length > 0) problems.push(`${plural(scan.duplicateIds.length, 'id')} repeated in id_prop.csv (first row kept)`);
    if (scan.missingFiles.length > 0) problems.push(`${plural(scan.missingFiles.length, 'row')} without a structure file (e.g. ${scan.missingFiles[0]})`);
    if (scan.orphanFiles.length > 0) problems.push(`${plural(scan.orphanFiles.length, 'structure file')} not listed in id_prop.csv (e.g. ${scan.orphanFiles[0]})`);
    const notRead = describeSkipped(scan.notRead);
    if (notRead !== '') problems.push(notRead);
    if (scan.ambiguous.length > 0) problems.push(`${plural(scan.ambiguous.length, 'id')} with several structure files (e.g. ${scan.ambiguous[0].files.join(', ')}); the first is used`);
    if (this.badFiles.length > 0) problems.push(`${plural(this.badFiles.length, 'structure')} cannot be used (e.g. ${this.badFiles[0].id}: ${this.badFiles[0].reason})`);
    if (unsupportedElements.length > 0) {
      problems.push(`elements without features: ${unsupportedElements.map((u) => `${u.symbol} (${u.crystals})`).join(', ')}`);
    }
    for (const s of labelStats) if (s.n === 0 && this.usable.length > 0) problems.push(`task ${s.task} has no values`);
    if (this.usable.length === 0) problems.push('no usable crystals');

    return {
      dir: scan.dir,
      tasks,
      counts: {
        csvRows: scan.csvDataLines,
        validRows: scan.entries.length + scan.missingFiles.length,
        structureFiles: scan.structureFileCount,
        entries: scan.entries.length,
        parsed: this.parsed,
        usable: this.usable.length,
        badFiles: this.badFiles.length,
        missingFiles: scan.missingFiles.length,
        orphanFiles: scan.orphanFiles.length,
        duplicateIds: scan.duplicateIds.length,
        csvIssues: scan.csvIssues.length,
        labelledPerTask,
        missingPerTask,
      },
      badFiles: this.badFiles,
      missingFiles: [...scan.missingFiles],
      orphanFiles: [...scan.orphanFiles],
      csvIssues: [...scan.csvIssues],
      duplicateIds: scan.duplicateIds.map((d) => ({ id: d.id, lines: [...d.lines] })),
      unsupportedElements,
      elementsPresent: this.elementCrystals.size,
      atoms,
      filesWithWarnings: this.filesWithWarnings,
      labelStats,
      problems,
    };
  }
}

/** Validates a scanned dataset, parsing every entry's structure with `parse` (synchronously). */
export function validateDataset(scan: DatasetScan, parse: StructureParseFn, options: ValidateOptions = {}): ValidationReport {
  const c = new Collector(options.features);
  const total = scan.entries.length;
  scan.entries.forEach((entry, i) => {
    let outcome: StructureParseOutcome | undefined;
    let thrown: unknown;
    try {
      outcome = parse(entry.file, entry);
    } catch (e) {
      thrown = e ?? new Error('parse failed');
    }
    c.add(entry, outcome, thrown);
    options.onProgress?.(i + 1, total);
  });
  return c.finish(scan, options.histogramBins ?? 20);
}

/** validateDataset with an async parse callback (files read without blocking), cancellable. */
export async function validateDatasetAsync(
  scan: DatasetScan,
  parse: AsyncStructureParseFn,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const c = new Collector(options.features);
  const total = scan.entries.length;
  for (let i = 0; i < total; i++) {
    options.signal?.throwIfAborted();
    const entry = scan.entries[i];
    let outcome: StructureParseOutcome | undefined;
    let thrown: unknown;
    try {
      outcome = await parse(entry.file, entry);
    } catch (e) {
      thrown = e ?? new Error('parse failed');
    }
    c.add(entry, outcome, thrown);
    options.onProgress?.(i + 1, total);
  }
  return c.finish(scan, options.histogramBins ?? 20);
}
