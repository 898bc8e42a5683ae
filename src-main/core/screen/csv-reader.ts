/**
 * Streaming RFC 4180 reader that works on bytes, so it can report the byte offset where each record
 * ends (resume truncates the output there). Separators and quotes are ASCII, which never occur inside
 * a multi-byte UTF-8 sequence, so splitting on bytes is safe; fields are decoded as UTF-8 when complete.
 *
 * Accepts LF and CRLF line ends, quoted fields with embedded separators, quotes ("") and line breaks.
 * Cells that the writer neutralised against spreadsheet formulas (csvCellText) are given back as written.
 * Blank lines are skipped. A record counts only once its line end has been read: bytes after the last
 * line end (a row cut short by a crash) are reported as a partial tail, never as a record.
 */
import fs from 'node:fs';
import { csvCellValue } from './csv-writer';

export interface CsvRecord {
  readonly fields: string[];
  /** Byte offset of the record's first byte. */
  readonly start: number;
  /** Byte offset just past the record's line end. */
  readonly end: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

export class CsvRecordParser {
  private state = State.FieldStart;
  private parts: Buffer[] = [];
  private fields: string[] = [];
  private offset = 0;
  private recordStart = 0;
  private lastEnd = 0;

  /** Bytes consumed so far. */
  get bytesRead(): number {
    return this.offset;
  }

  /** Offset just past the last complete record (or skipped blank line). */
  get completeBytes(): number {
    return this.lastEnd;
  }

  /** True when bytes after the last line end are pending (a partial record at end of input). */
  get hasPartial(): boolean {
    return this.offset > this.lastEnd;
  }

  /** Parses `chunk`, calling `onRecord` for every record completed in it. */
  feed(chunk: Buffer, onRecord: (record: CsvRecord) => void): void {
    let seg = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i];
      switch (this.state) {
        case State.FieldStart:
          if (b === QUOTE) {
            this.state = State.Quoted;
            seg = i + 1;
          } else if (b === COMMA) {
            this.fields.push('');
          } else if (b === LF) {
            this.endField(false);
            this.endRecord(i, onRecord);
          } else {
            this.state = State.Unquoted;
            seg = i;
          }
          break;
        case State.Unquoted:
          if (b === COMMA || b === LF) {
            this.parts.push(chunk.subarray(seg, i));
            this.endField(b === LF);
            if (b === LF) this.endRecord(i, onRecord);
            else this.state = State.FieldStart;
          }
          break;
        case State.Quoted:
          if (b === QUOTE) {
            this.parts.push(chunk.subarray(seg, i));
            this.state = State.QuoteInQuoted;
          }
          break;
        case State.QuoteInQuoted:
          if (b === QUOTE) {
            // "" inside a quoted field: a literal quote; the next segment starts at this quote.
            seg = i;
            this.state = State.Quoted;
          } else if (b === COMMA) {
            this.endField(false);
            this.state = State.FieldStart;
          } else if (b === LF) {
            this.endField(false);
            this.endRecord(i, onRecord);
          } else if (b !== CR) {
            // Lenient: text after a closing quote continues the field unquoted.
            this.state = State.Unquoted;
            seg = i;
          }
          break;
      }
    }
    // Keep the unfinished segment (copied: the caller may reuse its buffer).
    if (this.state === State.Unquoted || this.state === State.Quoted) this.parts.push(Buffer.from(chunk.subarray(seg, n)));
    this.offset += n;
  }

  private endField(stripCr: boolean): void {
    let text = this.parts.length === 1 ? this.parts[0].toString('utf8') : Buffer.concat(this.parts).toString('utf8');
    if (stripCr && text.endsWith('\r')) text = text.slice(0, -1);
    this.fields.push(csvCellValue(text));
    this.parts = [];
  }

  private endRecord(i: number, onRecord: (record: CsvRecord) => void): void {
    const end = this.offset + i + 1;
    const fields = this.fields;
    this.fields = [];
    this.state = State.FieldStart;
    const start = this.recordStart;
    this.recordStart = end;
    this.lastEnd = end;
    if (fields.length === 1 && fields[0] === '') return; // blank line
    onRecord({ fields, start, end });
  }
}

export interface CsvFileSummary {
  /** File size in bytes. */
  bytes: number;
  /** Offset just past the last complete record. */
  completeBytes: number;
  /** A partial record (no line end) follows the last complete one. */
  partial: boolean;
}

/**
 * Reads a CSV file record by record without loading it whole. `onRecord` may return false to stop early
 * (the summary then describes only what was read).
 */
export async function readCsvFile(filePath: string, onRecord: (record: CsvRecord) => boolean | void): Promise<CsvFileSummary> {
  const it = iterateCsvRecords(filePath);
  while (true) {
    const r = await it.next();
    if (r.done) return r.value;
    if (onRecord(r.value) === false) {
      await it.return(undefined as never);
      return { bytes: r.value.end, completeBytes: r.value.end, partial: false };
    }
  }
}

/** Pull-based reading: yields records; the return value summarises the file. */
export async function* iterateCsvRecords(filePath: string): AsyncGenerator<CsvRecord, CsvFileSummary> {
  const parser = new CsvRecordParser();
  const stream = fs.createReadStream(filePath, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      const records: CsvRecord[] = [];
      parser.feed(chunk as Buffer, (rec) => records.push(rec));
      yield* records;
    }
  } finally {
    stream.destroy();
  }
  return { bytes: parser.bytesRead, completeBytes: parser.completeBytes, partial: parser.hasPartial };
}

/** Parses a whole CSV text (tests, small files). Drops a trailing partial record. */
export function parseCsvText(text: string): { records: string[][]; partial: boolean } {
  const parser = new CsvRecordParser();
  const records: string[][] = [];
  parser.feed(Buffer.from(text, 'utf8'), (r) => records.push(r.fields));
  return { records, partial: parser.hasPartial };
}
