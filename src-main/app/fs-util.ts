/**
 * Small file-system helpers for the app's manifests: tolerant JSON reads and home-relative paths. Atomic writes live
 * in core/fs/atomic-write, "is this process still alive" in core/fs/lock-file.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class JsonFileError extends Error {
  constructor(
    message: string,
    readonly kind: 'missing' | 'unreadable' | 'corrupt',
  ) {
    super(message);
    this.name = 'JsonFileError';
  }
}

/** Reads and parses a JSON file; the error says which file and whether it is missing or corrupt. */
export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new JsonFileError(`${file} does not exist`, 'missing');
    throw new JsonFileError(`${file} cannot be read: ${(err as Error).message}`, 'unreadable');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new JsonFileError(`${file} is not valid JSON (${(err as Error).message})`, 'corrupt');
  }
}

/** Expands a leading `~` to the user's home folder and resolves to an absolute, normalized path. */
export function expandPath(p: string): string {
  const trimmed = p.trim();
  if (trimmed === '~') return os.homedir();
  if (trimmed.startsWith('~/') || trimmed.startsWith('~\\')) return path.join(os.homedir(), trimmed.slice(2));
  return path.resolve(trimmed);
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export async function isFile(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isFile();
  } catch {
    return false;
  }
}

/** A file-system-safe slug of a display name: letters, digits, '-', '_' and '.', at most 64 characters. */
export function slugify(name: string, fallback = 'untitled'): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64)
    .replace(/[-.]+$/g, '');
  return slug || fallback;
}

/** A short, sortable, unique id: UTC timestamp plus random suffix, e.g. 20260121-164107-3f9a. */
export function timestampId(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}
