/**
 * Reading back a screening CSV to continue it (--resume).
 *
 * The writer appends whole rows in input order and fsyncs each block, so a crash can only damage the
 * tail: a partial last line, or (if a block was cut between two rows) only some of the last file's
 * rows. Resume therefore keeps everything up to the last file's rows and redoes that last file: it is
 * cheap (one file) and guarantees a multi-row file is never left half-written. Rows are deterministic,
 * so redoing a complete file appends exactly what was removed.
 */
import fs from 'node:fs';
import { readCsvFile } from './csv-reader';

export class ResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeError';
  }
}

export interface ResumeState {
  /** Bytes of the file to keep (truncate to this, then append). 0: start over, header included. */
  readonly keepBytes: number;
  /** Whether the kept part includes the header line. */
  readonly hasHeader: boolean;
  /** Files (the file column) whose rows are kept; value: whether the file has an error row. */
  readonly doneFiles: Map<string, boolean>;
  /** Data rows kept. */
  readonly rows: number;
  /** Files in doneFiles with an error. */
  readonly failedFiles: number;
  /** A partial last line was dropped. */
  readonly droppedPartialLine: boolean;
  /** The last file in the output, whose rows are dropped to be redone (undefined if none). */
  readonly redoFile?: string;
}

export interface ResumeColumns {
  readonly header: readonly string[];
  /** Index of the file column. */
  readonly fileColumn: number;
  /** Index of the error column. */
  readonly errorColumn: number;
}

function sameHeader(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Reads `outPath` (which must exist) and says what to keep. Throws ResumeError for a foreign or corrupt file. */
export async function readResumeState(outPath: string, columns: ResumeColumns): Promise<ResumeState> {
  const st = fs.statSync(outPath);
  if (!st.isFile()) throw new ResumeError(`${outPath} is not a file`);
  const done = new Map<string, boolean>();
  let headerSeen = false;
  let rows = 0;
  let problem: string | undefined;
  // The trailing run of rows of one file.
  let lastFile: string | undefined;
  let lastGroupStart = 0;
  let lastGroupRows = 0;
  let lastGroupFailed = false;
  let recordNo = 0;
  const summary = await readCsvFile(outPath, (rec) => {
    recordNo++;
    if (!headerSeen) {
      if (!sameHeader(rec.fields, columns.header)) {
        problem = `${outPath} has different columns than this model writes (found "${rec.fields.join(',')}", expected "${columns.header.join(',')}"): use another --out or --force`;
        return false;
      }
      headerSeen = true;
      lastGroupStart = rec.end;
      return;
    }
    if (rec.fields.length !== columns.header.length) {
      problem = `${outPath}: record ${recordNo} has ${rec.fields.length} fields, expected ${columns.header.length}; the file is damaged (repair or remove that row)`;
      return false;
    }
    const file = rec.fields[columns.fileColumn];
    const failed = rec.fields[columns.errorColumn] !== '';
    if (file !== lastFile) {
      if (lastFile !== undefined) commitGroup(lastFile, lastGroupFailed);
      lastFile = file;
      lastGroupStart = rec.start;
      lastGroupRows = 0;
      lastGroupFailed = false;
    }
    lastGroupRows++;
    lastGroupFailed ||= failed;
  });
  if (problem) throw new ResumeError(problem);

  function commitGroup(file: string, failed: boolean): void {
    done.set(file, (done.get(file) ?? false) || failed);
    rows += lastGroupRows;
  }

  if (!headerSeen) {
    // Empty, or only a partial header line: start over.
    return { keepBytes: 0, hasHeader: false, doneFiles: done, rows: 0, failedFiles: 0, droppedPartialLine: summary.partial };
  }
  let keepBytes = summary.completeBytes;
  let redoFile: string | undefined;
  if (lastFile !== undefined) {
    if (done.has(lastFile)) commitGroup(lastFile, lastGroupFailed); // also earlier, complete: keep
    else {
      redoFile = lastFile;
      keepBytes = lastGroupStart;
    }
  }
  let failedFiles = 0;
  for (const f of done.values()) if (f) failedFiles++;
  return {
    keepBytes,
    hasHeader: true,
    doneFiles: done,
    rows,
    failedFiles,
    droppedPartialLine: summary.partial,
    ...(redoFile !== undefined ? { redoFile } : {}),
  };
}
