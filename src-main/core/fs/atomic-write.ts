/**
 * Atomic file writes, the one implementation every writer of the app, the CLI and the core uses: the data goes to a
 * temporary file next to the target (same folder, so the rename stays on one file system), every byte is written
 * (write() may write less than asked: the loop goes on until all is written), the file is flushed to disk, then
 * renamed over the target. Readers see the old or the new content, never a torn file. When any step fails the
 * temporary file is removed and the error is raised; the target is untouched.
 *
 * Both forms call the node:fs functions through the module object at call time (fs.writeSync, fs.write, ...), so a
 * failing disk can be simulated in tests.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type FileData = string | Uint8Array;

function toBytes(data: FileData): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** A temporary file name beside `file`: hidden, with this process's id and a random part. */
export function temporaryPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes all of `bytes` to `fd`, looping over short writes. */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    const n = fs.writeSync(fd, bytes, off, bytes.length - off);
    if (n <= 0) throw new Error(`write returned ${n} with ${bytes.length - off} bytes left`);
    off += n;
  }
}

/** Writes `data` to `file` atomically (synchronous form; the folder is created when missing). */
export function writeFileAtomicSync(file: string, data: FileData): void {
  const bytes = toBytes(data);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = temporaryPathFor(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    writeAllSync(fd, bytes);
    fs.fsyncSync(fd);
    const closing = fd;
    fd = undefined;
    fs.closeSync(closing);
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing: the first error is the one to report
      }
    }
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function call<T>(fn: (cb: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/** Writes `data` to `file` atomically without blocking the event loop (the folder is created when missing). */
export async function writeFileAtomic(file: string, data: FileData): Promise<void> {
  const bytes = toBytes(data);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = temporaryPathFor(file);
  let fd: number | undefined;
  try {
    fd = await call<number>((cb) => fs.open(tmp, 'w', cb));
    const handle = fd;
    let off = 0;
    while (off < bytes.length) {
      const n = await call<number>((cb) => fs.write(handle, bytes, off, bytes.length - off, null, cb));
      if (n <= 0) throw new Error(`write returned ${n} with ${bytes.length - off} bytes left`);
      off += n;
    }
    await call<void>((cb) => fs.fsync(handle, cb));
    fd = undefined;
    await call<void>((cb) => fs.close(handle, cb));
    await call<void>((cb) => fs.rename(tmp, file, cb));
  } catch (err) {
    if (fd !== undefined) {
      const handle = fd;
      await call<void>((cb) => fs.close(handle, cb)).catch(() => undefined);
    }
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

/** Human-readable JSON (2-space indent, trailing newline), written atomically. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
