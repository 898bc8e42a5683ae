/**
 * Reader for CGCNN / MT-CGCNN `id_prop.csv`: `id,value_1,...,value_k`, one crystal per row.
 *
 * - Header row optional. The first row is a header when none of its value cells is a number and at
 *   least one is a name (e.g. `id,formation_energy_per_atom_eV,band_gap_eV`); the header names the tasks.
 *   Without a header the tasks are `target_1..target_k` (CGCNN's own files have no header).
 * - Missing labels: an empty cell, `nan`, `None`, `null`, `NA`, `N/A` (any case) -> NaN.
 * - RFC 4180 quoting ("a,b", "say ""x"""), CRLF / CR / LF line ends, a UTF-8 BOM, blank lines skipped.
 * - Malformed rows (wrong column count, non-numeric or infinite value, empty or unsafe id) are collected
 *   as issues with 1-based line numbers and left out; duplicate ids keep the first row and are reported.
 *   `strict: true` turns any issue into an IdPropError.
 */
import { formatBytes } from '../../../src-shared/format-bytes';
import type { IdPropDuplicate, IdPropIssue, IdPropIssueKind } from '../../../src-shared/validation-types';

export type { IdPropDuplicate, IdPropIssue, IdPropIssueKind };

export interface IdPropRow {
  id: string;
  /** One value per task; NaN = missing label. */
  labels: Float64Array;
  /** 1-based line of the row in the file. */
  line: number;
}

export interface IdPropTable {
  /** Task (value column) names, from the header or `target_1..k`. */
  tasks: string[];
  hasHeader: boolean;
  /** Name of the id column when there is a header. */
  idColumn: string | null;
  /** Valid rows in file order (duplicates after the first left out). */
  rows: IdPropRow[];
  duplicates: IdPropDuplicate[];
  /** Every problem found, in line order; rows with a problem are not in `rows` (except duplicates' first row). */
  issues: IdPropIssue[];
  /** Non-blank data rows seen (valid or not, header excluded). */
  dataLines: number;
}

export interface IdPropOptions {
  /** Name used in error messages (default 'id_prop.csv'). */
  source?: string;
  /** Force or forbid a header row instead of detecting it (default 'auto'). */
  header?: 'auto' | boolean;
  /** Throw an IdPropError on the first batch of issues instead of collecting them. */
  strict?: boolean;
}

/**
 * Largest label CSV that is read (bytes, SI): about two million rows of an id and a few properties, far above any
 * real dataset (mp-cgcnn-25k's is about 1 MB) and far below what a string in memory can hold. A larger file is
 * refused before it is read, with IdPropTooLargeError.
 */
export const ID_PROP_MAX_BYTES = 64 * 1000 * 1000;

export class IdPropTooLargeError extends Error {
  constructor(
    readonly file: string,
    readonly bytes: number,
  ) {
    super(
      `${file} is ${formatBytes(bytes)}, more than the ${formatBytes(ID_PROP_MAX_BYTES)} a label CSV may have; ` +
        'is it the right file? A label CSV has one short row per crystal (id, then one value per property).',
    );
    this.name = 'IdPropTooLargeError';
  }
}

export class IdPropError extends Error {
  readonly issues: readonly IdPropIssue[];
  constructor(source: string, issues: readonly IdPropIssue[]) {
    const shown = issues.slice(0, 10).map((i) => `  line ${i.line}: ${i.message}`);
    const more = issues.length > 10 ? [`  ... and ${issues.length - 10} more`] : [];
    super(`${source}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${[...shown, ...more].join('\n')}`);
    this.name = 'IdPropError';
    this.issues = issues;
  }
}

const MISSING = new Set(['', 'nan', 'none', 'null', 'na', 'n/a']);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;

/** True for the cell spellings read as a missing label. */
export function isMissingCell(cell: string): boolean {
  return MISSING.has(cell.trim().toLowerCase());
}

/** Strict decimal number (no hex, no trailing junk); undefined when the cell is not one. */
export function parseNumberCell(cell: string): number | undefined {
  const t = cell.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

export interface CsvRecord {
  fields: string[];
  /** 1-based line where the record starts. */
  line: number;
}

/**
 * Splits CSV text into records (comma-separated, RFC 4180 quotes). Blank lines are skipped. An
 * unterminated quote is reported through `onIssue` and the rest of the text taken as that field.
 */
export function parseCsvRecords(text: string, onIssue?: (issue: IdPropIssue) => void): CsvRecord[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (!text.includes('"')) return splitUnquoted(text);
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false; // inside a quoted field
  let wasQuoted = false; // current field had quotes (so '' is a real empty value, not a blank line)
  const endRecord = () => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0].trim() === '' && !wasQuoted;
    if (!blank) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    wasQuoted = false;
  };
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += c;
    }
  }
  if (quoted) onIssue?.({ kind: 'quote', line: recordLine, message: 'unterminated quoted field' });
  if (field !== '' || fields.length > 0 || wasQuoted) endRecord();
  return records;
}

