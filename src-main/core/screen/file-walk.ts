/**
 * Streaming, deterministic listing of the structure files in a folder (optionally its subfolders).
 *
 * - Only one directory's entry names are held at a time per level of depth: a folder of millions of
 *   files is never loaded as a whole list of paths.
 * - Entries are sorted per directory by code unit, a directory counting as its name plus "/", which
 *   makes the depth-first order exactly the lexicographic order of the relative paths (posix "/").
 *   Shards, resume and merge rely on this order.
 * - Accepted names: *.cif *.mcif *.vasp *.poscar *.xyz *.extxyz (any case) and POSCAR* / CONTCAR* (any case).
 *   Hidden entries (name starting with ".", e.g. macOS "._x.cif" resource forks) are skipped.
 * - Symbolic links are followed; a linked directory already visited (a loop) is skipped.
 */
import fs from 'node:fs';
import path from 'node:path';

const EXTENSIONS = new Set(['.cif', '.mcif', '.vasp', '.poscar', '.xyz', '.extxyz']);

/** Whether a file name (no directory) is one screening reads. */
export function isStructureFileName(name: string): boolean {
  if (name.startsWith('.')) return false;
  const lower = name.toLowerCase();
  if (lower.startsWith('poscar') || lower.startsWith('contcar')) return true;
  return EXTENSIONS.has(path.extname(lower));
}

export interface FoundFile {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the root folder, "/"-separated: the file's key in the output. */
  readonly relPath: string;
}

export interface WalkOptions {
  recursive?: boolean;
  signal?: AbortSignal;
  /** Called for a subfolder that cannot be listed (the walk goes on without it). */
  onWarning?: (message: string) => void;
}

interface Entry {
  name: string;
  key: string;
  kind: 'file' | 'dir';
}

/** Compares by UTF-16 code unit (locale independent). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function listDirectory(absDir: string, recursive: boolean): Promise<Entry[]> {
  const entries: Entry[] = [];
  const dir = await fs.promises.opendir(absDir, { bufferSize: 256 });
  for await (const d of dir) {
    const name = d.name;
    if (name.startsWith('.')) continue;
    let kind: 'file' | 'dir' | undefined;
    if (d.isFile()) kind = 'file';
    else if (d.isDirectory()) kind = 'dir';
    else if (d.isSymbolicLink() || !(d.isFIFO() || d.isSocket() || d.isCharacterDevice() || d.isBlockDevice())) {
      // A link, or a file system that does not report entry types: ask stat.
      try {
        const st = await fs.promises.stat(path.join(absDir, name));
        kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : undefined;
      } catch {
        kind = undefined; // dangling link
      }
    }
    if (kind === 'file' && !isStructureFileName(name)) continue;
    if (kind === 'dir' && !recursive) continue;
    if (kind === undefined) continue;
    entries.push({ name, kind, key: kind === 'dir' ? name + '/' : name });
  }
  entries.sort((a, b) => compareCodeUnits(a.key, b.key));
  return entries;
}

/** Yields the structure files under `root` in deterministic (lexicographic relative path) order. */
export async function* walkStructureFiles(root: string, options: WalkOptions = {}): AsyncGenerator<FoundFile> {
  const absRoot = path.resolve(root);
  const st = await fs.promises.stat(absRoot);
  if (!st.isDirectory()) throw new Error(`${root} is not a folder`);
  const visited = new Set<string>([await fs.promises.realpath(absRoot)]);
  yield* walkDir(absRoot, '', options, visited);
}

async function* walkDir(absDir: string, relDir: string, options: WalkOptions, visited: Set<string>): AsyncGenerator<FoundFile> {
  const recursive = options.recursive ?? false;
  let entries: Entry[];
  try {
    entries = await listDirectory(absDir, recursive);
  } catch (err) {
    if (relDir === '') throw err;
    options.onWarning?.(`cannot list folder ${relDir}: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  for (const e of entries) {
    if (options.signal?.aborted) return;
    const abs = path.join(absDir, e.name);
    const rel = relDir === '' ? e.name : `${relDir}/${e.name}`;
    if (e.kind === 'file') {
      yield { path: abs, relPath: rel };
    } else {
      let real: string;
      try {
        real = await fs.promises.realpath(abs);
      } catch {
        continue;
      }
      if (visited.has(real)) {
        options.onWarning?.(`skipping folder ${rel}: it links to a folder already visited`);
        continue;
      }
      visited.add(real);
      yield* walkDir(abs, rel, options, visited);
    }
  }
}

/** Counts the files a walk would yield (optionally only those passing `filter`): names only, no reads. */
export async function countStructureFiles(root: string, options: WalkOptions & { filter?: (relPath: string) => boolean } = {}): Promise<number> {
  let n = 0;
  for await (const f of walkStructureFiles(root, options)) if (!options.filter || options.filter(f.relPath)) n++;
  return n;
}
