/**
 * CSV output: RFC 4180 quoting (a field is quoted when it holds a comma, a double quote, CR or LF;
 * quotes are doubled) with LF line ends, and an append-only writer that makes every flushed block
 * durable (write + fsync) before returning, so a crash never loses a flushed row.
 */
import fs from 'node:fs';

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
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
