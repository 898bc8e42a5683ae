/**
 * Joining screening CSVs (one per shard) into one file sorted by the file column.
 *
 * - Every input must have the same header; an empty input (a shard that never started) is skipped with
 *   a warning, and a partial last line (a shard killed mid-write) is dropped with a warning.
 * - De-duplication by file: when several inputs have rows for the same file (a shard re-run under
 *   another name, overlapping runs), the rows of one input are kept: the first input (in argument
 *   order) whose rows for that file have no error, else the first input that has the file.
 * - Shard outputs are already sorted by file (the walk order is the lexicographic order of relative
 *   paths), so the merge streams them (k-way merge, memory independent of size). An input that is not
 *   sorted (hand-edited, or the folder changed between resumed runs) makes the merge fall back to
 *   sorting in memory.
 * - Output is written to a temporary file next to `outPath` and renamed at the end, so a failed merge
 *   never leaves a half file under the final name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { csvLine } from './csv-writer';
import { iterateCsvRecords, type CsvFileSummary, type CsvRecord } from './csv-reader';
import { compareCodeUnits } from './file-walk';

export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

export interface MergeOptions {
  /** Overwrite an existing output. */
  force?: boolean;
  onWarning?: (message: string) => void;
}

export interface MergeSummary {
  outPath: string;
  header: string[];
  /** Inputs that contributed (non-empty). */
  inputs: number;
  rows: number;
  files: number;
  /** Files whose rows in some input were dropped because another input had them too. */
  duplicateFiles: number;
  /** Files with an error row in the result. */
  failedFiles: number;
  /** Inputs whose partial last line was dropped. */
  partialLinesDropped: number;
  /** 'streamed' (k-way merge) or 'in-memory' (an input was not sorted). */
  method: 'streamed' | 'in-memory';
}

class UnsortedInput extends Error {}

interface Row {
  readonly key: string;
  readonly src: number;
  readonly fields: string[];
}