/** Fast path for the common case of a file without any quote character. */
function splitUnquoted(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() === '') continue;
    records.push({ fields: l.split(','), line: i + 1 });
  }
  return records;
}

/** An id must name a file in the dataset folder: no path separators, no '..', no control characters. */
function badIdReason(id: string): string | undefined {
  if (id === '') return 'empty id';
  if (/[/\\]/.test(id)) return `id "${id}" contains a path separator`;
  if (id === '.' || id === '..') return `id "${id}" is not a file name`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(id)) return `id ${JSON.stringify(id)} contains control characters`;
  return undefined;
}

function looksLikeHeader(valueCells: readonly string[]): boolean {
  let named = false;
  for (const cell of valueCells) {
    if (parseNumberCell(cell) !== undefined || INFINITY.test(cell.trim())) return false;
    if (!isMissingCell(cell)) named = true;
  }
  return named;
}

/** Parses the text of an id_prop.csv. */
export function parseIdProp(text: string, options: IdPropOptions = {}): IdPropTable {
  const source = options.source ?? 'id_prop.csv';
  const issues: IdPropIssue[] = [];
  const records = parseCsvRecords(text, (i) => issues.push(i));
  const empty: IdPropTable = { tasks: [], hasHeader: false, idColumn: null, rows: [], duplicates: [], issues, dataLines: 0 };
  if (records.length === 0) {
    if (options.strict && issues.length > 0) throw new IdPropError(source, issues);
    return empty;
  }
  const first = records[0];
  const headerOpt = options.header ?? 'auto';
  const hasHeader = headerOpt === 'auto' ? looksLikeHeader(first.fields.slice(1)) : headerOpt;
  const width = first.fields.length;
  const k = width - 1;
  const tasks: string[] = [];
  for (let t = 0; t < k; t++) {
    const name = hasHeader ? first.fields[t + 1].trim() : '';
    tasks.push(name !== '' ? name : `target_${t + 1}`);
  }
  // Header names must be distinct (they key per-task results).
  const seenNames = new Map<string, number>();
  for (let t = 0; t < k; t++) {
    const c = seenNames.get(tasks[t]) ?? 0;
    seenNames.set(tasks[t], c + 1);
    if (c > 0) tasks[t] = `${tasks[t]}_${c + 1}`;
  }

  const rows: IdPropRow[] = [];
  const firstLineOf = new Map<string, number>();
  const dupLines = new Map<string, number[]>();
  const body = hasHeader ? records.slice(1) : records;
  for (const rec of body) {
    const { fields, line } = rec;
    if (fields.length !== width) {
      issues.push({ kind: 'column-count', line, message: `expected ${width} columns (id + ${k} value${k === 1 ? '' : 's'}), found ${fields.length}` });
      continue;
    }
    const id = fields[0].trim();
    const bad = badIdReason(id);
    if (bad) {
      issues.push({ kind: 'bad-id', line, message: bad });
      continue;
    }
    const labels = new Float64Array(k);
    let rowOk = true;
    for (let t = 0; t < k; t++) {
      const cell = fields[t + 1];
      if (isMissingCell(cell)) {
        labels[t] = NaN;
        continue;
      }
      const v = parseNumberCell(cell);
      if (v === undefined) {
        const kind: IdPropIssueKind = INFINITY.test(cell.trim()) ? 'non-finite' : 'non-numeric';
        issues.push({ kind, line, message: `column ${t + 2} (${tasks[t]}): ${JSON.stringify(cell.trim())} is not a finite number` });
        rowOk = false;
        break;
      }
      if (!Number.isFinite(v)) {
        issues.push({ kind: 'non-finite', line, message: `column ${t + 2} (${tasks[t]}): ${cell.trim()} overflows` });
        rowOk = false;
        break;
      }
      labels[t] = v;
    }
    if (!rowOk) continue;
    const prev = firstLineOf.get(id);
    if (prev !== undefined) {
      const lines = dupLines.get(id) ?? [prev];
      lines.push(line);
      dupLines.set(id, lines);
      issues.push({ kind: 'duplicate-id', line, message: `duplicate id "${id}" (first on line ${prev}); this row is ignored` });
      continue;
    }
    firstLineOf.set(id, line);
    rows.push({ id, labels, line });
  }
  issues.sort((a, b) => a.line - b.line);
  if (options.strict && issues.length > 0) throw new IdPropError(source, issues);
  return {
    tasks,
    hasHeader,
    idColumn: hasHeader ? first.fields[0].trim() : null,
    rows,
    duplicates: [...dupLines].map(([id, lines]) => ({ id, lines })),
    issues,
    dataLines: body.length,
  };
}
