/**
 * Reading structure files from disk: size limit checked with stat before reading, binary detection on
 * the bytes, UTF-8 decoding with a Latin-1 fallback (old CIFs carry Windows-1252 quotes and accents).
 */
import * as fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { ReadProblem, StructureReadError, toReadError } from './errors';
import { parseResolved } from './parse';
import { type NamedStructure, type ReadOptions, type ResolvedReadOptions, resolveOptions } from './types';

export async function readStructureFile(path: string, options?: ReadOptions): Promise<NamedStructure[]> {
  const opts = resolveOptions(options);
  let size: number;
  try {
    const st = await fs.promises.stat(path);
    if (!st.isFile()) throw new ReadProblem('io', 'not a regular file');
    size = st.size;
  } catch (e) {
    throw ioError(e, path);
  }
  checkSize(size, path, opts);
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(path);
  } catch (e) {
    throw ioError(e, path);
  }
  return parseBuffer(buf, path, opts);
}

export function readStructureFileSync(path: string, options?: ReadOptions): NamedStructure[] {
  const opts = resolveOptions(options);
  let size: number;
  try {
    const st = fs.statSync(path);
    if (!st.isFile()) throw new ReadProblem('io', 'not a regular file');
    size = st.size;
  } catch (e) {
    throw ioError(e, path);
  }
  checkSize(size, path, opts);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    throw ioError(e, path);
  }
  return parseBuffer(buf, path, opts);
}

/** Parse file contents already in memory (e.g. from a drag-and-drop); `fileName` picks the format. */
export function parseStructureBuffer(bytes: Uint8Array, fileName: string, options?: ReadOptions): NamedStructure[] {
  return parseBuffer(bytes, fileName, resolveOptions(options));
}

function checkSize(size: number, path: string, opts: ResolvedReadOptions): void {
  if (size > opts.maxBytes) {
    throw new StructureReadError({ code: 'too-large', file: path, reason: `${size} bytes is more than the limit of ${opts.maxBytes} bytes` });
  }
  if (size === 0) throw new StructureReadError({ code: 'empty', file: path, reason: 'the file is empty (0 bytes)' });
}

function parseBuffer(bytes: Uint8Array, path: string, opts: ResolvedReadOptions): NamedStructure[] {
  try {
    if (bytes.length > opts.maxBytes) throw new ReadProblem('too-large', `${bytes.length} bytes is more than the limit of ${opts.maxBytes} bytes`);
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // gzip / zip signatures first (a clearer message), then any NUL byte
    if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) throw new ReadProblem('binary', 'gzip-compressed file: decompress it first');
    if (buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04) throw new ReadProblem('binary', 'zip archive: extract it first');
    const nul = buf.indexOf(0);
    if (nul >= 0) throw new ReadProblem('binary', `NUL byte at offset ${nul}: a binary file, not a text structure file`);
    const warnings: string[] = [];
    let text: string;
    if (isUtf8(buf)) {
      text = buf.toString('utf8');
    } else {
      const n = Math.min(buf.length, 65536);
      let high = 0;
      let control = 0;
      for (let i = 0; i < n; i++) {
        const b = buf[i];
        if (b >= 0x80) high++;
        else if ((b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) || b === 127) control++;
      }
      if (high > n * 0.1 || control > 8) {
        throw new ReadProblem('binary', `not valid UTF-8 and ${high} of the first ${n} bytes are non-ASCII: a binary file, not a text structure file`);
      }
      text = buf.toString('latin1');
      warnings.push('the file is not valid UTF-8; decoded as Latin-1');
    }
    return parseResolved(text, path, opts, warnings);
  } catch (e) {
    if (e instanceof StructureReadError) throw e;
    throw toReadError(e, path);
  }
}

function ioError(e: unknown, path: string): StructureReadError {
  if (e instanceof ReadProblem) return toReadError(e, path);
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : e instanceof Error ? e.message : String(e);
  return new StructureReadError({ code: 'io', file: path, reason: `cannot read the file: ${why}`, cause: e });
}