/** Minimal binary heap ordered by (key, src). */
class RowHeap {
  private readonly items: Row[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Row | undefined {
    return this.items[0];
  }
  private less(a: Row, b: Row): boolean {
    const c = compareCodeUnits(a.key, b.key);
    return c < 0 || (c === 0 && a.src < b.src);
  }
  push(r: Row): void {
    const a = this.items;
    a.push(r);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): Row | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

interface Source {
  readonly file: string;
  readonly index: number;
  readonly it: AsyncGenerator<CsvRecord, CsvFileSummary>;
  lastKey: string | undefined;
  summary?: CsvFileSummary;
}

class BufferedWriter {
  private readonly fd: number;
  private buf = '';
  constructor(readonly filePath: string) {
    this.fd = fs.openSync(filePath, 'w');
  }
  write(text: string): void {
    this.buf += text;
    if (this.buf.length >= 1 << 20) this.drain();
  }
  private drain(): void {
    const b = Buffer.from(this.buf, 'utf8');
    this.buf = '';
    let off = 0;
    while (off < b.length) off += fs.writeSync(this.fd, b, off, b.length - off);
  }
  finish(): void {
    this.drain();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
  }
  abandon(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(this.filePath, { force: true });
  }
}

async function openSources(inputs: readonly string[], warn: (m: string) => void): Promise<{ header: string[]; sources: Source[] }> {
  let header: string[] | undefined;
  let headerFrom = '';
  const sources: Source[] = [];
  for (const file of inputs) {
    let it: AsyncGenerator<CsvRecord, CsvFileSummary>;
    let first: IteratorResult<CsvRecord, CsvFileSummary>;
    try {
      it = iterateCsvRecords(file);
      first = await it.next();
    } catch (err) {
      throw new MergeError(`cannot read ${file}: ${(err as Error).message}`);
    }
    if (first.done) {
      warn(`${file} has no header (empty or cut short); skipped`);
      continue;
    }
    const h = first.value.fields;
    if (header === undefined) {
      if (!h.includes('file') || !h.includes('error')) throw new MergeError(`${file} is not a screening CSV: its header has no "file" and "error" columns`);
      header = h;
      headerFrom = file;
    } else if (h.length !== header.length || h.some((x, i) => x !== header![i])) {
      throw new MergeError(`${file} has different columns than ${headerFrom} ("${h.join(',')}" vs "${header.join(',')}"): merge only outputs of the same model`);
    }
    sources.push({ file, index: sources.length, it, lastKey: undefined });
  }
  if (header === undefined) throw new MergeError('no input has a header: nothing to merge');
  return { header, sources };
}

/** Chooses which input's rows of one file to keep (see the module comment). */
function chooseGroup(rowsBySrc: Map<number, string[][]>, errorColumn: number): { keep: string[][]; duplicate: boolean } {
  const srcs = [...rowsBySrc.keys()].sort((a, b) => a - b);
  const clean = srcs.find((s) => rowsBySrc.get(s)!.every((r) => r[errorColumn] === ''));
  return { keep: rowsBySrc.get(clean ?? srcs[0])!, duplicate: srcs.length > 1 };
}

export async function mergeScreenCsv(inputs: readonly string[], outPath: string, options: MergeOptions = {}): Promise<MergeSummary> {
  const warn = options.onWarning ?? ((): void => {});
  if (inputs.length === 0) throw new MergeError('no input files');
  const out = path.resolve(outPath);
  for (const i of inputs) if (path.resolve(i) === out) throw new MergeError(`the output ${outPath} is also an input`);
  if (fs.existsSync(out) && !options.force) throw new MergeError(`${outPath} already exists: use --force to overwrite it`);
  for (const i of inputs) if (!fs.existsSync(i)) throw new MergeError(`${i}: no such file`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.merge-${process.pid}.tmp`;
  let summary: MergeSummary;
  try {
    summary = await mergeStreamed(inputs, tmp, outPath, warn);
  } catch (err) {
    if (!(err instanceof UnsortedInput)) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    warn(`${err.message}: sorting in memory`);
    try {
      summary = await mergeInMemory(inputs, tmp, outPath, warn);
    } catch (err2) {
      fs.rmSync(tmp, { force: true });
      throw err2;
    }
  }
  fs.renameSync(tmp, out);
  return summary;
}

function checkFieldCount(src: Source, rec: CsvRecord, n: number): void {
  if (rec.fields.length !== n) throw new MergeError(`${src.file}: a row at byte ${rec.start} has ${rec.fields.length} fields, expected ${n}`);
}

async function mergeStreamed(inputs: readonly string[], tmp: string, outPath: string, warn: (m: string) => void): Promise<MergeSummary> {
  const { header, sources } = await openSources(inputs, warn);
  const fileCol = header.indexOf('file');
  const errCol = header.indexOf('error');
  const heap = new RowHeap();
  let partialLinesDropped = 0;

  async function advance(src: Source): Promise<void> {
    const r = await src.it.next();
    if (r.done) {
      src.summary = r.value;
      if (r.value.partial) {
        partialLinesDropped++;
        warn(`${src.file}: dropped a partial last line`);
      }
      return;
    }
    checkFieldCount(src, r.value, header.length);
    const key = r.value.fields[fileCol];
    if (src.lastKey !== undefined && compareCodeUnits(key, src.lastKey) < 0) {
      throw new UnsortedInput(`${src.file} is not sorted by file ("${key}" after "${src.lastKey}")`);
    }
    src.lastKey = key;
    heap.push({ key, src: src.index, fields: r.value.fields });
  }

  const writer = new BufferedWriter(tmp);
  let ok = false;
  let rows = 0;
  let files = 0;
  let duplicateFiles = 0;
  let failedFiles = 0;
  try {
    writer.write(csvLine(header));
    for (const s of sources) await advance(s);
    while (heap.size > 0) {
      const key = heap.peek()!.key;
      const group = new Map<number, string[][]>();
      while (heap.size > 0 && heap.peek()!.key === key) {
        const r = heap.pop()!;
        const list = group.get(r.src) ?? [];
        list.push(r.fields);
        group.set(r.src, list);
        await advance(sources[r.src]);
      }
      const { keep, duplicate } = chooseGroup(group, errCol);
      for (const f of keep) writer.write(csvLine(f));
      rows += keep.length;
      files++;
      if (duplicate) duplicateFiles++;
      if (keep.some((r) => r[errCol] !== '')) failedFiles++;
    }
    writer.finish();
    ok = true;
  } finally {
    if (!ok) {
      writer.abandon();
      await Promise.all(sources.map((s) => s.it.return(undefined as never).catch(() => undefined)));
    }
  }
  return { outPath, header, inputs: sources.length, rows, files, duplicateFiles, failedFiles, partialLinesDropped, method: 'streamed' };
}

async function mergeInMemory(inputs: readonly string[], tmp: string, outPath: string, warn: (m: string) => void): Promise<MergeSummary> {
  const { header, sources } = await openSources(inputs, () => undefined);
  const fileCol = header.indexOf('file');
  const errCol = header.indexOf('error');
  const byFile = new Map<string, Map<number, string[][]>>();
  let partialLinesDropped = 0;
  for (const src of sources) {
    while (true) {
      const r = await src.it.next();
      if (r.done) {
        if (r.value.partial) {
          partialLinesDropped++;
          warn(`${src.file}: dropped a partial last line`);
        }
        break;
      }
      checkFieldCount(src, r.value, header.length);
      const key = r.value.fields[fileCol];
      let g = byFile.get(key);
      if (!g) byFile.set(key, (g = new Map()));
      const list = g.get(src.index) ?? [];
      list.push(r.value.fields);
      g.set(src.index, list);
    }
  }
  const writer = new BufferedWriter(tmp);
  let ok = false;
  let rows = 0;
  let duplicateFiles = 0;
  let failedFiles = 0;
  const keys = [...byFile.keys()].sort(compareCodeUnits);
  try {
    writer.write(csvLine(header));
    for (const key of keys) {
      const { keep, duplicate } = chooseGroup(byFile.get(key)!, errCol);
      for (const f of keep) writer.write(csvLine(f));
      rows += keep.length;
      if (duplicate) duplicateFiles++;
      if (keep.some((r) => r[errCol] !== '')) failedFiles++;
    }
    writer.finish();
    ok = true;
  } finally {
    if (!ok) writer.abandon();
  }
  return { outPath, header, inputs: sources.length, rows, files: keys.length, duplicateFiles, failedFiles, partialLinesDropped, method: 'in-memory' };
}
