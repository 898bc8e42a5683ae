/**
 * CSV output: RFC 4180 quoting (a field is quoted when it holds a comma, a double quote, CR or LF;
 * quotes are doubled) with LF line ends, and an append-only writer that makes every flushed block
 * durable (write + fsync) before returning, so a crash never loses a flushed row.
 *
 * Every CSV the app or the CLI writes goes through csvField, which also keeps cells from becoming
 * spreadsheet formulas: a text cell starting with =, +, -, @, tab or CR (a file called `=HYPERLINK(...).cif`,
 * a data block `data_=1+2`) gets a leading apostrophe, as does text that already starts with an apostrophe
 * followed by one of those characters or another apostrophe, so the mapping is one-to-one. Numbers
 * (-1.23, +4, 1e-5) are written as they are. The reader (csv-reader.ts) removes the apostrophe again with
 * csvCellValue, so resume and merge see exactly the values that were written.
 */
import fs from 'node:fs';

const NEEDS_QUOTES = /[",\r\n]/;
/** A cell a spreadsheet would evaluate as a formula (or that could hide one behind whitespace). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A cell that csvCellText prefixed with an apostrophe. */
const NEUTRALISED = /^'[=+\-@\t\r']/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?Infinity$/;

/** The text stored for a cell value: formula-like text gets a leading apostrophe (numbers never do). */
export function csvCellText(value: string): string {
  if (FORMULA_START.test(value) ? !NUMBER.test(value) : NEUTRALISED.test(value)) return `'${value}`;
  return value;
}

/** The value of a stored cell: undoes csvCellText. */
export function csvCellValue(text: string): string {
  return NEUTRALISED.test(text) ? text.slice(1) : text;
}

export function csvField(value: string): string {
  const text = csvCellText(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record with its terminating LF. */
export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + '\n';
}

/**
 * Appends blocks of text to a file. Each `append` issues as few writes as the OS allows and then
 * fsyncs, so when it returns the block is on disk. A kill during `append` can leave only a prefix of
 * the block, which readers recognise as a trailing partial record (see csv-reader / resume).
 */
export class DurableAppender {
  private fd: number | undefined;
  private bytes: number;
  private readonly fsync: boolean;

  /** Opens `filePath` for appending (creating it), after truncating it to `truncateTo` bytes when given. */
  constructor(
    readonly filePath: string,
    options: { truncateTo?: number; fsync?: boolean } = {},
  ) {
    this.fsync = options.fsync ?? true;
    this.fd = fs.openSync(filePath, 'a');
    if (options.truncateTo !== undefined) fs.ftruncateSync(this.fd, options.truncateTo);
    this.bytes = fs.fstatSync(this.fd).size;
  }

  /** File size after the last append. */
  get size(): number {
    return this.bytes;
  }

  append(text: string): void {
    if (this.fd === undefined) throw new Error(`${this.filePath} is closed`);
    if (text.length === 0) return;
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    if (this.fsync) fs.fsyncSync(this.fd);
    this.bytes += buf.length;
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    fs.closeSync(fd);
  }
}
