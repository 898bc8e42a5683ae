/**
 * Streaming, deterministic listing of the structure files in a folder (optionally its subfolders).
 *
 * - Only one directory's entry names are held at a time per level of depth: a folder of millions of
 *   files is never loaded as a whole list of paths.
 * - Entries are sorted per directory by code unit, a directory counting as its name plus "/", which
 *   makes the depth-first order exactly the lexicographic order of the relative paths (posix "/").
 *   Shards, resume and merge rely on this order.
 * - Accepted names: those core/io's formatFromName recognises, as pymatgen does: *.cif *.mcif *.vasp *.poscar
 *   *.xyz *.extxyz and any name containing POSCAR or CONTCAR (`Fe2O3_POSCAR`, `POSCAR.relax`), any case.
 *   Hidden entries (name starting with ".", e.g. macOS "._x.cif" resource forks) are skipped.
 * - Nothing is passed over in silence: `onSkipped` hears of every entry not yielded (unknown kind, hidden,
 *   a subfolder without `recursive`, unreadable); `SkipTally` collects them for a run's summary.
 * - Symbolic links are followed; a linked directory already visited (a loop) is skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { formatFromName } from '../io/parse';

/** Whether a file name (no directory) is one screening reads. */
export function isStructureFileName(name: string): boolean {
  if (name.startsWith('.')) return false;
  return formatFromName(name) !== undefined;
}

/** The file kinds a folder walk reads, for messages. */
export const STRUCTURE_FILE_KINDS = '.cif, .mcif, .vasp, .poscar, .xyz, .extxyz, or a name containing POSCAR or CONTCAR';

/** Why a walk did not read an entry. */
export type SkipReason = 'unknown kind' | 'hidden' | 'folder' | 'unreadable';

export interface SkippedEntry {
  /** Path relative to the walked folder, "/"-separated (folders end with "/"). */
  readonly relPath: string;
  readonly reason: SkipReason;
}

/** Counts of the entries a walk passed over, with the first few names, for a summary. */
export interface SkipSummary {
  total: number;
  byReason: Partial<Record<SkipReason, number>>;
  /** The first entries (at most SkipTally's limit), in walk order. */
  examples: SkippedEntry[];
}

/** Collects skipped entries (bounded memory: counts plus the first `limit` names). */
export class SkipTally {
  private readonly s: SkipSummary = { total: 0, byReason: {}, examples: [] };
  constructor(private readonly limit = 50) {}
  readonly add = (e: SkippedEntry): void => {
    this.s.total++;
    this.s.byReason[e.reason] = (this.s.byReason[e.reason] ?? 0) + 1;
    if (this.s.examples.length < this.limit) this.s.examples.push(e);
  };
  summary(): SkipSummary {
    return { total: this.s.total, byReason: { ...this.s.byReason }, examples: [...this.s.examples] };
  }
}

const REASON_TEXT: Record<SkipReason, string> = {
  'unknown kind': 'not a structure file kind',
  hidden: 'hidden',
  folder: 'a subfolder (read with --recursive)',
  unreadable: 'unreadable',
};

/** One line for a summary: "not read: 2 entries (1 not a structure file kind: notes.txt; 1 hidden: .DS_Store)"; '' when none. */
export function describeSkipped(s: SkipSummary, maxNames = 5): string {
  if (s.total === 0) return '';
  const parts = (Object.keys(s.byReason) as SkipReason[]).map((r) => {
    const names = s.examples.filter((e) => e.reason === r).map((e) => e.relPath).sort(compareCodeUnits);
    const shown = names.slice(0, maxNames).join(', ');
    const more = s.byReason[r]! > Math.min(names.length, maxNames) ? ', ...' : '';
    return `${s.byReason[r]} ${REASON_TEXT[r]}: ${shown}${more}`;
  });
  return `not read: ${s.total} ${s.total === 1 ? 'entry' : 'entries'} (${parts.join('; ')})`;
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
  /** Called for every entry the walk does not yield (see SkipReason). */
  onSkipped?: (entry: SkippedEntry) => void;
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

async function listDirectory(absDir: string, recursive: boolean, skip: (name: string, reason: SkipReason) => void): Promise<Entry[]> {
  const entries: Entry[] = [];
  const dir = await fs.promises.opendir(absDir, { bufferSize: 256 });
  for await (const d of dir) {
    const name = d.name;
    if (name.startsWith('.')) {
      skip(d.isDirectory() ? name + '/' : name, 'hidden');
      continue;
    }
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
    if (kind === 'file' && !isStructureFileName(name)) {
      skip(name, 'unknown kind');
      continue;
    }
    if (kind === 'dir' && !recursive) {
      skip(name + '/', 'folder');
      continue;
    }
    if (kind === undefined) {
      skip(name, 'unreadable');
      continue;
    }
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
  const onSkipped = options.onSkipped;
  const skip = (name: string, reason: SkipReason): void => onSkipped?.({ relPath: relDir === '' ? name : `${relDir}/${name}`, reason });
  try {
    entries = await listDirectory(absDir, recursive, skip);
  } catch (err) {
    if (relDir === '') throw err;
    options.onWarning?.(`cannot list folder ${relDir}: ${err instanceof Error ? err.message : String(err)}`);
    onSkipped?.({ relPath: relDir + '/', reason: 'unreadable' });
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
